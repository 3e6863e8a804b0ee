"""The counting rules of INTERCHANGE.md, as the progress report applies them: which records count for a site,
a fiscal year and an as-of date, and which do not."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from kakehashi.accounts.models import Site, Staff
from kakehashi.plans.models import Indicator, ManualCount, Target
from kakehashi.plans.progress import build_progress, count_by_month, site_progress
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from tests.world import World

D = datetime.date
FY = 2013
AS_OF = D(2013, 10, 31)


class Records:
    """Builds the records a test counts, with ids of its own so that they never meet the world's."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.n = 0
        self.occupation = Occupation.objects.get(code="073")

    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-T{self.n}"

    def seeker(self, site: Site, registered_by: str = "hello_work", name: str = "", **kw: object) -> Seeker:
        sid = self._id("S")
        return Seeker.objects.create(seeker_id=sid, site=site, registered_on=D(2012, 4, 1),
                                     registered_by=registered_by, name=name or f"求職者 {sid}",
                                     postal_code="713-8121", **kw)

    def posting(self, site: Site, received_on: datetime.date, developed: bool = True, openings: int = 1) -> Posting:
        return Posting.objects.create(posting_id=self._id("P"), employer=self.world.employer, site=site,
                                      received_on=received_on, occupation=self.occupation, openings=openings,
                                      postal_code="713-8121", developed=developed, title="テスト求人")

    def referral(self, seeker: Seeker, referred_on: datetime.date, outcome: str = "pending",
                 outcome_on: datetime.date | None = None, staff: Staff | None = None,
                 posting: Posting | None = None) -> Referral:
        return Referral.objects.create(referral_id=self._id("R"), seeker=seeker,
                                       posting=posting or self.world.posting, referred_on=referred_on,
                                       outcome=outcome, outcome_on=outcome_on, staff=staff)


@pytest.fixture
def records(world: World) -> Records:
    return Records(world)


def figures(site: Site, fy: int = FY, as_of: datetime.date = AS_OF) -> dict[str, dict[str, int | None]]:
    return site_progress(site, fy, as_of).as_json()["indicators"]


def test_referrals_count_by_referral_date_within_the_year_up_to_the_as_of_date(world: World,
                                                                               records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2013, 4, 1))      # first day of the year
    records.referral(s, D(2013, 10, 31))    # the as-of date itself
    records.referral(s, D(2013, 11, 1))     # after the as-of date
    records.referral(s, D(2013, 3, 31))     # the previous fiscal year
    assert figures(world.tamashima)["referrals"]["actual"] == 2


def test_a_sites_referrals_are_those_of_its_seekers_whatever_the_postings_site(world: World,
                                                                               records: Records) -> None:
    mizushima_posting = records.posting(world.mizushima, D(2013, 4, 1), developed=False)
    records.referral(records.seeker(world.tamashima), D(2013, 5, 1), posting=mizushima_posting)
    records.referral(records.seeker(world.mizushima), D(2013, 5, 1))
    assert figures(world.tamashima)["referrals"]["actual"] == 1
    assert figures(world.mizushima)["referrals"]["actual"] == 1


def test_placements_are_hires_counted_by_outcome_date(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2013, 5, 1), "hired", D(2013, 5, 20))
    records.referral(s, D(2013, 5, 1), "rejected", D(2013, 5, 20))
    records.referral(s, D(2013, 5, 1), "declined", D(2013, 5, 21))
    records.referral(s, D(2013, 5, 1), "withdrawn", D(2013, 5, 22))
    records.referral(s, D(2013, 5, 1))                                   # still pending
    records.referral(s, D(2013, 10, 20), "hired", D(2013, 11, 5))        # hired after the as-of date
    got = figures(world.tamashima)
    assert got["placements"]["actual"] == 1
    assert got["referrals"]["actual"] == 6


def test_a_hire_counts_in_the_year_of_its_outcome_even_when_referred_the_year_before(world: World,
                                                                                     records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2013, 3, 20), "hired", D(2013, 4, 8))
    got = figures(world.tamashima)
    assert got["placements"]["actual"] == 1
    assert got["referrals"]["actual"] == 0
    assert got["referrals"]["prior_actual"] == 1
    assert got["placements"]["prior_actual"] == 0


def test_one_person_hired_twice_counts_twice(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2013, 4, 10), "hired", D(2013, 4, 30))
    records.referral(s, D(2013, 8, 1), "hired", D(2013, 8, 20))
    assert figures(world.tamashima)["placements"]["actual"] == 2


