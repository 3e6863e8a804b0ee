"""The slow results of job development kept in the database: the day's market and the targeting coefficients are
read back while the records are unchanged (a new worker, a restart: an empty process cache), computed again when a
record they come from changes, and prepared by the scheduled job; the four "has it changed" checks each read their
tables in one statement."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kakehashi.development import gap, stored, targets
from kakehashi.development.models import StoredResult
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.engine import targeting as tg
from kakehashi.matching.loading import data_version
from kakehashi.ops import jobs
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import DesiredOccupation
from tests.world import World


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def today() -> datetime.date:
    return timezone.localdate()


def restart() -> None:
    """What a new worker or a restarted server has: no process cache (the database is as it was)."""
    cache.clear()


class Counting:
    """Wraps a computation and counts its calls."""

    def __init__(self, fn):  # type: ignore[no-untyped-def]
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.calls += 1
        return self.fn(*args, **kwargs)


def test_the_market_is_stored_and_read_back_the_same_after_a_restart(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = gap.market(today())
    assert first.seekers and first.postings
    assert StoredResult.objects.filter(kind=gap.MARKET, day=today()).count() == 1
    compute = Counting(gap._compute_market)
    monkeypatch.setattr(gap, "_compute_market", compute)
    restart()
    again = gap.market(today())
    assert compute.calls == 0  # read from the table, not computed
    assert again == first  # every seeker's fits, in order, and every posting
    # Each seeker's wishes in rank order, as computed.
    assert [list(s.fits) for s in again.seekers] == [list(s.fits) for s in first.seekers]
    assert gap.market_is_fresh(today())


@pytest.mark.parametrize("change", ["seeker", "wish", "posting"])
def test_the_market_is_computed_again_when_a_record_it_comes_from_changes(
    world: World, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    gap.market(today())
    seeker = world.seekers["s_hw"]
    if change == "seeker":
        seeker.max_commute_km = 0.3  # the press-operator posting is about 0.7 km from home
        seeker.save()
    elif change == "wish":
        DesiredOccupation.objects.create(seeker=seeker, occupation_id="069", rank=2)
    else:
        Posting.objects.filter(pk=world.posting.pk).update(openings=7, updated_at=timezone.now())
    assert not gap.market_is_fresh(today())
    compute = Counting(gap._compute_market)
    monkeypatch.setattr(gap, "_compute_market", compute)
    restart()
    changed = gap.market(today())
    assert compute.calls == 1
    assert changed == gap._compute_market(today())  # what a fresh computation gives
    assert gap.market_is_fresh(today())
    assert StoredResult.objects.filter(kind=gap.MARKET, day=today()).count() == 1  # replaced, not added


def test_the_coefficients_are_stored_and_refitted_when_a_posting_is_added(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fitted = targets.coefficients_for(today())
    fit = Counting(tg.fit)
    monkeypatch.setattr(tg, "fit", fit)
    restart()
    _loaded, fc = targets.forecast_for(today())
    assert fit.calls == 0 and fc.coefficients == fitted
    Posting.objects.create(
        posting_id="33010-40001",
        employer=world.employer,
        site=world.tamashima,
        received_on=today(),
        occupation_id="073",
        openings=1,
        postal_code="713-8121",
        lat=34.545,
        lng=133.675,
    )
    assert not targets.coefficients_are_fresh(today())
    restart()
    _loaded, fc = targets.forecast_for(today())
    assert fit.calls == 1
    assert fc.coefficients == tg.fit(_loaded.history, today().toordinal())


def test_the_coefficients_are_refitted_when_a_visit_is_recorded(world: World) -> None:
    targets.coefficients_for(today())
    EmployerVisit.objects.create(
        visit_id="V-STORED-1", employer=world.employer, visited_on=today(), by=VisitParty.CENTER
    )
    assert not targets.coefficients_are_fresh(today())


def test_the_stored_coefficients_read_back_equal(world: World) -> None:
    c = tg.Coefficients(
        intercept=-1.25, beta={t: 0.1 * i - 0.3 for i, t in enumerate(tg.TERMS)}, rows=1234, windows=3
    )
    assert targets._decode_coefficients(targets._encode_coefficients(c)) == c
    version = stored.version_of(targets.COEFFICIENTS, ["x"])
    stored.save(targets.COEFFICIENTS, today(), version, targets._encode_coefficients(c))
    assert targets._decode_coefficients(stored.load(targets.COEFFICIENTS, today(), version)) == c
    assert stored.load(targets.COEFFICIENTS, today(), stored.version_of(targets.COEFFICIENTS, ["y"])) is None


def test_the_scheduled_job_prepares_the_day_and_computes_nothing_while_fresh(world: World) -> None:
    run = jobs.run_job(jobs.JOBS["development_refresh"], day=today())
    assert run is not None and run.ok, run and run.error
    assert run.counts == {"market": 1, "coefficients": 1}
    assert gap.market_is_fresh(today()) and targets.coefficients_are_fresh(today())
    again = jobs.run_job(jobs.JOBS["development_refresh"], day=today())
    assert again is not None and again.counts == {"market": 0, "coefficients": 0}


def test_copies_of_days_long_past_are_removed_when_a_new_one_is_written(world: World) -> None:
    old = today() - datetime.timedelta(days=stored.KEEP_DAYS + 3)
    stored.save(gap.MARKET, old, "v-old", {"day": old.isoformat(), "seekers": [], "postings": []})
    gap.market(today())
    assert list(StoredResult.objects.filter(kind=gap.MARKET).values_list("day", flat=True)) == [today()]


def test_each_change_check_reads_its_tables_in_one_statement(world: World) -> None:
    for check in (
        gap._fingerprint,
        targets._fingerprint,
        targets._history_fingerprint,
        lambda: data_version(world.users["hana"], today()),
    ):
        with CaptureQueriesContext(connection) as ctx:
            first = check()
        assert len(ctx.captured_queries) == 1
        assert check() == first
