"""Counting the indicators and putting them beside their targets: the figures behind every progress page,
council report, home card and ``kakehashi report progress``.

The counting rules are those of INTERCHANGE.md:

- 紹介件数 ``referrals``: referrals by ``referred_on`` (``Referral.objects.referred_between``);
- 就職件数 ``placements``: referrals with outcome ``hired``, by ``outcome_on`` (a hire counts in the year of its
  outcome even when the referral was made the year before; one person hired twice counts twice) —
  ``Referral.objects.placements_between``, the one definition every other count of placements uses;
- 開拓求人件数 ``developed_postings``: postings with ``developed`` set, by ``received_on``
  (``Posting.objects.developed_between``);
- 開拓求人数 ``developed_openings``: the sum of ``openings`` over those postings.

A site's referrals and placements are those of the seekers registered at that site; its developed postings are
the postings whose site it is. A period is a fiscal year cut at an as-of date; the prior year is counted whole.

Counting is done by the database: one GROUP BY query per source table over both years at once, by site, month
and (for referrals) staff member, so the work stays in the indexes however many records there are. Counts are
figures, not personal records: every staff member sees them. Who may see the records behind a figure is
decided in the drill-down, through ``visible_to``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, F, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import Site, Staff
from kakehashi.core import dates
from kakehashi.core.dates import fiscal_year_label
from kakehashi.engine import kpi
from kakehashi.engine.calendar import fiscal_months, fiscal_year_bounds
from kakehashi.postings.models import Posting
from kakehashi.referrals.counting import PlacementsByParty, placements_by_party
from kakehashi.referrals.models import Referral
from kakehashi.referrals.retention import Retention, site_retention

from .models import Indicator, ManualCount, Target

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

REFERRALS = "referrals"
PLACEMENTS = "placements"
DEVELOPED_POSTINGS = "developed_postings"
DEVELOPED_OPENINGS = "developed_openings"
RULES = (REFERRALS, PLACEMENTS, DEVELOPED_POSTINGS, DEVELOPED_OPENINGS)
REFERRAL_RULES = (REFERRALS, PLACEMENTS)
# The date each counted indicator is counted by (the periods themselves are the querysets' rules:
# ``referred_between``, ``placements_between``, ``developed_between``).
COUNTED_BY = {REFERRALS: "referred_on", PLACEMENTS: "outcome_on", DEVELOPED_POSTINGS: "received_on",
              DEVELOPED_OPENINGS: "received_on"}


@dataclass(frozen=True)
class Status:
    """How the page names one status of ``kpi.progress`` and what it means, in the words of the legend.

    The rule itself is ``kpi.progress`` (compare the year-end projection and the low end of its 80 % range with
    the target, in whole numbers); ``meaning`` says that rule in plain Japanese and ``status_reason`` applies it to
    a row's own figures. The legend, the badges and the reasons all come from here."""

    label: StrOrPromise
    badge: str
    meaning: StrOrPromise


STATUSES: dict[str, Status] = {
    kpi.ACHIEVED: Status(_("達成"), "ok", _("実績が目標に達した")),
    kpi.ON_TRACK: Status(_("順調"), "ok", _("年度末見込みの範囲（80%）の下限でも目標に届く")),
    kpi.UNCERTAIN: Status(_("要注意"), "", _("年度末見込みは目標に届くが、範囲の下限は届かない")),
    kpi.AT_RISK: Status(_("未達の恐れ"), "warn", _("年度末見込みが目標に届かない")),
    kpi.MISSED: Status(_("未達"), "warn", _("年度が終わり、目標に届かなかった")),
    kpi.TOO_EARLY: Status(_("判定前"), "", _("年度の初めで、見込みをまだ出せない")),
    kpi.NO_TARGET: Status(_("目標なし"), "", _("目標が入力されていない")),
}
STATUS_LABELS = {key: s.label for key, s in STATUSES.items()}
STATUS_BADGES = {key: s.badge for key, s in STATUSES.items() if s.badge}


def status_legend() -> list[tuple[str, str, str]]:
    """(label, badge, meaning) of every status a target can have, in the order of the rule."""
    return [(str(s.label), s.badge, str(s.meaning)) for key, s in STATUSES.items() if key != kpi.NO_TARGET]


def _n(value: float, unit: str) -> str:
    return f"{kpi.whole(value):,}{unit}"


