"""The council report (運営協議会資料) in its forms — JSON, printable HTML, PDF and Excel — for the CLI and the
views. All four come from one ``SiteProgress``; the HTML and the PDF from one template.

``progress_for`` reads what the user typed (site code, fiscal year, as-of date; 和暦 and full-width digits
accepted) and raises ``ReportError`` with a Japanese message for anything it cannot use.
"""

from __future__ import annotations

import datetime
import io
import json
from collections import defaultdict
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kakehashi.accounts.models import Site, SiteResource
from kakehashi.core.dates import month_label
from kakehashi.core.spreadsheet import safe_cell
from kakehashi.engine import kpi
from kakehashi.engine.text import nfkc
from kakehashi.referrals.models import Milestone
from kakehashi.terminal.figures import headings as terminal_headings
from kakehashi.terminal.figures import totals as terminal_totals
from kakehashi.terminal.figures import use_between
from kakehashi.terminal.models import FIGURES

from . import charts
from .models import Section
from .periods import PeriodError, as_of_for, parse_fiscal_year, period_label
from .progress import PLACEMENTS, Row, SiteProgress, site_progress

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("json", "html", "pdf", "xlsx")


class ReportError(ValueError):
    """A site, fiscal year or date the report cannot be made for; the message is Japanese."""


def find_site(code: str) -> Site:
    site = Site.objects.filter(code=nfkc(code).lower()).first()
    if site is None:
        known = "、".join(Site.objects.order_by("code").values_list("code", flat=True)) or "（なし）"
        raise ReportError(f"拠点「{code}」はありません。登録されている拠点コード：{known}")
    return site


def progress_for(site: str, fiscal_year: str, as_of: str | None,
                 today: datetime.date | None = None) -> SiteProgress:
    """The progress of ``site`` in ``fiscal_year`` as of ``as_of`` (default: today, or the year's end for a
    past year), from what a user typed."""
    found = find_site(site)
    try:
        fy = parse_fiscal_year(fiscal_year)
        day = as_of_for(fy, as_of, today or timezone.localdate())
    except PeriodError as e:
        raise ReportError(str(e)) from None
    return site_progress(found, fy, day)


def month_labels(sp: SiteProgress) -> list[str]:
    """The chart's months in the reader's language: 4月 / Apr."""
    return [month_label(m) for m in sp.months]


def indicator_charts(sp: SiteProgress) -> list[dict[str, Any]]:
    """For each counted indicator: cumulative actual against the target line and last year, and the months of
    this year beside last year's."""
    labels = month_labels(sp)
    out = []
    n = len(sp.months_elapsed)
    for row in sp.rows:
        if not row.counted:
            continue
        target_line = None
        if row.target is not None:
            target_line = [row.target * (i + 1) / 12 for i in range(12)]
        proj = row.progress.projection
        cumulative = charts.cumulative_chart(
            _("%(indicator)s（%(fy)s・累計）") % {"indicator": row.indicator.shown_label, "fy": sp.short_label},
            labels, row.cumulative()[:n], target_line,
            prior=kpi.cumulative(row.prior_monthly) if row.prior_counted else None,
            projection=(proj.point, proj.low, proj.high) if proj and proj.method != "complete" else None,
        )
        bars = charts.monthly_bars(
            _("%(indicator)s（月別・%(fy)sと%(prior)s）") % {"indicator": row.indicator.shown_label,
                                                      "fy": sp.short_label, "prior": sp.prior_short_label}, labels,
            row.monthly[:n], row.prior_monthly if row.prior_counted else [],
            this_label=sp.short_label, last_label=sp.prior_short_label,
        )
        out.append({"row": row, "cumulative": mark_safe(cumulative), "bars": mark_safe(bars)})  # noqa: S308 — markup built and escaped in charts.py
    return out


def render_json(sp: SiteProgress) -> str:
    return json.dumps(sp.as_json(), ensure_ascii=False, indent=2)


