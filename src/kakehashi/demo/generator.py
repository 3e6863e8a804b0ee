"""The demo year of an installation: a believable, entirely fictional record of its desks, for trying the
software out. What is particular to the installation — its sites and their volumes, the areas people live and
work in, the demo logins, the targets, the success case — is the ``"demo"`` part of its installation file
(``spec``); this module holds how a year of work unfolds, the same for every installation.

It covers the previous fiscal year whole and the current one up to the as-of date, so every page has a prior
year to compare with. The same options always give the same records: every random choice comes from a seeded
generator. The whole of both years is simulated before the records after the as-of date are cut away, so the
seekers, postings and referral outcomes up to a given day are the same whatever later as-of date is chosen;
the success case and the casework details (see ``casework``) are placed relative to the as-of date.

Kurashiki's volumes follow the seed's Tamashima figures (about 730 developed postings with 1,300 openings, 3,400
referrals and 630 placements a year); ``scale`` multiplies every count. The occupation mix is Okayama's (see
``mix``). Where the file describes one, a seeker's story — the seed's success case — is written in full under
the id ``DEMO-SUCCESS``.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jpholiday
from django.contrib.auth.hashers import make_password
from django.db import models, transaction

from kakehashi.accounts.installation import DEFAULT_FILE
from kakehashi.accounts.models import Agency, AgencyKind, Role, Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.employers.models import Employer, EmployerVisit, VisitMethod, VisitParty
from kakehashi.engine.calendar import fiscal_year_bounds, month_end
from kakehashi.governance.demo import build_demo as build_governance_demo
from kakehashi.home.installation import LOAD_ERRORS
from kakehashi.home.installation import load as load_installation
from kakehashi.plans.models import Indicator, ManualCount, Target
from kakehashi.postings.models import EmploymentType, Posting
from kakehashi.reference.loaders import postal_codes_of
from kakehashi.reference.models import Industry, Town
from kakehashi.reference.places import TownIndex
from kakehashi.referrals.models import (
    Contribution,
    FollowUp,
    Outcome,
    Reason,
    Referral,
    ReferralEvent,
    TrialEmployment,
    TrialOutcome,
    planned_trial_end,
)
from kakehashi.seekers.models import (
    Consent,
    ConsentPurpose,
    Consultation,
    ConsultationKind,
    DesiredOccupation,
    EmploymentWish,
    Experience,
    ReferredBy,
    Seeker,
    SeekerStatus,
    WageUnit,
)
from kakehashi.welfare.models import BenefitChange, SupportPlan, SupportRequest, SupportVisit

from . import fiction
from .casework import Casework, Lifecycle, Told, VisitNote, open_day
from .mix import Mix, industries_for, okayama_mix
from .spec import DemoError, DemoSpec, DemoUser, StorySpec, Volume, read_spec

PREFIX = "DEMO-"
SUCCESS_SEEKER_ID = "DEMO-SUCCESS"
# The demo is local fiction: one well-known password, printed by `kakehashi demo-logins`.
DEMO_PASSWORD = "demo-pass-2026"  # noqa: S105  (the demo's published password: README and demo-logins print it)
PURPOSE = "デモデータ"
INSTALLATION = DEFAULT_FILE

# Seasonal weights of the months April → March: the spring rush, the August and December lulls.
SEASON = [1.15, 1.0, 1.05, 1.0, 0.85, 0.95, 1.05, 0.95, 0.8, 1.05, 1.05, 1.1]
# Openings per developed posting: mostly one or two, a few factories hiring a shift at once.
OPENINGS_DEVELOPED = [(1, 0.57), (2, 0.25), (3, 0.09), (4, 0.05), (5, 0.025), (10, 0.015)]
OPENINGS_REGULAR = [(1, 0.65), (2, 0.22), (3, 0.08), (5, 0.05)]
# Referral outcomes other than a hire, and how many days each takes.
OTHER_OUTCOMES = [(Outcome.REJECTED, 0.55, (7, 28)), (Outcome.DECLINED, 0.3, (2, 14)),
                  (Outcome.WITHDRAWN, 0.15, (1, 10))]
HIRE_LAG = (7, 35)

LICENCE = "普通自動車免許"
QUALIFICATIONS: dict[str, list[str]] = {
    "023": ["看護師", "准看護師"], "029": ["保育士"], "050": ["介護職員初任者研修", "介護福祉士"],
    "051": ["介護職員初任者研修"], "038": ["日商簿記検定3級", "日商簿記検定2級"], "034": ["MOS（Excel）"],
    "055": ["調理師"], "083": ["中型自動車免許", "大型自動車免許"], "084": ["大型自動車第二種免許"],
    "085": ["普通自動車第二種免許"], "089": ["危険物取扱者（乙種第4類）"], "095": ["フォークリフト運転技能者"],
    "094": ["第二種電気工事士"], "075": ["二級自動車整備士"],
}
# Full-time monthly wage ranges by MHLW major group.
MONTHLY_WAGE: dict[str, tuple[int, int]] = {
    "02": (220_000, 320_000), "03": (200_000, 300_000), "04": (220_000, 300_000), "05": (180_000, 240_000),
    "06": (160_000, 210_000), "07": (170_000, 230_000), "08": (180_000, 240_000), "09": (170_000, 220_000),
    "10": (170_000, 220_000), "11": (160_000, 210_000), "12": (180_000, 250_000), "13": (200_000, 300_000),
    "14": (210_000, 320_000), "15": (160_000, 200_000),
}


@dataclass(frozen=True)
class Plan:
    """What to generate: the current fiscal year up to ``as_of`` and the whole year before it."""

    fiscal_year: int
    as_of: datetime.date
    scale: float = 1.0
    seed: int = 2026

    def __post_init__(self) -> None:
        start, end = fiscal_year_bounds(self.fiscal_year)
        if not start <= self.as_of <= end:
            raise DemoError(f"基準日 {self.as_of:%Y-%m-%d} は{self.fiscal_year}年度（{start:%Y-%m-%d}〜"
                            f"{end:%Y-%m-%d}）の中にありません")
        if not 0 < self.scale <= 10:
            raise DemoError(f"倍率 {self.scale} は 0 より大きく 10 以下にしてください")


@dataclass
class Spot:
    """A real address in the installation's municipality: postal code, town and the town's area."""

    postal_code: str
    town: Town

    @property
    def area(self) -> str:
        return self.town.area


@dataclass(eq=False)
class SeekerSim:
    model: Seeker
    site: str
    desired: list[str]
    referable: bool
    welfare: bool
    gap: int | None
    search_end: datetime.date
    area: str
    hired_on: datetime.date | None = None


@dataclass(eq=False)
class EmployerSim:
    model: Employer
    area: str
    division: str
    occupations: list[str]


@dataclass(eq=False)
class RefSim:
    seeker: SeekerSim
    posting: Posting
    on: datetime.date
    individual: bool = False


@dataclass
class Need:
    """A hiring need the Center found on a visit, waiting for Hello Work to develop it into a posting."""

    on: datetime.date
    employer: EmployerSim
    occupation: str
    openings: int


@dataclass
class Records:
    """Everything generated, before the cut at the as-of date."""

    employers: list[Employer] = field(default_factory=list)
    seekers: list[Seeker] = field(default_factory=list)
    desired: list[DesiredOccupation] = field(default_factory=list)
    experiences: list[Experience] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    visits: list[EmployerVisit] = field(default_factory=list)
    visit_occupations: list[tuple[EmployerVisit, str]] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


def plan_for(fiscal_year: int | None, as_of: datetime.date | None, today: datetime.date, scale: float = 1.0,
             seed: int = 2026) -> Plan:
    """The plan from the command's options: by default the fiscal year containing today, up to today; a past
    year runs to its end."""
    if fiscal_year is None:
        day = as_of or today
        fiscal_year = day.year if day.month >= 4 else day.year - 1
    start, end = fiscal_year_bounds(fiscal_year)
    if as_of is None:
        if today < start:
            raise DemoError(f"{fiscal_year}年度はまだ始まっていません。基準日（--as-of）を指定してください")
        as_of = min(today, end)
    return Plan(fiscal_year=fiscal_year, as_of=as_of, scale=scale, seed=seed)


def has_records() -> bool:
    """Whether the database already holds seekers, employers or postings (demo or real)."""
    return Seeker.objects.exists() or Employer.objects.exists() or Posting.objects.exists()


def has_demo_data() -> bool:
    return Seeker.objects.filter(seeker_id__startswith=PREFIX).exists()


@transaction.atomic
def remove_demo_data() -> dict[str, int]:
    """Delete every demo record (ids starting ``DEMO-``); the demo logins and real records stay."""
    removed: dict[str, int] = {}
    steps: list[tuple[type[models.Model], str]] = [
        (SupportRequest, "seeker__seeker_id"), (Referral, "referral_id"), (EmployerVisit, "visit_id"), (Posting, "posting_id"),
        (Seeker, "seeker_id"), (Employer, "employer_id"),
    ]
    for model, id_field in steps:
        qs = model._default_manager.filter(**{f"{id_field}__startswith": PREFIX})
        n = qs.count()
        qs.delete()
        removed[model._meta.label] = n
        if n:
            record(None, Action.DELETE, model, purpose=PURPOSE, detail={"count": n})
    return removed


def demo_users(installation: Path = INSTALLATION) -> list[DemoUser]:
    """The installation's demo logins (one per role and agency), as its file lists them."""
    return read_spec(installation).users