def status_reason(p: kpi.Progress, unit: str) -> str:
    """Why a row has its status, in its own figures as the page prints them (whole numbers, paces to one
    decimal): 「見込み 640件は目標 630件に届くが、範囲の下限 602件は届かない」. When the pace so far and the
    projection point different ways (the projection follows last year's months still to come), it says so."""
    proj, target = p.projection, p.target
    if target is None:
        return ""
    if p.status == kpi.ACHIEVED:
        return gettext("実績 %(actual)sで目標 %(target)sに達した") % {"actual": _n(p.actual, unit),
                                                                         "target": _n(target, unit)}
    if p.status == kpi.MISSED:
        return gettext("目標 %(target)sに %(short)s足りなかった") % {"target": _n(target, unit),
                                                                    "short": _n(target - p.actual, unit)}
    if proj is None:
        return gettext("見込みを出すための記録がまだない")
    figures = {"point": _n(proj.point, unit), "low": _n(proj.low, unit), "target": _n(target, unit),
               "short": _n(target - kpi.whole(proj.point), unit)}
    if p.status == kpi.ON_TRACK:
        reason = gettext("範囲の下限 %(low)sでも目標 %(target)sに届く") % figures
    elif p.status == kpi.UNCERTAIN:
        reason = gettext("見込み %(point)sは目標 %(target)sに届くが、範囲の下限 %(low)sは届かない") % figures
    else:
        reason = gettext("見込み %(point)sは目標 %(target)sに %(short)s足りない") % figures
    # The paces are compared as printed (one decimal), the way a reader compares the two columns.
    if p.pace_needed is not None and p.current_pace is not None and proj.method == "last_year_pattern":
        ahead = round(p.current_pace, 1) >= round(p.pace_needed, 1)
        if ahead and p.status == kpi.AT_RISK:
            reason += gettext("（これまでのペースなら届くが、昨年度は残りの月のほうが月あたり少なかった）")
        elif not ahead and p.status in (kpi.ON_TRACK, kpi.UNCERTAIN):
            reason += gettext("（これまでのペースでは足りないが、昨年度は残りの月のほうが月あたり多かった）")
    return reason


# (rule or indicator key, site id, first day of month, staff id or None) → count
Key = tuple[str, int, datetime.date, int | None]


def _month(value: datetime.date | datetime.datetime) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def count_by_month(start: datetime.date, end: datetime.date, site_ids: Sequence[int] | None = None,
                   by_staff: bool = False) -> dict[Key, int]:
    """Every counted indicator between ``start`` and ``end`` (inclusive), per site, month and — for the
    referral-based indicators when ``by_staff`` — the referring staff member. Hand-counted indicators come
    from ``ManualCount`` under their own key. Three GROUP BY queries and one for hand counts."""
    tally: dict[Key, int] = defaultdict(int)

    def referral_counts(rule: str, qs: QuerySet[Referral]) -> None:
        columns: dict[str, Any] = {"site": F("seeker__site_id"), "month": TruncMonth(COUNTED_BY[rule])}
        if by_staff:
            columns["who"] = F("staff_id")
        rows = cast(Iterable[dict[str, Any]], qs.values(**columns).annotate(n=Count("*")).order_by())
        for row in rows:
            tally[(rule, row["site"], _month(row["month"]), row.get("who"))] += row["n"]

    referral_counts(REFERRALS, Referral.objects.referred_between(start, end, site_ids=site_ids))
    referral_counts(PLACEMENTS, Referral.objects.placements_between(start, end, site_ids=site_ids))

    postings = Posting.objects.developed_between(start, end, site_ids=site_ids)
    rows = (postings.values("site_id", month=TruncMonth(COUNTED_BY[DEVELOPED_POSTINGS]))
            .annotate(n=Count("pk"), openings=Sum("openings")).order_by())
    for row in rows:
        month = _month(row["month"])
        tally[(DEVELOPED_POSTINGS, row["site_id"], month, None)] += row["n"]
        tally[(DEVELOPED_OPENINGS, row["site_id"], month, None)] += row["openings"] or 0

    manual = ManualCount.objects.filter(month__range=(start.replace(day=1), end), indicator__rule="")
    if site_ids is not None:
        manual = manual.filter(site_id__in=site_ids)
    for site_id, key, month, n in manual.values_list("site_id", "indicator__key", "month", "count"):
        tally[(key, site_id, month, None)] += n
    return dict(tally)


@dataclass
class StaffCount:
    """One staff member's share of a referral-based figure; ``staff`` None is 「担当者の記録なし」."""

    staff_id: int | None
    name: str
    count: int


