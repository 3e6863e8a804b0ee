"""Seekers, within the consent each gave (``SeekerQuerySet.restrict``) and cut by the field policy."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router

from kakehashi.accounts import policy
from kakehashi.audit import scope
from kakehashi.core.access import get_visible
from kakehashi.engine.text import nfkc
from kakehashi.seekers.models import Seeker, SeekerQuerySet, SeekerStatus

from . import answers
from .guard import principal, requires
from .paging import PageQuery, page, words
from .responses import for_detail, for_list
from .schemas import TEXT, Moment, SeekerOut, SeekerPage

router = Router(tags=["求職者"])


class SeekerFilters(PageQuery):
    q: str | None = Field(None, pattern=TEXT, max_length=200, description="氏名・ふりがな（ひらがな・カタカナ・半角カナ、空白の有無を問わない）・電話番号（ハイフンの有無を問わない）・求職者ID（画面の検索と同じ）")
    status: SeekerStatus | None = Field(None, description="状況")
    site: str | None = Field(None, pattern=TEXT, max_length=40, description="拠点コード。福祉の状況を知りえない機関には効かない（拠点が福祉窓口のことがあるため）")
    updated_since: Moment | None = Field(None, description="この日時以降に更新された求職者")


def search(qs: SeekerQuerySet, f: SeekerFilters, user: object) -> SeekerQuerySet:
    if f.q and f.q.strip():
        qs = qs.search(f.q)
    if f.status:
        qs = qs.filter(status=f.status)
    # Choosing people by a field the integration may not see would tell it the field (policy.may_filter).
    if f.site and policy.may_filter(user, "seekers.Seeker", "site"):
        qs = qs.filter(site__code=nfkc(f.site))
    if f.updated_since:
        qs = qs.filter(updated_at__gte=f.updated_since)
    return qs


@router.get("/seekers", response=for_list(SeekerPage), url_name="seekers", summary="求職者の一覧")
@requires("seekers:read")
def seekers(request: HttpRequest, filters: Query[SeekerFilters]) -> dict[str, object]:
    user = principal(request)
    qs = Seeker.objects.visible_to(user).select_related("town", "site", "referring_agency").prefetch_related(
        "desired_occupations")
    rows, cursor = page(search(qs, filters, user), filters)
    if words(filters.q):
        scope.add_detail(q=filters.q)
    return {"items": [answers.seeker(s) for s in rows], "next_cursor": cursor}


@router.get("/seekers/{seeker_id}", response=for_detail(SeekerOut), url_name="seeker", summary="求職者")
@requires("seekers:read")
def seeker(request: HttpRequest, seeker_id: str) -> dict[str, object]:
    qs = Seeker.objects.visible_to(principal(request)).select_related("town", "site", "referring_agency")
    return answers.seeker(get_visible(qs, seeker_id=nfkc(seeker_id)))