def test_developed_postings_count_the_sites_developed_postings_by_receipt_date(world: World,
                                                                               records: Records) -> None:
    t = world.tamashima
    records.posting(t, D(2013, 5, 1), openings=3)
    records.posting(t, D(2013, 10, 31), openings=2)
    records.posting(t, D(2013, 6, 1), developed=False, openings=5)   # not developed
    records.posting(world.mizushima, D(2013, 6, 1), openings=4)      # another site
    records.posting(t, D(2013, 11, 1), openings=6)                   # after the as-of date
    records.posting(t, D(2012, 12, 1), openings=7)                   # the previous year
    got = figures(t)
    assert got["developed_postings"]["actual"] == 2
    assert got["developed_openings"]["actual"] == 5
    assert got["developed_postings"]["prior_actual"] == 1
    assert got["developed_openings"]["prior_actual"] == 7


def test_the_prior_year_is_counted_whole_whatever_the_as_of_date(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2012, 4, 1))
    records.referral(s, D(2012, 11, 30))
    records.referral(s, D(2013, 3, 31))
    records.referral(s, D(2012, 3, 31))  # two years back
    assert figures(world.tamashima, as_of=D(2013, 4, 30))["referrals"]["prior_actual"] == 3


def test_an_as_of_date_after_the_year_counts_the_whole_year(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    records.referral(s, D(2014, 3, 31))
    records.referral(s, D(2014, 4, 1))
    sp = site_progress(world.tamashima, FY, D(2014, 6, 30))
    assert sp.as_of == D(2014, 3, 31)
    assert sp.row("referrals").actual == 1


def test_targets_and_prior_targets_sit_beside_the_actuals(world: World) -> None:
    placements = Indicator.objects.get(key="placements")
    openings = Indicator.objects.get(key="developed_openings")
    t = world.tamashima
    Target.objects.create(site=t, fiscal_year=2013, indicator=placements, target=630)
    Target.objects.create(site=t, fiscal_year=2012, indicator=placements, target=630)
    Target.objects.create(site=t, fiscal_year=2013, indicator=openings, target=1200)
    Target.objects.create(site=t, fiscal_year=2012, indicator=openings, target=1100)
    Target.objects.create(site=world.mizushima, fiscal_year=2013, indicator=placements, target=50)
    got = figures(t)
    assert got["placements"]["target"] == 630 and got["placements"]["prior_target"] == 630
    assert got["developed_openings"]["target"] == 1200 and got["developed_openings"]["prior_target"] == 1100
    assert got["referrals"]["target"] is None and got["referrals"]["prior_target"] is None


def test_monthly_counts_and_the_staff_breakdown_add_up_to_the_figure(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    for day, staff in [(D(2013, 4, 3), world.hana), (D(2013, 4, 9), world.hana), (D(2013, 6, 1), world.naoki),
                       (D(2013, 10, 2), None)]:
        records.referral(s, day, staff=staff)
    row = site_progress(world.tamashima, FY, AS_OF).row("referrals")
    assert row.monthly[:7] == [2, 0, 1, 0, 0, 0, 1]
    assert sum(row.monthly) == row.actual == 4
    by_staff = {b.staff_id: b.count for b in row.by_staff}
    assert by_staff == {world.hana.pk: 2, world.naoki.pk: 1, None: 1}


def test_all_sites_are_counted_in_the_same_queries_as_one(world: World, records: Records,
                                                          django_assert_max_num_queries: object) -> None:
    for site in (world.tamashima, world.mizushima):
        s = records.seeker(site)
        records.referral(s, D(2013, 5, 1), "hired", D(2013, 5, 9))
        records.posting(site, D(2013, 5, 1), openings=2)
    with django_assert_max_num_queries(8):  # type: ignore[operator]  # pytest-django's fixture is untyped
        everywhere = build_progress(Site.objects.order_by("code"), FY, AS_OF, by_staff=False)
    singles = {site.code: figures(site) for site in (world.tamashima, world.mizushima)}
    assert {p.site.code: p.as_json()["indicators"] for p in everywhere} == singles


def test_counting_reads_no_rows_into_python(world: World, records: Records) -> None:
    s = records.seeker(world.tamashima)
    for k in range(30):
        records.referral(s, D(2013, 4, 1) + datetime.timedelta(days=k), "hired", D(2013, 6, 1))
    tally = count_by_month(D(2012, 4, 1), AS_OF, [world.tamashima.pk])
    # One grouped row per indicator, site and month — not one per referral.
    assert len(tally) <= 4
    assert sum(n for (key, *_rest), n in tally.items() if key == "referrals") == 30


def test_a_hand_counted_indicator_sums_its_monthly_entries(world: World) -> None:
    consultations = Indicator.objects.create(key="consultations", label="相談件数", unit="件")
    ManualCount.objects.create(site=world.tamashima, indicator=consultations, month=D(2013, 4, 1), count=12)
    ManualCount.objects.create(site=world.tamashima, indicator=consultations, month=D(2013, 9, 1), count=8)
    ManualCount.objects.create(site=world.tamashima, indicator=consultations, month=D(2013, 11, 1), count=99)
    got = figures(world.tamashima)
    assert got["consultations"]["actual"] == 20
    assert got["consultations"]["prior_actual"] is None


FILES = {
    "employers.csv": "employer_id,name,industry,postal_code\nE-IMP-1,玉島縫製株式会社,11,713-8121\n",
    "seekers.csv": (
        "seeker_id,site,registered_on,postal_code,desired_occupations\n"
        "S-IMP-1,tamashima,平成24年4月2日,７１３－８１２１,073\n"
        "S-IMP-2,tamashima,H24.5.1,713-8121,073\n"
        "S-IMP-3,mizushima,2012-06-01,712-8062,073\n"
    ),
    "postings.csv": (
        "posting_id,employer_id,site,received_on,occupation,openings,postal_code,developed\n"
        "P-IMP-1,E-IMP-1,tamashima,平成25年5月1日,073,３,713-8121,1\n"
        "P-IMP-2,E-IMP-1,tamashima,2013/10/31,073,2,713-8121,１\n"
        "P-IMP-3,E-IMP-1,tamashima,2013-06-01,073,5,713-8121,0\n"
        "P-IMP-4,E-IMP-1,mizushima,2013-06-01,073,4,712-8062,1\n"
        "P-IMP-5,E-IMP-1,tamashima,H25.11.1,073,6,713-8121,1\n"
        "P-IMP-6,E-IMP-1,tamashima,H24.12.1,073,7,713-8121,1\n"
    ),
    "referrals.csv": (
        "referral_id,seeker_id,posting_id,referred_on,outcome,outcome_on\n"
        "R-IMP-1,S-IMP-1,P-IMP-1,平成25年3月20日,hired,平成25年4月8日\n"     # referred last year, hired this year
        "R-IMP-2,S-IMP-1,P-IMP-2,H25.8.1,hired,H25.8.20\n"                # same person hired twice
        "R-IMP-3,S-IMP-2,P-IMP-1,２０１３－０５－０１,rejected,2013-05-20\n"
        "R-IMP-4,S-IMP-2,P-IMP-3,2013-10-31,pending,\n"
        "R-IMP-5,S-IMP-2,P-IMP-3,2013-11-01,hired,2013-11-15\n"           # after the as-of date
        "R-IMP-6,S-IMP-3,P-IMP-4,2013-05-01,hired,2013-05-10\n"           # another site
    ),
    "targets.csv": (
        "fiscal_year,site,indicator,target\n"
        "2013,tamashima,placements,６３０\n"
        "2012,tamashima,placements,630\n"
        "2013,tamashima,developed_openings,1200\n"
        "2012,tamashima,developed_openings,1100\n"
    ),
}


def test_imported_interchange_files_give_the_counts_of_the_counting_rules(world: World, tmp_path: Path) -> None:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    call_command("import", str(tmp_path), "--no-progress", stdout=StringIO(), stderr=StringIO())
    out = StringIO()
    call_command("report", "progress", "--site", "tamashima", "--fiscal-year", "平成２５年度",
                 "--as-of", "平成25年10月31日", stdout=out)
    got = json.loads(out.getvalue())
    assert (got["site"], got["fiscal_year"], got["as_of"]) == ("tamashima", 2013, "2013-10-31")
    assert got["indicators"] == {
        "placements": {"target": 630, "actual": 2, "prior_target": 630, "prior_actual": 0},
        "referrals": {"target": None, "actual": 3, "prior_target": None, "prior_actual": 1},
        "developed_postings": {"target": None, "actual": 2, "prior_target": None, "prior_actual": 1},
        "developed_openings": {"target": 1200, "actual": 5, "prior_target": 1100, "prior_actual": 7},
    }