@dataclass
class Row:
    """One indicator at one site: this year's figures to the as-of date, last year's whole, and the targets."""

    indicator: Indicator
    target: int | None
    prior_target: int | None
    monthly: list[int]
    prior_monthly: list[int]
    counted: bool
    prior_counted: bool
    progress: kpi.Progress
    by_staff: list[StaffCount] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.indicator.key

    @property
    def actual(self) -> int | None:
        return sum(self.monthly) if self.counted else None

    @property
    def prior_actual(self) -> int | None:
        return sum(self.prior_monthly) if self.prior_counted else None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.progress.status, self.progress.status))

    @property
    def status_badge(self) -> str:
        return STATUS_BADGES.get(self.progress.status, "")

    @property
    def status_reason(self) -> str:
        """Why the row has its status, in its own figures (``status_reason``)."""
        return status_reason(self.progress, self.indicator.shown_unit) if self.counted else ""

    @property
    def drillable(self) -> bool:
        return self.indicator.rule in RULES

    def cumulative(self) -> list[float]:
        return kpi.cumulative(self.monthly)


@dataclass
class SiteProgress:
    """The progress of every indicator at one site, for a fiscal year at an as-of date; with ``site_progress``
    also the placements by contributing party (this year to the as-of date) and the retention of this year's
    placements at each milestone."""

    site: Site
    fiscal_year: int
    as_of: datetime.date
    rows: list[Row]
    by_party: PlacementsByParty | None = None
    retention: dict[int, Retention] = field(default_factory=dict)

    @property
    def elapsed(self) -> float:
        return kpi.elapsed_months(self.fiscal_year, self.as_of)

    @property
    def months(self) -> list[datetime.date]:
        return fiscal_months(self.fiscal_year)

    @property
    def months_elapsed(self) -> list[datetime.date]:
        """The months of the year up to and including the as-of month."""
        return [m for m in self.months if m <= self.as_of]

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def short_label(self) -> str:
        return fiscal_year_label(self.fiscal_year, short=True)

    @property
    def prior_short_label(self) -> str:
        return fiscal_year_label(self.fiscal_year - 1, short=True)

    @property
    def as_of_label(self) -> str:
        return as_of_label(self.as_of, short=True)

    @property
    def at_risk(self) -> list[Row]:
        return [r for r in self.rows if r.progress.at_risk]

    def row(self, key: str) -> Row:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def as_json(self) -> dict[str, Any]:
        """The figures as INTERCHANGE.md prints them, plus labels and the progress arithmetic under their own keys."""
        out: dict[str, Any] = {
            "site": self.site.code,
            "fiscal_year": self.fiscal_year,
            "as_of": self.as_of.isoformat(),
            "indicators": {
                r.key: {"target": r.target, "actual": r.actual, "prior_target": r.prior_target,
                        "prior_actual": r.prior_actual}
                for r in self.rows
            },
            "site_name": self.site.shown_name,
            "fiscal_year_label": self.label,
            "as_of_label": as_of_label(self.as_of),
            "progress": {r.key: _progress_json(r) for r in self.rows if r.counted},
            "monthly": {
                "months": [m.strftime("%Y-%m") for m in self.months],
                **{r.key: {"actual": r.monthly if r.counted else None,
                           "prior": r.prior_monthly if r.prior_counted else None} for r in self.rows},
            },
        }
        if self.by_party is not None:
            out["placements_by_party"] = self.by_party.as_json()
        if self.retention:
            out["retention"] = {str(m): r.as_json() for m, r in sorted(self.retention.items())}
        return out