def _resources(site: Site) -> list[dict[str, Any]]:
    """Staffing and equipment by agency, as the report's 実施体制 lists them."""
    by_agency: dict[str, dict[str, list[SiteResource]]] = defaultdict(lambda: defaultdict(list))
    order: list[str] = []
    for r in SiteResource.objects.filter(site=site).select_related("agency").order_by("agency__kind", "id"):
        name = r.agency.shown_name if r.agency else ""
        if name not in by_agency:
            order.append(name)
        by_agency[name][r.category].append(r)
    return [{"agency": name, "staffing": by_agency[name].get(SiteResource.Category.STAFFING, []),
             "equipment": by_agency[name].get(SiteResource.Category.EQUIPMENT, [])} for name in order]


def terminal_use(sp: SiteProgress) -> dict[str, Any] | None:
    """The site's job-search terminals beside its equipment lines: how many, and their use figures
    (``terminal.figures``) in the as-of month and in the fiscal year to the as-of date. None where the site has
    no terminal enrolled or counted in the year."""
    year_rows = use_between(sp.site, sp.months[0], sp.as_of)
    if not year_rows:
        return None
    month = terminal_totals(use_between(sp.site, sp.as_of.replace(day=1), sp.as_of))
    year = terminal_totals(year_rows)
    return {
        "terminals": len(year_rows),
        "month_label": month_label(sp.as_of),
        "year_label": sp.short_label,
        "figures": [{"key": f, "label": label, "month": month[f], "year": year[f]}
                    for f, label in zip(FIGURES, terminal_headings(), strict=True)],
    }


def breakdowns(sp: SiteProgress) -> dict[str, Any]:
    """The placements by contributing party and the retention of the year's placements, as the progress page,
    the council report (HTML, PDF, Excel) show them. A joint placement is a row under each party and once in the
    total, so the rows may add up to more than the total; the retention rate is over the hires checked, the
    unchecked ones shown beside it."""
    unit = next((r.indicator.shown_unit for r in sp.rows if r.indicator.rule == PLACEMENTS), "")
    by_party = sp.by_party
    return {
        "unit": unit,
        "parties": [{"name": p.agency.shown_name, "code": p.agency.code, "placements": p.placements}
                    for p in (by_party.by_party if by_party else [])],
        "total": by_party.total if by_party else None,
        "unattributed": by_party.unattributed if by_party else 0,
        "retention": [{"months": m, "label": str(Milestone(m).label),
                       "rate": r.rate, "same_employer_rate": r.same_employer_rate, "due": r.due,
                       "checked": r.checked, "still_employed": r.still_employed, "same_employer": r.same_employer,
                       "unchecked": r.unchecked}
                      for m, r in sorted(sp.retention.items())],
    }


def report_context(sp: SiteProgress, charts: bool = True) -> dict[str, Any]:
    """What the report template needs: the table's headers and sections, the site's resources, the charts."""
    sections = []
    for section in Section:
        rows = [r for r in sp.rows if r.indicator.section == section and (
            r.counted or r.prior_counted or r.target is not None or r.prior_target is not None)]
        if rows:
            sections.append({"label": str(section.label), "rows": rows})
    fy = sp.fiscal_year
    return {
        "sp": sp,
        "site": sp.site,
        "sections": sections,
        "headers": {
            "target": _("%(fy)s事業目標") % {"fy": sp.short_label},
            "progress": _("取組状況（%(as_of)s）") % {"as_of": sp.as_of_label},
            "prior_target": _("（参考）%(fy)s目標") % {"fy": sp.prior_short_label},
            "prior_actual": _("（参考）%(fy)s実績") % {"fy": sp.prior_short_label},
            "prior_period": _("（%(period)s）") % {"period": period_label(fy - 1)},
        },
        "resources": _resources(sp.site),
        "terminal_use": terminal_use(sp),
        "breakdowns": breakdowns(sp),
        "charts": indicator_charts(sp) if charts else [],
        "generated": timezone.localtime(),
    }


