"""The figures: a site's progress against its targets (the JSON of ``kakehashi report progress``) and the
targets themselves. Counts, not persons: nothing here is personal data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kakehashi.accounts.models import Site
from kakehashi.engine.text import nfkc
from kakehashi.plans.models import Target
from kakehashi.plans.periods import EARLIEST_FISCAL_YEAR, LATEST_FISCAL_YEAR, PeriodError, as_of_for
from kakehashi.plans.progress import site_progress
from kakehashi.plans.report import render_json

from .guard import requires
from .paging import PageQuery, page
from .problems import invalid, not_found
from .responses import for_detail, for_list
from .schemas import TEXT, Day, Progress, TargetPage

router = Router(tags=["実績・目標"])


class ProgressQuery(Schema):
    site: str = Field(..., pattern=TEXT, max_length=40, description="拠点コード（例：tamashima）")
    fiscal_year: int = Field(..., ge=EARLIEST_FISCAL_YEAR, le=LATEST_FISCAL_YEAR, description="年度（始まる年、例：2025）")
    as_of: Day | None = Field(None, description="基準日（省略時は今日、終わった年度は年度末）。年度の末より後は年度末に")


@router.get("/progress", response=for_detail(Progress), url_name="progress", summary="取組状況（目標と実績）")
@requires("figures:read")
def progress(request: HttpRequest, query: Query[ProgressQuery]) -> Any:
    found = Site.objects.filter(code=nfkc(query.site).lower()).first()
    if found is None:
        return not_found(request)
    try:
        day = as_of_for(query.fiscal_year, query.as_of.isoformat() if query.as_of else None,
                        timezone.localdate())
    except PeriodError as e:
        return invalid(request, [{"field": "as_of", "message": str(e)}])
    # The command's JSON as it prints it: keys it leaves out stay out.
    return HttpResponse(render_json(site_progress(found, query.fiscal_year, day)),
                        content_type="application/json; charset=utf-8")


class TargetFilters(PageQuery):
    site: str | None = Field(None, pattern=TEXT, max_length=40, description="拠点コード")
    fiscal_year: int | None = Field(None, ge=EARLIEST_FISCAL_YEAR, le=LATEST_FISCAL_YEAR, description="年度")


@router.get("/targets", response=for_list(TargetPage), url_name="targets", summary="数値目標")
@requires("targets:read")
def targets(request: HttpRequest, filters: Query[TargetFilters]) -> dict[str, object]:
    qs = Target.objects.select_related("site", "indicator")
    if filters.site:
        qs = qs.filter(site__code=nfkc(filters.site).lower())
    if filters.fiscal_year:
        qs = qs.filter(fiscal_year=filters.fiscal_year)
    rows, cursor = page(qs, filters)
    return {"items": [{"site": t.site.code, "fiscal_year": t.fiscal_year, "indicator": t.indicator.key,
                       "label": t.indicator.label, "unit": t.indicator.unit, "target": t.target} for t in rows],
            "next_cursor": cursor}