def ensure_demo_staff(spec: DemoSpec) -> dict[str, Staff]:
    """The demo logins, one per role and agency; existing accounts of the same name are left as they are."""
    agencies = {a.code: a for a in Agency.objects.all()}
    sites = {s.code: s for s in Site.objects.all()}
    for u in spec.users:
        if (u.agency and u.agency not in agencies) or (u.site and u.site not in sites):
            raise DemoError(f"デモのログイン {u.username} の機関「{u.agency}」または拠点「{u.site}」が設置ファイルにありません")
    password = make_password(DEMO_PASSWORD)  # hashed once: a dozen slow hashes would dominate a small demo
    users: dict[str, Staff] = {}
    created = []
    for u in spec.users:
        user = Staff.objects.filter(username=u.username).first()
        if user is None:
            user = Staff(username=u.username, display_name=u.name, role=u.role, agency=agencies.get(u.agency or ""),
                         site=sites.get(u.site or ""), password=password)
            user.save()
            created.append(user)
        users[u.username] = user
    if created:
        record(None, Action.CREATE, Staff, created, purpose=PURPOSE, detail={"count": len(created)})
    return users


def demo_logins(installation: Path = INSTALLATION) -> list[Staff]:
    """The demo logins of the installation that exist, in the order its file lists them."""
    names = [u.username for u in demo_users(installation)]
    found = {s.username: s for s in Staff.objects.filter(username__in=names).select_related("agency", "site")}
    return [found[name] for name in names if name in found]


@dataclass(frozen=True)
class Desk:
    """Who works a site's desk in the demo (usernames of demo logins): Hello Work's navigator and, where the site
    has one, its job counselor; the city's counselor; the caseworker of the welfare office that refers to it."""

    navigator: str
    counselor: str | None
    city_counselor: str
    caseworker: str | None
    hello_work: str  # the agency codes of the navigator and the city's counselor
    city: str


def desks(spec: DemoSpec) -> dict[str, Desk]:
    """Each site's desk, from the demo logins: a role at the site itself first, else anyone of that agency kind
    in that role — except the job counselor, whom a desk has only when one works at its site."""
    kinds = dict(Agency.objects.values_list("code", "kind"))

    def find(role: str, kind: str, site: str | None, agency: str | None = None,
             elsewhere: bool = True) -> DemoUser | None:
        candidates = [u for u in spec.users if u.role == role and kinds.get(u.agency or "") == kind
                      and (agency is None or u.agency == agency)]
        here = [u for u in candidates if u.site == site]
        found = here or (candidates if elsewhere else [])
        return found[0] if found else None

    out = {}
    for code, site in spec.sites.items():
        navigator = find(Role.NAVIGATOR, AgencyKind.HELLO_WORK, code)
        city = find(Role.LIFE_COUNSELOR, AgencyKind.CITY, code)
        if navigator is None or city is None:
            raise DemoError("デモのログインに、ハローワークの就職支援ナビゲーターと市の住居・生活支援相談員が1人ずつ必要です")
        caseworker = (find(Role.CASEWORKER, AgencyKind.WELFARE_OFFICE, None, site.welfare_office)
                      if site.welfare_office else None)
        if site.welfare_office and caseworker is None:
            raise DemoError(f"デモのログインに、{site.welfare_office} のケースワーカーが必要です")
        counselor = find(Role.JOB_COUNSELOR, AgencyKind.HELLO_WORK, code, elsewhere=False)
        out[code] = Desk(navigator=navigator.username, counselor=counselor.username if counselor else None,
                         city_counselor=city.username, caseworker=caseworker.username if caseworker else None,
                         hello_work=navigator.agency or "", city=city.agency or "")
    return out


def story_logins(installation: Path = INSTALLATION) -> list[str]:
    """The logins to follow the success case with: the desk's navigator, the city's counselor, the caseworker."""
    spec = read_spec(installation)
    if spec.story is None:
        return []
    desk = desks(spec)[spec.story.site]
    return [name for name in (desk.navigator, desk.city_counselor, desk.caseworker) if name]


def _spread(total: int, weights: list[float]) -> list[int]:
    """``total`` split over ``weights`` by cumulative rounding, so the parts always add up to ``total``."""
    whole = sum(weights)
    out, done, acc = [], 0, 0.0
    for w in weights:
        acc += total * w / whole
        n = round(acc) - done
        out.append(n)
        done += n
    return out


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    out, m = [], first.replace(day=1)
    while m <= last:
        out.append(m)
        m = (m + datetime.timedelta(days=32)).replace(day=1)
    return out