def _progress_json(row: Row) -> dict[str, Any]:
    p = row.progress
    proj = p.projection
    return {
        "share": _round(p.share, 4),
        "pace_needed_per_month": _round(p.pace_needed, 1),
        "current_pace_per_month": _round(p.current_pace, 1),
        "projection": None if proj is None else {
            "point": kpi.whole(proj.point), "low": kpi.whole(proj.low), "high": kpi.whole(proj.high),
            "method": proj.method,
        },
        "status": p.status,
        "at_risk": p.at_risk,
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def as_of_label(day: datetime.date, short: bool = False) -> str:
    """'25年10月末時点' at a month end, '25年10月15日時点' on another day; in English 'as of end of Oct 2013'
    (``core.dates``)."""
    return dates.as_of_label(day, short=short)


def build_progress(sites: Iterable[Site], fiscal_year: int, as_of: datetime.date,
                   by_staff: bool = True) -> list[SiteProgress]:
    """Progress of every indicator at each of ``sites`` for ``fiscal_year`` as of ``as_of`` (cut to the year's
    end). Prior-year figures are the whole previous fiscal year. A handful of queries whatever the number of
    sites."""
    sites = list(sites)
    _start, end = fiscal_year_bounds(fiscal_year)
    prior_start, prior_end = fiscal_year_bounds(fiscal_year - 1)
    as_of = min(as_of, end)
    site_ids = [s.pk for s in sites]
    # One pass over both years: the prior year whole, this year up to the as-of date.
    tally = count_by_month(prior_start, max(as_of, prior_end), site_ids, by_staff=by_staff)
    indicators = list(Indicator.objects.all())
    targets: dict[tuple[int, int, int], int] = {
        (site_id, fy, ind_id): value for site_id, fy, ind_id, value in
        Target.objects.filter(site_id__in=site_ids, fiscal_year__in=[fiscal_year, fiscal_year - 1])
        .values_list("site_id", "fiscal_year", "indicator_id", "target")
    }
    months = fiscal_months(fiscal_year)
    prior_months = fiscal_months(fiscal_year - 1)
    month_index = {m: i for i, m in enumerate(months)}
    prior_index = {m: i for i, m in enumerate(prior_months)}

    per_site: dict[int, dict[str, tuple[list[int], list[int]]]] = defaultdict(dict)
    staff_counts: dict[tuple[int, str], dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    manual_seen: set[tuple[int, str, bool]] = set()
    for (key, site_id, month, staff_id), n in tally.items():
        this, prior = per_site[site_id].setdefault(key, ([0] * 12, [0] * 12))
        if month in month_index:
            this[month_index[month]] += n
            if key in REFERRAL_RULES:
                staff_counts[(site_id, key)][staff_id] += n
            manual_seen.add((site_id, key, True))
        elif month in prior_index:
            prior[prior_index[month]] += n
            manual_seen.add((site_id, key, False))

    staff_ids = {sid for counts in staff_counts.values() for sid in counts if sid is not None}
    names = {s.pk: str(s) for s in Staff.objects.filter(pk__in=staff_ids)}
    elapsed = kpi.elapsed_months(fiscal_year, as_of)

    result = []
    for site in sites:
        rows = []
        for ind in indicators:
            key = ind.rule if ind.rule in RULES else ind.key
            monthly, prior_monthly = per_site[site.pk].get(key, ([0] * 12, [0] * 12))
            if ind.rule in RULES:
                counted = prior_counted = True
            else:
                counted = (site.pk, key, True) in manual_seen
                prior_counted = (site.pk, key, False) in manual_seen
            target = targets.get((site.pk, fiscal_year, ind.pk))
            row = Row(
                indicator=ind, target=target, prior_target=targets.get((site.pk, fiscal_year - 1, ind.pk)),
                monthly=monthly, prior_monthly=prior_monthly, counted=counted, prior_counted=prior_counted,
                progress=kpi.progress(monthly, prior_monthly if prior_counted else [], target, elapsed),
            )
            if key in REFERRAL_RULES and by_staff:
                counts = staff_counts.get((site.pk, key), {})
                row.by_staff = sorted(
                    (StaffCount(sid, names.get(sid, "") if sid is not None else "", n) for sid, n in counts.items()),
                    key=lambda s: (-s.count, s.name),
                )
            rows.append(row)
        result.append(SiteProgress(site=site, fiscal_year=fiscal_year, as_of=as_of, rows=rows))
    return result


def site_progress(site: Site, fiscal_year: int, as_of: datetime.date) -> SiteProgress:
    """One site's progress, with the breakdowns by staff member and by contributing party and the retention of
    the year's placements: what the CLI, the progress page and the council report show."""
    sp = build_progress([site], fiscal_year, as_of)[0]
    start, _end = fiscal_year_bounds(fiscal_year)
    sp.by_party = placements_by_party(start, sp.as_of, [site.pk])
    sp.retention = site_retention(site, fiscal_year, sp.as_of)
    return sp


def records_behind(rule: str, site: Site, start: datetime.date, end: datetime.date,
                   staff: int | None | str = "") -> QuerySet[Any]:
    """The records a figure counts — before any visibility rule — for the drill-down. ``staff`` '' means any
    staff member, None the referrals with no staff member recorded, an id that staff member's."""
    if rule in REFERRAL_RULES:
        qs: QuerySet[Any]
        if rule == REFERRALS:
            qs = Referral.objects.referred_between(start, end, site_ids=[site.pk])
        else:
            qs = Referral.objects.placements_between(start, end, site_ids=[site.pk])
        if staff is None:
            qs = qs.filter(staff__isnull=True)
        elif staff != "":
            qs = qs.filter(staff_id=staff)
        return qs
    if rule in (DEVELOPED_POSTINGS, DEVELOPED_OPENINGS):
        return Posting.objects.developed_between(start, end, site_ids=[site.pk])
    raise ValueError(rule)
