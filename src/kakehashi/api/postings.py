"""Postings: search with the filters of the staff list and the job-information terminal, and one posting."""

from __future__ import annotations

from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router

from kakehashi.core.access import get_visible
from kakehashi.employers.models import Source
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import EmploymentType, Posting, PostingQuerySet
from kakehashi.seekers.models import WageUnit

from . import answers
from .guard import principal, requires
from .paging import PageQuery, all_words, page
from .responses import for_detail, for_list
from .schemas import TEXT, Day, Moment, PostingOut, PostingPage

router = Router(tags=["求人"])


class PostingFilters(PageQuery):
    q: str | None = Field(None, pattern=TEXT, max_length=200, description="語（全角・半角を問わず、空白で区切るとすべてを含むもの）：職種名・仕事の内容・事業所名・求人番号")
    occupation: str | None = Field(None, pattern=TEXT, max_length=6, description="職業中分類コード（例：073）")
    major: str | None = Field(None, pattern=TEXT, max_length=2, description="職業大分類コード（例：08）")
    area: str | None = Field(None, pattern=TEXT, max_length=40, description="地区（例：玉島）")
    town: str | None = Field(None, pattern=TEXT, max_length=80, description="町名（例：玉島阿賀崎）")
    employment: EmploymentType | None = Field(None, description="雇用形態")
    wage_at_least: int | None = Field(None, ge=0, le=100_000_000, description="この額以上を払いうる求人（賃金の上限、なければ下限で比べる）")
    wage_unit: WageUnit = Field(WageUnit.MONTH, description="wage_at_least の単位")
    trial_employment_ok: bool | None = Field(None, description="トライアル雇用併用の求人に限る（true）・除く（false）")
    developed: bool | None = Field(None, description="開拓求人に限る（true）・除く（false）")
    source: Source | None = Field(None, description="登録元：local（この窓口）・feed（ハローワーク求人情報）")
    open: bool = Field(True, description="今日受付中の求人に限る（既定）。false ですべて")
    received_since: Day | None = Field(None, description="この日以降に受理した求人（新着）")
    updated_since: Moment | None = Field(None, description="この日時以降に更新された求人")


def search(qs: PostingQuerySet, f: PostingFilters) -> PostingQuerySet:
    qs = all_words(qs, f.q, "title", "description", "employer__name", "posting_id")
    if f.occupation:
        qs = qs.filter(occupation_id=nfkc(f.occupation))
    if f.major:
        qs = qs.filter(occupation__major_code=nfkc(f.major))
    if f.area:
        qs = qs.filter(town__area=nfkc(f.area))
    if f.town:
        qs = qs.filter(town__name=nfkc(f.town))
    if f.employment:
        qs = qs.filter(employment=f.employment)
    if f.wage_at_least is not None:
        qs = qs.annotate(wage_top=Coalesce("wage_max", "wage_min")).filter(
            wage_unit=f.wage_unit, wage_top__gte=f.wage_at_least)
    if f.trial_employment_ok is not None:
        qs = qs.filter(trial_employment_ok=f.trial_employment_ok)
    if f.developed is not None:
        qs = qs.filter(developed=f.developed)
    if f.source:
        qs = qs.filter(source=f.source)
    if f.open:
        qs = qs.open_on(timezone.localdate())
    if f.received_since:
        qs = qs.filter(received_on__gte=f.received_since)
    if f.updated_since:
        qs = qs.filter(updated_at__gte=f.updated_since)
    return qs


@router.get("/postings", response=for_list(PostingPage), url_name="postings", summary="求人の検索")
@requires("postings:read")
def postings(request: HttpRequest, filters: Query[PostingFilters]) -> dict[str, object]:
    qs = Posting.objects.visible_to(principal(request)).select_related("employer", "occupation", "town", "site")
    rows, cursor = page(search(qs, filters), filters)
    return {"items": [answers.posting(p) for p in rows], "next_cursor": cursor}


@router.get("/postings/{posting_id}", response=for_detail(PostingOut), url_name="posting", summary="求人")
@requires("postings:read")
def posting(request: HttpRequest, posting_id: str) -> dict[str, object]:
    qs = Posting.objects.visible_to(principal(request)).select_related("employer", "occupation", "town", "site")
    return answers.posting(get_visible(qs, posting_id=nfkc(posting_id)))