class Builder:
    """Simulates both fiscal years month by month and collects the records."""

    def __init__(self, plan: Plan, users: dict[str, Staff], spec: DemoSpec) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.users = users
        self.spec = spec
        self.volumes = {code: (s.prior, s.current) for code, s in spec.sites.items()}
        self.desks = desks(spec)
        self.center_sites = [code for code, s in spec.sites.items() if s.prior.center_visits or s.current.center_visits]
        promoters = [u.username for u in spec.users if u.role == Role.DISTRICT_PROMOTER]
        self.center_promoter = promoters[0] if promoters else None
        if self.center_sites and self.center_promoter is None:
            raise DemoError("センターの事業所訪問があるのに、デモのログインに地区担当推進員がいません")
        self.mix: Mix = okayama_mix()
        self.sites = {s.code: s for s in Site.objects.filter(code__in=list(self.volumes))}
        missing = set(self.volumes) - set(self.sites)
        if missing:
            raise DemoError(f"拠点 {'、'.join(sorted(missing))} がありません。先に設置ファイルを読み込んでください")
        self.agencies = {a.code: a for a in Agency.objects.all()}
        self.industries = {i.code: i for i in Industry.objects.filter(level__lte=3)}
        self.spots = self._spots()
        self.out = Records()
        self.counters: dict[str, int] = defaultdict(int)
        self.prior_start, _ = fiscal_year_bounds(plan.fiscal_year - 1)
        _, self.end = fiscal_year_bounds(plan.fiscal_year)
        # Seekers register from six months before the prior year, postings run from four, referrals from two,
        # so the prior year starts with a caseload already under way.
        self.months = _months(self._shift(self.prior_start, -6), self.end)
        self._business_days = self._calendar()
        self.employers: list[EmployerSim] = []
        self.employer_names: set[str] = set()
        self.employers_in: dict[str, list[EmployerSim]] = defaultdict(list)
        self.by_occupation: dict[str, list[EmployerSim]] = defaultdict(list)
        self.by_area_occupation: dict[tuple[str, str], list[EmployerSim]] = defaultdict(list)
        self.seekers: dict[str, list[SeekerSim]] = defaultdict(list)
        self.open_postings: dict[tuple[str, datetime.date], list[Posting]] = defaultdict(list)
        self.open_by_occupation: dict[tuple[str, datetime.date, str], list[Posting]] = defaultdict(list)
        self.filled: dict[int, int] = defaultdict(int)
        self.needs: list[Need] = []
        self.queued: dict[tuple[str, datetime.date], list[RefSim]] = defaultdict(list)
        self.openings_pools: dict[tuple[str, int], list[int]] = {}

    # --- calendar and places ---------------------------------------------------------------------------
    @staticmethod
    def _shift(day: datetime.date, months: int) -> datetime.date:
        index = day.year * 12 + day.month - 1 + months
        return datetime.date(index // 12, index % 12 + 1, 1)

    def _calendar(self) -> dict[datetime.date, list[datetime.date]]:
        """The business days of each month: weekdays that are not public holidays or the New Year break."""
        days: dict[datetime.date, list[datetime.date]] = {}
        for m in self.months:
            d, last, out = m, month_end(m), []
            while d <= last:
                new_year = (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)
                if d.weekday() < 5 and not new_year and not jpholiday.is_holiday(d):
                    out.append(d)
                d += datetime.timedelta(days=1)
            days[m] = out
        return days

    def business_day(self, month: datetime.date) -> datetime.date:
        return self.rng.choice(self._business_days[month])

    def roll(self, day: datetime.date) -> datetime.date:
        """The first business day on or after ``day``."""
        while day.weekday() >= 5 or jpholiday.is_holiday(day) or (day.month == 12 and day.day >= 29) or (
                day.month == 1 and day.day <= 3):
            day += datetime.timedelta(days=1)
        return day

    def later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return self.roll(day + datetime.timedelta(days=self.rng.randint(low, high)))

    def _spots(self) -> dict[str, list[Spot]]:
        """Every postal code of the municipality that names a known town, grouped by the town's area."""
        city = self.spec.municipality
        index = TownIndex(Town.objects.filter(municipality=city))
        spots: dict[str, list[Spot]] = defaultdict(list)
        for code, _name in postal_codes_of(city):
            place = index.locate(code)
            if place is not None and place.town is not None and place.town.municipality == city:
                spots[place.town.area].append(Spot(code, place.town))
        if not spots:
            raise DemoError(f"{city}の町名データがありません。参照データの読み込み（migrate）を確認してください")
        return spots

    def spot(self, area: str) -> Spot:
        found = self.spots.get(area) or self.spots.get(self.spec.default_area) or next(iter(self.spots.values()))
        return self.rng.choice(found)

    def coordinates(self, spot: Spot) -> tuple[float, float]:
        """The town's coordinates moved by up to ~300 m, so a town's addresses do not sit on one map pin."""
        jitter = [max(-0.003, min(0.003, self.rng.gauss(0, 0.0012))) for _ in range(2)]
        return round(spot.town.lat + jitter[0], 6), round(spot.town.lng + jitter[1], 6)

    def next_id(self, kind: str, width: int) -> str:
        self.counters[kind] += 1
        return f"{PREFIX}{kind}-{self.counters[kind]:0{width}d}"

    def count(self, n: float) -> int:
        return max(0, round(n * self.plan.scale))

    def volume(self, site: str, month: datetime.date) -> Volume:
        prior, current = self.volumes[site]
        return current if month >= fiscal_year_bounds(self.plan.fiscal_year)[0] else prior

    def monthly(self, site: str, attribute: str) -> dict[datetime.date, int]:
        """A yearly volume spread over the months of each fiscal year; the months before the prior year run at
        the prior year's pace."""
        out: dict[datetime.date, int] = {}
        for fy, volume in zip((self.plan.fiscal_year - 1, self.plan.fiscal_year), self.volumes[site], strict=True):
            start, _ = fiscal_year_bounds(fy)
            parts = _spread(self.count(getattr(volume, attribute)), SEASON)
            for i, n in enumerate(parts):
                out[self._shift(start, i)] = n
                if fy == self.plan.fiscal_year - 1:
                    out[self._shift(start, i - 12)] = n
        return out

    # --- the simulation --------------------------------------------------------------------------------
    def run(self) -> Records:
        self.make_employers()
        for site in self.volumes:
            self.make_seekers(site)
        first_postings = self._shift(self.prior_start, -4)
        first_referrals = self._shift(self.prior_start, -2)
        monthly = {site: {a: self.monthly(site, a) for a in ("developed_postings", "regular_postings",
                                                              "referrals", "placements", "center_visits")}
                   for site in self.volumes}
        for site in self.volumes:
            self._openings_pools(site, monthly[site]["developed_postings"])
        for month in self.months:
            if month < first_postings:
                continue
            for site in self.center_sites:
                self.center_visits(month, monthly[site]["center_visits"][month])
            for site in self.volumes:
                self.postings(site, month, monthly[site]["developed_postings"][month],
                              monthly[site]["regular_postings"][month])
            if month < first_referrals:
                continue
            for site in self.volumes:
                self.referrals(site, month, monthly[site]["referrals"][month], monthly[site]["placements"][month])
        for site in self.volumes:
            for s in self.seekers[site]:
                self.consultations(s)
        return self.out

    def make_employers(self) -> None:
        openings = self.mix.openings
        divisions_to_occupations: dict[str, dict[str, float]] = defaultdict(dict)
        for occ, weight in openings.items():
            for division in industries_for(occ, self.mix.majors[occ], {}):
                divisions_to_occupations[division][occ] = weight
        for _ in range(max(20, self.count(self.spec.employers))):
            area = _pick(self.rng, self.spec.employer_areas)
            occ = _pick(self.rng, openings)
            division = _pick(self.rng, industries_for(occ, self.mix.majors[occ], self.spec.industry_tilt.get(area, {})))
            occupations = [occ]
            if self.rng.random() < 0.35:
                other = _pick(self.rng, divisions_to_occupations[division])
                if other != occ:
                    occupations.append(other)
            self.add_employer(area, division, occupations)

    def add_employer(self, area: str, division: str, occupations: list[str], *, spot: Spot | None = None,
                     name: tuple[str, str] | None = None, employees: int | None = None,
                     employer_id: str | None = None, center_member: bool | None = None) -> EmployerSim:
        rng = self.rng
        spot = spot or self.spot(area)
        lat, lng = self.coordinates(spot)
        if name is None:
            name = fiction.employer_name(rng, division, self.spec.places(area), branded=rng.random() < 0.25)
            for _ in range(20):
                if name[0] not in self.employer_names:
                    break
                # Another firm of the trade has the plain name: brand this one.
                name = fiction.employer_name(rng, division, self.spec.places(area), branded=True)
        if employees is None:
            base = 60 if division in ("83", "85", "16", "17", "22", "31") else 18
            employees = int(min(900, max(1, rng.lognormvariate(math.log(base), 1.0))))
        if center_member is None:
            center_member = employees < 300 and rng.random() < 0.35
        serial = employer_id or self.next_id("E", 5)
        model = Employer(
            employer_id=serial, name=name[0], name_kana=name[1], industry=self.industries[division],
            postal_code=spot.postal_code, town=spot.town, lat=lat, lng=lng, employees=employees,
            center_member=center_member, phone=f"086-000-{len(self.employers) + 1:04d}",
        )
        sim = EmployerSim(model, spot.area, division[:2], occupations)
        self.out.employers.append(model)
        self.employers.append(sim)
        self.employer_names.add(model.name)
        self.employers_in[spot.area].append(sim)
        for occ in occupations:
            self.by_occupation[occ].append(sim)
            self.by_area_occupation[(spot.area, occ)].append(sim)
        return sim

    def employer_for(self, occupation: str, areas: dict[str, float]) -> EmployerSim | None:
        area = _pick(self.rng, areas)
        candidates = self.by_area_occupation.get((area, occupation)) or self.by_occupation.get(occupation)
        return self.rng.choice(candidates) if candidates else None

    def make_seekers(self, site: str) -> None:
        per_month = self.monthly(site, "seekers")
        for month in self.months:
            for _ in range(per_month.get(month, 0)):
                self.add_seeker(site, month)

    def desired_occupations(self, welfare: bool) -> list[str]:
        rng, weights = self.rng, dict(self.mix.seekers)
        if welfare:
            # Welfare recipients returning to work look mostly for entry-level work close to home.
            for occ in ("096", "097", "098", "055", "050", "099"):
                weights[occ] = weights.get(occ, 0) * 2
        first = _pick(rng, weights)
        chosen = [first]
        if rng.random() < 0.55:
            major = self.mix.majors[first]
            same = {c: w for c, w in weights.items() if self.mix.majors[c] == major and c not in chosen}
            if same:
                chosen.append(_pick(rng, same))
        if rng.random() < 0.25:
            other = _pick(rng, weights)
            if other not in chosen:
                chosen.append(other)
        return chosen

    def add_seeker(self, site: str, month: datetime.date) -> None:
        rng, volume = self.rng, self.volumes[site][0]
        registered = self.business_day(month)
        roll = rng.random()
        welfare = roll < volume.welfare_share
        by_city = welfare or roll < volume.welfare_share + volume.city_share
        female = rng.random() < (0.55 if welfare else 0.5)
        if welfare:
            age = rng.choice([rng.randint(30, 44), rng.randint(45, 64), rng.randint(45, 64)])
        elif volume.ages is not None:
            age = rng.randint(*volume.ages)
        else:
            age = rng.choices([rng.randint(18, 29), rng.randint(30, 39), rng.randint(40, 49), rng.randint(50, 59),
                               rng.randint(60, 69)], weights=[20, 18, 22, 22, 18])[0]
        desired = self.desired_occupations(welfare)
        part_share = self.mix.part_time_seekers.get(desired[0], 0.3)
        wish = (EmploymentWish.ANY if rng.random() < 0.15 else
                EmploymentWish.PART_TIME if rng.random() < part_share else EmploymentWish.FULL_TIME)
        if wish == EmploymentWish.PART_TIME:
            min_wage, unit = rng.randrange(1000, 1160, 10), WageUnit.HOUR
            hours = rng.choice(fiction.WISH_HOURS_PART)
        else:
            min_wage, unit = rng.randrange(150_000, 240_000, 5_000), WageUnit.MONTH
            hours = rng.choice(fiction.WISH_HOURS_FULL)
        has_car = rng.random() < (0.4 if welfare else 0.8)
        qualifications = [LICENCE] if has_car else []
        for occ in desired[:1]:
            if occ in QUALIFICATIONS and rng.random() < 0.5:
                qualifications.append(rng.choice(QUALIFICATIONS[occ]))
        if welfare:
            gap: int | None = rng.choices(range(1, 11), weights=[8, 8, 7, 6, 5, 4, 3, 3, 2, 2])[0]
        else:
            gap = rng.randint(1, 5) if rng.random() < 0.2 else None
        barriers, kinds = "", list(volume.barriers or fiction.BARRIERS)
        if welfare:
            barriers = "、".join(rng.sample(kinds, rng.randint(1, 3)))
        elif by_city and rng.random() < 0.4:
            barriers = rng.choice(kinds)
        area = _pick(rng, volume.home_areas)
        spot = self.spot(area)
        lat, lng = self.coordinates(spot)
        name, kana = fiction.person_name(rng, female)
        experience_occ = desired[0] if rng.random() < 0.6 else _pick(rng, self.mix.seekers)
        previous = self.mix.names[experience_occ].replace("の職業", "")
        note = rng.choice(fiction.NOTES).format(prev=previous, wish=rng.choice(fiction.WISHES))
        if welfare:
            referred_by, referring = ReferredBy.WELFARE_OFFICE, self.agencies[self.spec.sites[site].welfare_office or ""]
        elif by_city:
            referred_by, referring = (ReferredBy.CITY if rng.random() < 0.6 else ReferredBy.SELF), None
        else:
            referred_by, referring = (ReferredBy.SELF if rng.random() < 0.85 else ReferredBy.HELLO_WORK), None
        seeker = Seeker(
            seeker_id=self.next_id("S", 6), site=self.sites[site], registered_on=registered,
            registered_by="city" if by_city else "hello_work", name=name, name_kana=kana,
            birth_year=registered.year - age, postal_code=spot.postal_code, town=spot.town, lat=lat, lng=lng,
            desired_employment=wish, min_wage=min_wage, wage_unit=unit,
            max_commute_km=rng.choice([3, 5, 5, 8]) if not has_car else rng.choice([5, 10, 10, 15, 20, 25]),
            desired_hours=hours, qualifications=qualifications, gap_years=gap, welfare_recipient=welfare,
            barriers=barriers, referred_by=referred_by, referring_agency=referring, note=note,
        )
        self.out.seekers.append(seeker)
        for rank, occ in enumerate(desired, start=1):
            self.out.desired.append(DesiredOccupation(seeker=seeker, occupation_id=occ, rank=rank))
        if rng.random() < 0.75:
            years = round(rng.uniform(0.5, max(1.0, min(age - 18, 25))), 1)
            self.out.experiences.append(Experience(seeker=seeker, occupation_id=experience_occ, years=years))
            if rng.random() < 0.3:
                second = _pick(rng, self.mix.seekers)
                if second != experience_occ:
                    self.out.experiences.append(Experience(seeker=seeker, occupation_id=second,
                                                           years=round(rng.uniform(0.5, 5), 1)))
        referable = not by_city
        # Most people registered by the city agree that Hello Work may see their record; a few later withdraw.
        if by_city and rng.random() < (0.95 if welfare else 0.85):
            withdrawn = self.later(registered, 30, 200) if rng.random() < 0.03 else None
            self.out.consents.append(Consent(seeker=seeker, party="hello_work", given_on=registered,
                                             withdrawn_on=withdrawn))
            referable = withdrawn is None
        elif not by_city and rng.random() < 0.25:
            self.out.consents.append(Consent(seeker=seeker, party="city", given_on=registered))
        if (welfare or gap) and rng.random() < 0.15:
            self.out.consents.append(Consent(seeker=seeker, party="hello_work", given_on=registered,
                                             purpose=ConsentPurpose.DEVELOPMENT_PROFILE))
        if rng.random() < 0.04:
            self.out.consents.append(Consent(seeker=seeker, party="center", given_on=registered))
        days = 30 + int(rng.expovariate(1 / (240 if welfare else 150)))
        self.seekers[site].append(SeekerSim(
            model=seeker, site=site, desired=desired, referable=referable, welfare=welfare, gap=gap,
            search_end=registered + datetime.timedelta(days=days), area=spot.area,
        ))

    def pool(self, site: str, month: datetime.date) -> list[SeekerSim]:
        """The seekers Hello Work can refer in ``month``: registered, still searching, not yet hired."""
        last = month_end(month)
        return [s for s in self.seekers[site] if s.referable and s.hired_on is None
                and s.model.registered_on < last and s.search_end > month]

    def _openings_pools(self, site: str, developed: dict[datetime.date, int]) -> None:
        """Openings for each year's developed postings, adding up to that year's developed openings."""
        for index, fy in enumerate((self.plan.fiscal_year - 1, self.plan.fiscal_year)):
            start, _ = fiscal_year_bounds(fy)
            n = sum(developed.get(self._shift(start, i), 0) for i in range(12))
            total = self.count(self.volumes[site][index].developed_openings)
            self.openings_pools[(site, fy)] = self._openings(n, total)

    def _openings(self, n: int, total: int) -> list[int]:
        rng = self.rng
        values = [v for v, _w in OPENINGS_DEVELOPED]
        weights = [w for _v, w in OPENINGS_DEVELOPED]
        pool = rng.choices(values, weights=weights, k=n)
        total, now = max(total, n), sum(pool)
        # Nudge random postings up or down one opening at a time until the year adds up.
        while n and now != total:
            i = rng.randrange(n)
            if now > total and pool[i] > 1:
                pool[i] -= 1
                now -= 1
            elif now < total:
                pool[i] += 1
                now += 1
        return pool

    def developed_openings(self, site: str, month: datetime.date, smallest: bool = False) -> int:
        """The next developed posting's openings from its year's pool; a post opened for one person takes the
        smallest, so the year's total stays as planned."""
        fy = month.year if month.month >= 4 else month.year - 1
        pool = self.openings_pools.get((site, fy))
        if pool:
            if smallest:
                value = min(pool)
                pool.remove(value)
                return value
            return pool.pop()
        return self.rng.choices([v for v, _w in OPENINGS_DEVELOPED], weights=[w for _v, w in OPENINGS_DEVELOPED])[0]

    def center_visits(self, month: datetime.date, n: int) -> None:
        """The Center's employer visits: its district promoter calls on members and records hiring needs."""
        rng = self.rng
        for _ in range(n):
            area = _pick(rng, self.spec.center_areas or self.spec.employer_areas)
            local = self.employers_in.get(area, [])
            members = [e for e in local if e.model.center_member]
            candidates = members if members and rng.random() < 0.7 else local or self.employers
            employer = rng.choice(candidates)
            on = self.business_day(month)
            visit = self.visit(employer, on, VisitParty.CENTER, self.center_promoter or "", VisitMethod.VISIT,
                               rng.choice(fiction.CENTER_VISIT_NOTES))
            if rng.random() < 0.55:
                occ = rng.choice(employer.occupations)
                openings = rng.choice([1, 1, 2, 2, 3])
                visit.hiring_need_openings = openings
                visit.hiring_timing = rng.choice(fiction.HIRING_TIMINGS[:-1])
                visit.open_to_trial = rng.choice([True, False, None])
                visit.open_to_long_gap = rng.choice([True, False, None])
                visit.open_to_older = rng.choice([True, True, False, None])
                self.out.visit_occupations.append((visit, occ))
                self.needs.append(Need(on, employer, occ, openings))

    def visit(self, employer: EmployerSim, on: datetime.date, by: str, staff: str, method: str,
              note: str) -> EmployerVisit:
        visit = EmployerVisit(visit_id=self.next_id("V", 6), employer=employer.model, visited_on=on, by=by,
                              staff=self.users[staff], method=method, note=note)
        self.out.visits.append(visit)
        return visit

    def take_need(self, on: datetime.date) -> Need | None:
        """The oldest hiring need the Center found in the last three months, if any is waiting."""
        while self.needs and (on - self.needs[0].on).days > 90:
            self.needs.pop(0)
        if self.needs and self.needs[0].on < on:
            return self.needs.pop(0)
        return None

    def postings(self, site: str, month: datetime.date, developed: int, regular: int) -> None:
        rng = self.rng
        volume = self.volume(site, month)
        desk = self.desks[site]
        # A desk with one Hello Work member (a navigator) has them do everything; otherwise the work is shared.
        hw_staff = desk.navigator if desk.counselor is None else None
        pool = [s for s in self.pool(site, month) if s.welfare or s.gap]
        for _ in range(developed):
            on = self.business_day(month)
            need = self.take_need(on) if site in self.center_sites and rng.random() < 0.3 else None
            target: SeekerSim | None = None
            employer: EmployerSim | None = None
            occ = ""
            if need is not None:
                employer, occ = need.employer, need.occupation
            elif pool and rng.random() < volume.individual_development:
                # Individual job development: a navigator asks an employer near the seeker's home to open a post.
                target = rng.choice(pool)
                occ = target.desired[0]
                employer = self.employer_for(occ, {target.area: 1.0})
                if employer is None or target.model.registered_on >= on:
                    target, employer = None, None
                else:
                    pool.remove(target)
            if employer is None:
                employer, occ = self.employer_and_occupation(volume.employer_areas)
            openings = self.developed_openings(site, month, smallest=target is not None)
            trial = rng.random() < (0.7 if target else 0.15)
            posting = self.posting(site, employer, occ, on, openings, developed=True, trial=trial)
            staff = hw_staff or (desk.navigator if target or rng.random() < 0.6 else desk.counselor or "")
            method = VisitMethod.VISIT if target or rng.random() < 0.6 else VisitMethod.PHONE
            note = ("ご本人の経歴と希望を説明し、求人の提出を依頼。受理。" if target else
                    fiction.DEVELOPMENT_NOTES[2] if need else rng.choice(fiction.DEVELOPMENT_NOTES))
            contact = self.visit(employer, self.roll(on - datetime.timedelta(days=rng.randint(0, 10))),
                                 VisitParty.HELLO_WORK, staff, method, note)
            if contact.visited_on > on:
                contact.visited_on = on
            contact.resulting_posting = posting
            contact.for_seeker = target.model if target else None
            contact.hiring_need_openings = openings
            contact.hiring_timing = rng.choice(fiction.HIRING_TIMINGS)
            contact.open_to_trial = trial
            contact.open_to_long_gap = True if target else rng.choice([True, False, None])
            contact.open_to_older = rng.choice([True, False, None])
            self.out.visit_occupations.append((contact, occ))
            if target:
                on_ref = self.later(on, 2, 10)
                self.queued[(site, on_ref.replace(day=1))].append(RefSim(target, posting, on_ref, individual=True))
        for _ in range(regular):
            employer, occ = self.employer_and_occupation(volume.employer_areas)
            openings = rng.choices([v for v, _w in OPENINGS_REGULAR], weights=[w for _v, w in OPENINGS_REGULAR])[0]
            self.posting(site, employer, occ, self.business_day(month), openings, developed=False,
                         trial=rng.random() < 0.05)
        # Job development is mostly calls that bring nothing yet.
        for _ in range(round(developed * 0.8)):
            employer = self.rng.choice(self.employers)
            self.visit(employer, self.business_day(month), VisitParty.HELLO_WORK,
                       hw_staff or rng.choice([desk.navigator, desk.counselor or ""]),
                       VisitMethod.PHONE if rng.random() < 0.6 else VisitMethod.VISIT,
                       rng.choice(fiction.UNPRODUCTIVE_NOTES))

    def employer_and_occupation(self, areas: dict[str, float]) -> tuple[EmployerSim, str]:
        for _ in range(50):
            occ = _pick(self.rng, self.mix.openings)
            employer = self.employer_for(occ, areas)
            if employer is not None:
                return employer, occ
        employer = self.rng.choice(self.employers)
        return employer, employer.occupations[0]

    def posting(self, site: str, employer: EmployerSim, occ: str, on: datetime.date, openings: int, *,
                developed: bool, trial: bool, posting_id: str | None = None, title: str | None = None,
                description: str | None = None, wage: tuple[int, int] | None = None,
                hours: str | None = None) -> Posting:
        rng = self.rng
        part_time = rng.random() < self.mix.part_time_openings.get(occ, 0.3)
        if wage is None:
            if part_time:
                low = rng.randrange(1050, 1300, 10)
                wage = (low, low + rng.choice([0, 50, 100, 200]))
            else:
                lo, hi = MONTHLY_WAGE.get(self.mix.majors[occ], (170_000, 230_000))
                low = rng.randrange(lo, hi, 5_000)
                wage = (low, low + rng.choice([10_000, 20_000, 40_000, 60_000]))
        closes = month_end(self._shift(on, 2))  # Hello Work's default: the end of the month after next
        required = []
        if occ in QUALIFICATIONS and rng.random() < 0.5:
            required.append(QUALIFICATIONS[occ][0])
        model = Posting(
            posting_id=posting_id or self.next_id("P", 6), employer=employer.model, site=self.sites[site],
            received_on=on, closes_on=closes, occupation_id=occ, openings=openings,
            employment=EmploymentType.PART_TIME if part_time else EmploymentType.FULL_TIME,
            wage_min=wage[0], wage_max=wage[1], wage_unit=WageUnit.HOUR if part_time else WageUnit.MONTH,
            hours=hours or rng.choice(fiction.PART_TIME_HOURS if part_time else fiction.FULL_TIME_HOURS),
            postal_code=employer.model.postal_code, town=employer.model.town, lat=employer.model.lat,
            lng=employer.model.lng, required_qualifications=required,
            experience_required=rng.random() < (0.1 if developed else 0.2), trial_employment_ok=trial,
            developed=developed, title=title or fiction.title_of(rng, occ, self.mix.names[occ]),
        )
        if description is None:
            lines = rng.sample(fiction.POSTING_LINES, 2)
            description = f"{model.title}の仕事です。{''.join(lines)}"
        model.description = description
        self.out.postings.append(model)
        for month in _months(on, closes):
            self.open_postings[(site, month)].append(model)
            self.open_by_occupation[(site, month, occ)].append(model)
        return model

    def find_posting(self, seeker: SeekerSim, on: datetime.date) -> Posting | None:
        rng, month = self.rng, on.replace(day=1)
        sites = [seeker.site] + [s for s in self.volumes if s != seeker.site]
        if rng.random() < 0.75:
            for site in sites:
                candidates = [p for occ in seeker.desired for p in self.open_by_occupation.get((site, month, occ), [])
                              if p.received_on <= on and p.closes_on is not None and on <= p.closes_on]
                if candidates:
                    return rng.choice(candidates)
        for site in sites:
            listed = self.open_postings.get((site, month), [])
            for _ in range(10):
                if not listed:
                    break
                p = rng.choice(listed)
                if p.received_on <= on and p.closes_on is not None and on <= p.closes_on:
                    return p
        return None

    def referrals(self, site: str, month: datetime.date, n: int, hires: int) -> None:
        rng = self.rng
        refs = list(self.queued.pop((site, month), []))
        pool = self.pool(site, month)
        for _ in range(max(0, n - len(refs))):
            on = self.business_day(month)
            seeker = None
            for _try in range(8):
                candidate = rng.choice(pool) if pool else None
                if candidate is not None and candidate.model.registered_on < on:
                    seeker = candidate
                    break
            if seeker is None:
                continue
            posting = self.find_posting(seeker, on)
            if posting is not None:
                refs.append(RefSim(seeker, posting, on))
        refs.sort(key=lambda r: r.on)
        # Outcomes by quota, so each month's placements match the plan whatever the draw: individual job
        # development comes first in line (the post was opened for that person), the rest in random order.
        order = [r for r in refs if r.individual and rng.random() < 0.7]
        rest = [r for r in refs if r not in order]
        rng.shuffle(rest)
        hired = 0
        for r in order + rest:
            posting = r.posting
            room = self.filled[id(posting)] < posting.openings
            if hired < hires and room and r.seeker.hired_on is None:
                outcome_on = self.later(r.on, *HIRE_LAG)
                r.seeker.hired_on = outcome_on
                self.filled[id(posting)] += 1
                hired += 1
                trial = posting.trial_employment_ok and (r.seeker.welfare or bool(r.seeker.gap)) and (
                    r.individual or rng.random() < 0.6)
                self.add_referral(r, Outcome.HIRED, outcome_on, trial)
            else:
                outcome, _w, lag = rng.choices(OTHER_OUTCOMES, weights=[w for _o, w, _l in OTHER_OUTCOMES])[0]
                self.add_referral(r, outcome, self.later(r.on, *lag), False)

    def add_referral(self, r: RefSim, outcome: str, outcome_on: datetime.date, trial: bool) -> None:
        desk = self.desks[r.seeker.site]
        if desk.counselor is None:
            staff = desk.navigator
        else:
            staff = desk.navigator if r.individual or self.rng.random() < 0.3 else desk.counselor
        self.out.referrals.append(Referral(
            referral_id=self.next_id("R", 6), seeker=r.seeker.model, posting=r.posting, referred_on=r.on,
            outcome=outcome, outcome_on=outcome_on, trial_employment=trial, staff=self.users[staff],
        ))

    def consultations(self, s: SeekerSim) -> None:
        """The record of a seeker's consultations: the first on the day they registered, then follow-ups
        until they were hired or stopped searching."""
        rng, seeker = self.rng, s.model
        desk = self.desks[s.site]
        city, hw = self.agencies[desk.city], self.agencies[desk.hello_work]
        hw_staff = desk.counselor or desk.navigator
        if s.welfare:
            office = self.spec.sites[s.site].welfare_office or ""
            first = (ConsultationKind.LIFE, self.agencies[office], desk.caseworker or "")
        elif seeker.registered_by == "city":
            first = (rng.choice([ConsultationKind.EMPLOYMENT, ConsultationKind.LIFE]), city, desk.city_counselor)
        else:
            first = (ConsultationKind.JOB, hw, hw_staff)
        self.consultation(seeker, seeker.registered_on, *first)
        end = min(s.hired_on or s.search_end, s.search_end, self.end)
        span = (end - seeker.registered_on).days
        follow_ups = rng.choices([0, 1, 2, 3, 4], weights=[25, 30, 25, 15, 5])[0] + (1 if s.welfare else 0)
        for _ in range(follow_ups if span > 7 else 0):
            on = self.roll(seeker.registered_on + datetime.timedelta(days=rng.randint(7, span)))
            if s.referable and rng.random() < 0.65:
                self.consultation(seeker, on, ConsultationKind.JOB, hw,
                                  rng.choice([hw_staff, desk.navigator]) if desk.counselor else hw_staff)
            else:
                kind = ConsultationKind.LIFE if s.welfare and rng.random() < 0.5 else ConsultationKind.EMPLOYMENT
                self.consultation(seeker, on, kind, city, desk.city_counselor)

    def consultation(self, seeker: Seeker, on: datetime.date, kind: str, agency: Agency, staff: str,
                     notes: str | None = None) -> None:
        self.out.consultations.append(Consultation(
            seeker=seeker, held_on=on, kind=kind, agency=agency, staff=self.users[staff],
            notes=notes if notes is not None else self.rng.choice(fiction.CONSULTATION_NOTES[kind]),
        ))


# --- the success case ---------------------------------------------------------------------------------------
# Where it happens — her site, the welfare office, her home and the employer's postal codes, the employer's name —
# is the installation file's ``demo.story`` (Kurashiki: Tamashima, 玉島柏島 and 玉島勇崎 about 1.5 km apart).
SUCCESS_REFERRAL = f"{PREFIX}R-SUCCESS"


@dataclass
class Story:
    """The success case's records that the casework step needs."""

    seeker: Seeker
    consent: Consent
    hired_on: datetime.date
    where: StorySpec
    developed_on: datetime.date
    weekly_from: datetime.date
    referrals: list[Referral] = field(default_factory=list)


# What the employers said: the gap put them off, then the sewing company took her on for her manner.
GAP_REJECTION = Told(reason=Reason.REJECTED_OTHER, employer_note="離職期間が長いことが不安なため、今回は見送ります。")
TRIAL_HIRE = Told(employer_note="穏やかでまじめな人柄を評価。プレス機は初めてのため、トライアル雇用で慣れてもらう。",
                  keeps_job=True)
# Her weekly visits between referrals: searching Hello Work's postings besides the job magazines, as the seed says.
ROUTINE_VISITS = ["ハローワークの求人を一緒に検索し、応募先を相談。", "求人情報提供端末の使い方を練習。",
                  "応募書類（履歴書）を作成。", "求人誌とハローワークの求人を見比べて応募先を検討。"]


def success_story(builder: Builder, as_of: datetime.date, where: StorySpec) -> Story:
    """The seed's success case, dated back from the as-of date: a woman in her fifties on welfare, a garment
    presser nearly ten years out of work, referred by the welfare office; consultations by the city and Hello Work; a
    navigator's individual job development at a sewing company near her home; a press-machine post opened for
    her; hired through trial employment, which has since become regular employment."""
    b, out = builder, builder.out
    index = TownIndex()
    desk = b.desks[where.site]
    navigator, counselor = desk.navigator, desk.city_counselor
    caseworker = next((u.username for u in b.spec.users
                       if u.role == Role.CASEWORKER and u.agency == where.welfare_office), None)
    if caseworker is None or b.center_promoter is None:
        raise DemoError(f"成功事例には {where.welfare_office} のケースワーカーとセンターの地区担当推進員のログインが必要です")

    def day(days_before: int) -> datetime.date:
        return b.roll(as_of - datetime.timedelta(days=days_before))

    def spot(code: str) -> Spot:
        place = index.locate(code)
        if place is None or place.town is None:
            raise DemoError(f"郵便番号 {code} の町名が見つかりません。参照データを確認してください")
        return Spot(place.postal_code, place.town)

    home = spot(where.home)
    registered = day(240)
    lat, lng = b.coordinates(home)
    seeker = Seeker(
        seeker_id=SUCCESS_SEEKER_ID, site=b.sites[where.site], registered_on=registered, registered_by="city",
        status=SeekerStatus.EMPLOYED, name="見本 幸子", name_kana="みほん さちこ", birth_year=as_of.year - 54,
        postal_code=home.postal_code, town=home.town, lat=lat, lng=lng, desired_employment=EmploymentWish.ANY,
        min_wage=150_000, wage_unit=WageUnit.MONTH, max_commute_km=5, desired_hours="日勤のみ",
        qualifications=[], gap_years=10, welfare_recipient=True,
        barriers="10年近いブランク、運転免許なし（自転車で通える範囲を希望）、求人誌だけで仕事を探してきた",
        referred_by=ReferredBy.WELFARE_OFFICE, referring_agency=b.agencies[where.welfare_office],
        note="クリーニング工場と縫製工場でアイロン仕上げ（アイロン工）を長く経験。自宅近くで長く働ける職場を希望。",
    )
    out.seekers.append(seeker)
    for rank, occ in enumerate(["073", "096", "097"], start=1):
        out.desired.append(DesiredOccupation(seeker=seeker, occupation_id=occ, rank=rank))
    out.experiences.append(Experience(seeker=seeker, occupation_id="073", years=15))
    # Her consent to share with Hello Work is given with the welfare office's support request.
    consent = Consent(seeker=seeker, party="hello_work", given_on=registered)
    out.consents.append(consent)
    out.consents.append(Consent(seeker=seeker, party="hello_work", given_on=day(152),
                                purpose=ConsentPurpose.DEVELOPMENT_PROFILE))
    city, hw = b.agencies[desk.city], b.agencies[desk.hello_work]
    welfare = b.agencies[where.welfare_office]
    for days, kind, agency, staff, note in [
        (240, ConsultationKind.LIFE, welfare, caseworker,
         f"{welfare.name}から一体的実施の窓口へ支援要請。働きたい気持ちはあるが、長いブランクに不安が大きい。"),
        (236, ConsultationKind.EMPLOYMENT, city, counselor,
         "生活状況と働き方の希望を聞き取り。ハローワークとの情報共有に同意済み。"),
        (229, ConsultationKind.JOB, hw, navigator,
         "ハローワークの求人検索の使い方を説明。求人誌以外にも求人があることを知ってもらう。週1回の来所を約束。"),
        (200, ConsultationKind.JOB, hw, navigator, "応募した求人は不採用。ブランクを理由に敬遠されることが続く。"),
        (171, ConsultationKind.LIFE, welfare, caseworker,
         "ケースワーカーと面談。毎週の来所が続き、意欲が高まっている。"),
        (152, ConsultationKind.JOB, hw, navigator,
         "アイロン仕上げの経験を活かせる求人が近くにない。ナビゲーターが自宅近くの縫製会社に個別求人開拓を行う。"
         "匿名の経歴を事業所に示すことに同意。"),
        (133, ConsultationKind.JOB, hw, navigator,
         "開拓した求人（プレス機オペレーター）を紹介。アイロン掛けではなくプレス機の操作のため本人も不安があるが、"
         "トライアル雇用で挑戦することに。"),
        (80, ConsultationKind.EMPLOYMENT, city, counselor,
         "トライアル雇用の様子を確認。職場に慣れてきており、常用雇用への移行を目指す。"),
    ]:
        b.consultation(seeker, day(days), kind, agency, staff, note)

    sewing_spot = spot(where.employer)
    sewing = b.add_employer(
        sewing_spot.area, "116", ["073", "078"], spot=sewing_spot, name=where.employer_name, employees=24,
        employer_id=f"{PREFIX}E-SEWING", center_member=True,
    )
    center_visit = b.visit(sewing, day(280), VisitParty.CENTER, b.center_promoter, VisitMethod.VISIT,
                           "会員事業所の定期訪問。仕上げ工程の人手が足りないが、経験者がなかなか見つからないとのこと。")
    center_visit.hiring_need_openings = 1
    center_visit.hiring_timing = "経験者がいればすぐにでも"
    center_visit.open_to_older = True
    out.visit_occupations.append((center_visit, "073"))

    story = Story(seeker, consent, day(118), where, developed_on=day(140), weekly_from=day(229))
    # Employers shied away from her long gap: two applications turned down before the post was developed.
    for days, outcome_days in ((210, 200), (182, 171)):
        on = day(days)
        posting = next((p for p in b.open_postings.get((where.site, on.replace(day=1)), [])
                        if p.occupation_id in ("096", "097", "073") and p.received_on <= on
                        and p.closes_on is not None and on <= p.closes_on), None)
        if posting is not None:
            story.referrals.append(Referral(
                referral_id=f"{SUCCESS_REFERRAL}-{days}", seeker=seeker, posting=posting, referred_on=on,
                outcome=Outcome.REJECTED, outcome_on=day(outcome_days), staff=b.users[navigator],
            ))

    posting = b.posting(
        where.site, sewing, "073", day(137), 1, developed=True, trial=True, posting_id=f"{PREFIX}P-SUCCESS",
        title="プレス機オペレーター（衣料品の仕上げ）",
        description="縫製を終えた衣料品をプレス機で仕上げる仕事です。アイロン仕上げの経験を活かせます。"
                    "トライアル雇用を併用します。ブランクのある方も歓迎します。",
        wage=(150_000, 170_000), hours="8:30〜17:30",
    )
    posting.employment = EmploymentType.FULL_TIME
    posting.wage_unit = WageUnit.MONTH
    posting.required_qualifications = []
    posting.experience_required = False
    development = b.visit(
        sewing, day(140), VisitParty.HELLO_WORK, navigator, VisitMethod.VISIT,
        "個別求人開拓。自宅近くの縫製会社を訪問し、ご本人の経歴（アイロン工として長年の経験、10年近いブランク）を説明。"
        "募集できるのはアイロン掛けではなくプレス機の操作で、双方に不安があったが、トライアル雇用を使うことで合意。"
        "求人を受理。",
    )
    development.visit_id = f"{PREFIX}V-SUCCESS"
    development.for_seeker = seeker
    development.resulting_posting = posting
    development.hiring_need_openings = 1
    development.hiring_timing = "すぐにでも"
    development.open_to_trial = True
    development.open_to_long_gap = True
    development.open_to_older = True
    out.visit_occupations.append((development, "073"))
    story.referrals.append(Referral(
        referral_id=SUCCESS_REFERRAL, seeker=seeker, posting=posting, referred_on=day(133),
        outcome=Outcome.HIRED, outcome_on=story.hired_on, trial_employment=True, staff=b.users[navigator],
    ))
    out.referrals.extend(story.referrals)
    return story


def story_visits(story: Story, accepted: datetime.date) -> list[VisitNote]:
    """Her support plan's visits, every Wednesday from the week she promised to come weekly (and the request
    was taken on) until she starts work, each noting what the week's step of the story called for: the
    interview practice after a referral, a look back after a rejection, the developed posting once the navigator
    had opened it, getting ready for work while the sewing company's answer was awaited."""
    referred = [r.referred_on for r in story.referrals]
    answered = [r.outcome_on for r in story.referrals if r.outcome == Outcome.REJECTED and r.outcome_on]
    start = max(accepted, story.weekly_from)
    day = start + datetime.timedelta(days=(2 - start.weekday()) % 7 or 7)
    visits: list[VisitNote] = []
    since = start  # what happened since the last visit is what this one takes up
    while day < story.hired_on:
        on = open_day(day)  # a Wednesday holiday moves that week's visit to the next day the office is open
        if any(since < d <= on for d in referred):
            note = "紹介状を交付した求人の面接に向けて、面接の練習。"
        elif any(since < d <= on for d in answered):
            note = "不採用の結果を一緒に振り返る。ブランクを気にしすぎず、応募を続けることを確認。"
        elif since < story.developed_on <= on:
            note = "ナビゲーターが開拓した求人（プレス機オペレーター）の内容を説明。応募を前向きに検討。"
        elif referred and on > max(referred):
            note = "縫製会社の返事を待つ間、勤務に向けて生活リズムと自転車での通勤経路を確認。"
        else:
            note = ROUTINE_VISITS[len(visits) % len(ROUTINE_VISITS)]
        if on < story.hired_on:
            visits.append(VisitNote(on, True, note))
        since, day = on, day + datetime.timedelta(days=7)
    return visits


def casework(builder: Builder, records: Records, sims: list[SeekerSim], story: Story | None) -> Lifecycle:
    """Everything after each referral and each support request, on the records kept at the as-of date."""
    plan, users = builder.plan, builder.users
    work = Casework(plan.seed + 1, plan.as_of, builder.agencies)
    told = {id(r): TRIAL_HIRE if r.referral_id == SUCCESS_REFERRAL else GAP_REJECTION
            for r in (story.referrals if story is not None else [])}
    for referral in records.referrals:
        work.referral(referral, trial_outcome=TrialOutcome.CONVERTED if referral.referral_id == SUCCESS_REFERRAL
                      else None, told=told.get(id(referral)))
    shared = {id(c.seeker): c for c in records.consents
              if c.party == "hello_work" and c.purpose == ConsentPurpose.SHARE}
    kept = {id(s) for s in records.seekers}
    for sim in sims:
        consent = shared.get(id(sim.model))
        if not sim.welfare or consent is None or id(sim.model) not in kept:
            continue
        desk = builder.desks[sim.site]
        work.support_case(
            sim.model, consent, office=builder.spec.sites[sim.site].welfare_office or "",
            caseworker=users[desk.caseworker or ""], desk=users[desk.navigator],
            hired_on=sim.hired_on, stopped_on=sim.search_end,
        )
    if story is None:
        return work.out
    # Her case closes when the trial becomes regular employment.
    converted = planned_trial_end(story.hired_on)
    caseworker = next(u.username for u in builder.spec.users
                      if u.role == Role.CASEWORKER and u.agency == story.where.welfare_office)
    work.support_case(
        story.seeker, story.consent, office=story.where.welfare_office, caseworker=users[caseworker],
        desk=users[builder.desks[story.where.site].navigator],
        hired_on=converted if converted <= plan.as_of else None, stopped_on=None,
        needs="10年近いブランクがあり、求人誌だけで仕事を探してきた。アイロン仕上げの経験を活かした就労を希望。"
              "ハローワークと一緒に、意欲を保ちながら就職まで支援をお願いしたい。",
        plan=("アイロン仕上げの経験を活かし、自宅から自転車で通える職場で働く",
              "毎週の来所で求人検索と応募を続ける。合う求人がなければナビゲーターが個別求人開拓を行う。"
              "就職後はトライアル雇用から常用雇用への移行を見守る。", "毎週水曜 10時", 7),
        benefit=BenefitChange.REDUCED, visits=lambda accepted: story_visits(story, accepted),
    )
    return work.out


# --- cutting, saving, counting ------------------------------------------------------------------------------
def cut(records: Records, as_of: datetime.date, sims: list[SeekerSim]) -> Records:
    """Drop what happens after ``as_of``; outcomes not yet known then are pending, seekers' status is theirs
    on that day."""
    seekers = [s for s in records.seekers if s.registered_on <= as_of]
    kept = {id(s) for s in seekers}
    postings = [p for p in records.postings if p.received_on <= as_of]
    kept_postings = {id(p) for p in postings}
    for sim in sims:
        if sim.hired_on is not None and sim.hired_on <= as_of:
            sim.model.status = SeekerStatus.EMPLOYED
        elif sim.search_end <= as_of:
            sim.model.status = SeekerStatus.INACTIVE
    consents = []
    for c in records.consents:
        if id(c.seeker) in kept and c.given_on <= as_of:
            if c.withdrawn_on is not None and c.withdrawn_on > as_of:
                c.withdrawn_on = None
            consents.append(c)
    visits = [v for v in records.visits if v.visited_on <= as_of]
    for v in visits:
        if v.resulting_posting is not None and id(v.resulting_posting) not in kept_postings:
            v.resulting_posting = None
    kept_visits = {id(v) for v in visits}
    referrals = [r for r in records.referrals if r.referred_on <= as_of]
    for r in referrals:
        if r.outcome_on is not None and r.outcome_on > as_of:
            r.outcome, r.outcome_on, r.trial_employment = Outcome.PENDING, None, False
    return Records(
        employers=records.employers, seekers=seekers,
        desired=[d for d in records.desired if id(d.seeker) in kept],
        experiences=[e for e in records.experiences if id(e.seeker) in kept],
        consents=consents,
        consultations=[c for c in records.consultations if id(c.seeker) in kept and c.held_on <= as_of],
        postings=postings, visits=visits,
        visit_occupations=[(v, o) for v, o in records.visit_occupations if id(v) in kept_visits],
        referrals=referrals,
    )


def _save(records: Records, life: Lifecycle, plan: Plan) -> dict[str, int]:
    """Bulk-load the records, with one audit row per model (a system load, not a person's reading)."""
    detail = {"fiscal_year": plan.fiscal_year, "as_of": plan.as_of.isoformat(), "scale": plan.scale,
              "seed": plan.seed}
    counts: dict[str, int] = {}

    def load(model: type[models.Model], objects: list[Any]) -> None:
        # Related rows are saved first; bulk_create copies their new keys onto the foreign-key columns.
        model._default_manager.bulk_create(objects, batch_size=500)
        counts[model._meta.label] = len(objects)
        record(None, Action.IMPORT, model, purpose=PURPOSE, detail={**detail, "count": len(objects)})

    load(Employer, records.employers)
    load(Seeker, records.seekers)
    load(DesiredOccupation, records.desired)
    load(Experience, records.experiences)
    load(Consent, records.consents)
    load(Posting, records.postings)
    load(EmployerVisit, records.visits)
    through = EmployerVisit.hiring_need_occupations.through
    load(through, [through(employervisit_id=v.pk, occupation_id=o) for v, o in records.visit_occupations])
    load(Referral, records.referrals)
    load(Consultation, records.consultations)
    load(ReferralEvent, life.events)
    load(Contribution, life.contributions)
    load(TrialEmployment, life.trials)
    load(FollowUp, life.follow_ups)
    load(SupportRequest, life.requests)
    load(SupportPlan, life.plans)
    load(SupportVisit, life.visits)
    return counts


def _indicators(spec: DemoSpec, part: str) -> dict[str, Indicator]:
    keys = {key for s in spec.sites.values() for key in getattr(s, part)}
    found = {i.key: i for i in Indicator.objects.filter(key__in=keys)}
    if keys - set(found):
        raise DemoError(f"デモの {part} の指標 {'、'.join(sorted(keys - set(found)))} がありません"
                        "（組み込みの指標か、設置ファイルの indicators に書いた指標のキーにしてください）")
    return found


def save_targets(plan: Plan, spec: DemoSpec) -> int:
    """The business plan's numeric targets of both years, scaled with the demo."""
    indicators = _indicators(spec, "targets")
    n = 0
    for code, site_demo in spec.sites.items():
        site = Site.objects.get(code=code)
        for key, values in site_demo.targets.items():
            for fy, value in zip((plan.fiscal_year - 1, plan.fiscal_year), values, strict=True):
                Target.objects.update_or_create(site=site, fiscal_year=fy, indicator=indicators[key],
                                                defaults={"target": max(1, round(value * plan.scale))})
                n += 1
    record(None, Action.IMPORT, Target, purpose=PURPOSE, detail={"count": n, "fiscal_year": plan.fiscal_year})
    return n


def save_manual_counts(plan: Plan, spec: DemoSpec) -> int:
    """The monthly counts of the installation's hand-counted indicators, each year's total spread over its months
    like the rest of the work, up to the as-of month."""
    indicators = _indicators(spec, "manual_counts")
    rows = []
    for code, site_demo in spec.sites.items():
        site = Site.objects.get(code=code)
        for key, totals in site_demo.manual_counts.items():
            for fy, total in zip((plan.fiscal_year - 1, plan.fiscal_year), totals, strict=True):
                start, _end = fiscal_year_bounds(fy)
                for i, n in enumerate(_spread(max(0, round(total * plan.scale)), SEASON)):
                    month = Builder._shift(start, i)
                    if month <= plan.as_of:
                        rows.append(ManualCount(site=site, indicator=indicators[key], month=month, count=n))
    ManualCount.objects.bulk_create(rows)
    if rows:
        record(None, Action.IMPORT, ManualCount, purpose=PURPOSE, detail={"count": len(rows),
                                                                         "fiscal_year": plan.fiscal_year})
    return len(rows)


@transaction.atomic
def generate(plan: Plan, installation: Path = INSTALLATION) -> dict[str, int]:
    """Load the installation, the demo logins and the demo year in one transaction; returns the counts per
    model."""
    if has_demo_data():
        raise DemoError("デモデータは登録済みです。作り直すときは --replace を付けてください")
    if has_records():
        # Fiction mixed into real casework could be mistaken for it, and counted in real figures.
        raise DemoError("求職者・事業所・求人のデータがあるデータベースにはデモデータを作りません。"
                        "空のデータベースで実行してください")
    spec = read_spec(installation)
    try:
        load_installation(installation)
    except LOAD_ERRORS as e:
        raise DemoError(str(e)) from None
    users = ensure_demo_staff(spec)
    builder = Builder(plan, users, spec)
    records = builder.run()
    story = success_story(builder, plan.as_of, spec.story) if spec.story is not None else None
    sims = [s for site in builder.volumes for s in builder.seekers[site]]
    kept = cut(records, plan.as_of, sims)
    counts = _save(kept, casework(builder, kept, sims, story), plan)
    counts["plans.Target"] = save_targets(plan, spec)
    counts["plans.ManualCount"] = save_manual_counts(plan, spec)
    # The agreement, its request log and the council meetings, placed around the same as-of date.
    try:
        build_governance_demo(plan.fiscal_year, plan.as_of, installation=installation)
    except ValueError as e:
        raise DemoError(str(e)) from None
    return counts