def render_html(sp: SiteProgress, request: HttpRequest | None = None) -> str:
    """The report as one standalone printable page (the PDF is drawn from the same page)."""
    return render_to_string("plans/report_print.html", report_context(sp), request=request)


def render_pdf(sp: SiteProgress, request: HttpRequest | None = None) -> bytes:
    """A4 landscape PDF with Noto Sans CJK embedded (WeasyPrint subsets the fonts it uses). The page carries its
    own print styles; the same figures give the same page, so a report downloaded again is the kept copy
    (``governance.pdf``): it names no person."""
    from kakehashi.governance.pdf import render_pdf as draw

    return draw(render_html(sp, request), stylesheets=())


def _number_format(unit: str) -> str:
    """'#,##0"人"': the number with its unit as literal text. A double quote in the unit (an indicator set up
    as 'inch"') would end the literal early and break the format, so each one is written outside the quotes,
    escaped (``\\"``)."""
    if not unit:
        return "#,##0"
    return '#,##0"' + unit.replace('"', '"\\""') + '"'


def render_xlsx(sp: SiteProgress) -> bytes:
    """The report's table as a worksheet laid out like the paper one, numbers kept as numbers; a second sheet
    holds the months."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ctx = report_context(sp, charts=False)
    h = ctx["headers"]
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = _("事業目標と取組状況")
    # Every cell goes through ``safe_cell``: names typed by the installation (sites, indicators, units,
    # resources) are text, never formulas, whatever they start with.
    thin = Side(style="thin", color="8899A6")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="EEF2F5")
    wrap = Alignment(wrap_text=True, vertical="center")

    ws["A1"] = safe_cell(_("事業目標と取組状況　%(site)s") % {"site": sp.site.shown_name})
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = safe_cell(f"{sp.label}・{sp.as_of_label}")
    headers = [_("区分"), _("指標"), h["target"], h["progress"], _("目標比"), _("年度末見込み"),
               h["prior_target"] + h["prior_period"], h["prior_actual"] + h["prior_period"]]
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=4, column=col, value=safe_cell(text))
        cell.font = Font(bold=True)
        cell.fill = head_fill
        cell.alignment = wrap
        cell.border = box
    r = 5
    for section in ctx["sections"]:
        first = r
        row: Row
        for row in section["rows"]:
            unit = row.indicator.shown_unit
            proj = row.progress.projection
            values: list[Any] = [
                section["label"], row.indicator.shown_label, row.target, row.actual,
                row.progress.share, round(proj.point) if proj and row.counted else None,
                row.prior_target, row.prior_actual,
            ]
            for col, value in enumerate(values, start=1):
                cell = ws.cell(row=r, column=col, value=safe_cell(value))
                cell.border = box
                cell.alignment = wrap
                if col in (3, 4, 6, 7, 8):
                    cell.number_format = _number_format(unit)
                elif col == 5:
                    cell.number_format = "0.0%"
            r += 1
        if r - 1 > first:
            ws.merge_cells(start_row=first, start_column=1, end_row=r - 1, end_column=1)
    r += 1
    ws.cell(row=r, column=1, value=_("実施体制")).font = Font(bold=True)
    r += 1
    for group in ctx["resources"]:
        for res in [*group["staffing"], *group["equipment"]]:
            ws.cell(row=r, column=1, value=safe_cell(group["agency"]))
            ws.cell(row=r, column=2, value=safe_cell(res.shown_label))
            cell = ws.cell(row=r, column=3, value=safe_cell(res.count))
            cell.number_format = _number_format(res.shown_unit)
            r += 1
    if (use := ctx["terminal_use"]) is not None:
        # The terminals' use: a heading row naming the two periods, then one row per figure.
        n = use["terminals"]
        ws.cell(row=r, column=1, value=ngettext("求人検索端末 %(n)s台", "求人検索端末 %(n)s台", n) % {"n": n})
        ws.cell(row=r, column=2, value=_("利用実績"))
        ws.cell(row=r, column=3, value=safe_cell(use["month_label"]))
        ws.cell(row=r, column=4, value=_("%(fy)s累計") % {"fy": use["year_label"]})
        r += 1
        for fig in use["figures"]:
            ws.cell(row=r, column=2, value=safe_cell(fig["label"]))
            ws.cell(row=r, column=3, value=fig["month"]).number_format = "#,##0"
            ws.cell(row=r, column=4, value=fig["year"]).number_format = "#,##0"
            r += 1
    for col, width in enumerate([18, 16, 16, 22, 9, 14, 26, 26], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[4].height = 34
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4

    months = wb.create_sheet(_("月別"))
    counted = [row for row in sp.rows if row.counted or row.prior_counted]
    months.cell(row=1, column=1, value=_("月")).font = Font(bold=True)
    for j, row in enumerate(counted):
        for k, period in enumerate((sp.short_label, sp.prior_short_label)):
            heading = _("%(indicator)s（%(period)s）") % {"indicator": row.indicator.shown_label, "period": period}
            months.cell(row=1, column=2 + 2 * j + k, value=safe_cell(heading)).font = Font(bold=True)
    elapsed = len(sp.months_elapsed)
    for i, m in enumerate(sp.months):
        months.cell(row=2 + i, column=1, value=month_label(m))
        for j, row in enumerate(counted):
            if row.counted and i < elapsed:
                months.cell(row=2 + i, column=2 + 2 * j, value=row.monthly[i])
            if row.prior_counted:
                months.cell(row=2 + i, column=3 + 2 * j, value=row.prior_monthly[i])
    months.column_dimensions["A"].width = 8
    for col in range(2, 2 + 2 * len(counted)):
        months.column_dimensions[get_column_letter(col)].width = 20

    _breakdown_sheet(wb, ctx["breakdowns"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _breakdown_sheet(wb: Any, b: dict[str, Any]) -> None:
    """A third sheet: placements by contributing party (a joint one under each party, once in the total) and
    retention at each milestone. Text goes through ``safe_cell``: an agency's name is data."""
    from openpyxl.styles import Font

    ws = wb.create_sheet(_("就職の内訳と定着"))
    bold = Font(bold=True)
    fmt = _number_format(b["unit"])

    def row(r: int, values: list[Any], *, head: bool = False, formats: dict[int, str] | None = None) -> None:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=safe_cell(value))
            if head:
                cell.font = bold
            elif formats and col in formats:
                cell.number_format = formats[col]

    row(1, [_("関与した機関別の就職件数")], head=True)
    row(2, [_("機関"), _("就職件数")], head=True)
    r = 3
    for p in b["parties"]:
        row(r, [p["name"], p["placements"]], formats={2: fmt})
        r += 1
    if b["unattributed"]:
        row(r, [_("機関の記録なし"), b["unattributed"]], formats={2: fmt})
        r += 1
    row(r, [_("合計（複数の機関が関わった就職も1件）"), b["total"]], formats={2: fmt})
    r += 2
    row(r, [_("定着状況（今年度の就職）")], head=True)
    row(r + 1, [_("時期"), _("定着率"), _("確認済み"), _("就労継続"), _("同じ事業所"), _("未確認")], head=True)
    r += 2
    for t in b["retention"]:
        row(r, [t["label"], t["rate"], t["checked"], t["still_employed"], t["same_employer"], t["unchecked"]],
            formats={2: "0.0%", 3: fmt, 4: fmt, 5: fmt, 6: fmt})
        r += 1
    ws.column_dimensions["A"].width = 36
    for col in "BCDEF":
        ws.column_dimensions[col].width = 12
