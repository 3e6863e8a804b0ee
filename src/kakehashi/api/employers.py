"""Employers: the list with its filters, and one employer."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router

from kakehashi.core.access import get_visible
from kakehashi.employers.models import Employer, EmployerQuerySet
from kakehashi.engine.text import nfkc

from . import answers
from .guard import principal, requires
from .paging import PageQuery, page
from .responses import for_detail, for_list
from .schemas import TEXT, EmployerOut, EmployerPage, Moment

router = Router(tags=["事業所"])


class EmployerFilters(PageQuery):
    q: str | None = Field(None, pattern=TEXT, max_length=200, description="事業所名・ふりがな（かなの種類・全角半角・空白を問わない）・電話番号（ハイフンの有無を問わない）・事業所ID（画面の検索と同じ）")
    industry: str | None = Field(None, pattern=TEXT, max_length=4, description="産業分類コード")
    area: str | None = Field(None, pattern=TEXT, max_length=40, description="地区")
    center_member: bool | None = Field(None, description="センター会員に限る（true）・除く（false）")
    updated_since: Moment | None = Field(None, description="この日時以降に更新された事業所")


def search(qs: EmployerQuerySet, f: EmployerFilters) -> EmployerQuerySet:
    if f.q and f.q.strip():
        qs = qs.search(f.q)
    if f.industry:
        qs = qs.filter(industry_id=nfkc(f.industry))
    if f.area:
        qs = qs.filter(town__area=nfkc(f.area))
    if f.center_member is not None:
        qs = qs.filter(center_member=f.center_member)
    if f.updated_since:
        qs = qs.filter(updated_at__gte=f.updated_since)
    return qs


@router.get("/employers", response=for_list(EmployerPage), url_name="employers", summary="事業所の一覧")
@requires("employers:read")
def employers(request: HttpRequest, filters: Query[EmployerFilters]) -> dict[str, object]:
    qs = Employer.objects.visible_to(principal(request)).select_related("industry", "town")
    rows, cursor = page(search(qs, filters), filters)
    return {"items": [answers.employer(e) for e in rows], "next_cursor": cursor}


@router.get("/employers/{employer_id}", response=for_detail(EmployerOut), url_name="employer", summary="事業所")
@requires("employers:read")
def employer(request: HttpRequest, employer_id: str) -> dict[str, object]:
    qs = Employer.objects.visible_to(principal(request)).select_related("industry", "town")
    return answers.employer(get_visible(qs, employer_id=nfkc(employer_id)))
