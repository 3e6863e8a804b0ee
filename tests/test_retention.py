"""``kakehashi retention apply``: the seekers past the retention period lose what identified or described them,
and every figure stays — the council report of a past fiscal year (HTML, JSON, Excel), the welfare programme's
figures and the sources of developed postings are the same before and after.

The past world: fiscal years 2015 and 2016 at both sites, every kind of record about a person, each free text
and identifying field planted with a canary (``CANARY``) that must be gone from the database and from every
page afterwards. Beside them, people whose support has not ended or who were seen recently: untouched."""

import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kakehashi.accounts import policy
from kakehashi.accounts.models import Agency, Site
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.development.attribution import developed_by_source
from kakehashi.development.models import ContactOutcome, DevelopmentContact, Source
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.engine.calendar import fiscal_year_bounds
from kakehashi.ops import jobs
from kakehashi.plans import report
from kakehashi.plans.models import Indicator, Target
from kakehashi.plans.progress import site_progress
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation, Town
from kakehashi.referrals.models import (
    Contribution,
    EventKind,
    FollowUp,
    Outcome,
    Reason,
    Referral,
    ReferralEvent,
    TrialEmployment,
    TrialOutcome,
)
from kakehashi.retention import actions
from kakehashi.retention.actions import PURPOSE, apply_retention
from kakehashi.retention.due import Period, due_seekers, last_activity
from kakehashi.seekers.models import (
    Consent,
    Consultation,
    DesiredOccupation,
    Experience,
    Seeker,
    SeekerStatus,
)
from kakehashi.welfare.figures import programme_figures
from kakehashi.welfare.models import (
    BenefitChange,
    CaseOutcome,
    RequestStatus,
    SupportPlan,
    SupportRequest,
    SupportVisit,
)
from tests.world import World, client_for

D = datetime.date
CANARY = "CANARY"
YEARS = (2015, 2016)


@dataclass
class Past:
    """The past world: the seekers due, those never due however old, and the records to open as pages."""

    due: list[Seeker]
    kept: dict[str, Seeker]
    cases: list[SupportRequest]
    visits: list[EmployerVisit]


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _finished_seeker(world: World, key: str, site: Site, i: int, **kw: Any) -> Seeker:
    """A person registered in April 2015 at ``site``, every identifying and free-text field a canary."""
    town = Town.objects.filter(municipality="倉敷市", name__startswith="玉島").order_by("pk")[i % 3]
    values: dict[str, Any] = {
        "seeker_id": f"S-PAST-{key}", "site": site, "registered_on": D(2015, 4, 1 + i % 20),
        "registered_by": "hello_work", "status": SeekerStatus.EMPLOYED, "name": f"{CANARY}氏名{key}",
        "name_kana": f"{CANARY}かな{key}", "birth_year": 1961 + i, "phone": f"{CANARY}-086-{i:04d}",
        "postal_code": "713-8121", "town": town, "lat": town.lat + 0.001 * (i + 1),
        "lng": town.lng - 0.001 * (i + 1), "desired_hours": f"{CANARY}平日午前", "qualifications": [f"{CANARY}免許"],
        "gap_years": 9, "barriers": f"{CANARY}課題", "note": f"{CANARY}メモ", "max_commute_km": 10.0,
    }
    values.update(kw)
    seeker = Seeker.objects.create(**values)
    press = Occupation.objects.get(code="073")
    DesiredOccupation.objects.create(seeker=seeker, occupation=press, rank=1)
    Experience.objects.create(seeker=seeker, occupation=press, years=3.5)
    Consent.objects.create(seeker=seeker, party="city", given_on=D(2015, 4, 1))
    Consultation.objects.create(seeker=seeker, held_on=D(2015, 5, 1 + i % 20), kind="job", staff=world.hana,
                                agency=world.hana.agency, notes=f"{CANARY}相談{key}")
    return seeker


def _posting(world: World, site: Site, key: str, received: datetime.date, openings: int = 1) -> Posting:
    return Posting.objects.create(posting_id=f"P-PAST-{key}", employer=world.employer, site=site,
                                  received_on=received, occupation_id="073", openings=openings,
                                  postal_code="713-8121", developed=True, title=f"求人{key}")


def _hire(world: World, seeker: Seeker, posting: Posting, key: str, on: datetime.date, *, trial: bool = False,
          welfare: Agency | None = None) -> Referral:
    referred = on - datetime.timedelta(days=20)
    r = Referral.objects.create(referral_id=f"R-PAST-{key}", seeker=seeker, posting=posting, referred_on=referred,
                                outcome=Outcome.HIRED, outcome_on=on, trial_employment=trial, staff=world.hana,
                                employer_note=f"{CANARY}評価{key}")
    ReferralEvent.objects.create(referral=r, kind=EventKind.REFERRED, on=referred, staff=world.hana)
    ReferralEvent.objects.create(referral=r, kind=EventKind.HIRED, on=on, staff=world.hana,
                                 note=f"{CANARY}連絡{key}", at=_aware(on))
    if trial:
        TrialEmployment.objects.create(referral=r, started_on=on, planned_end_on=on + datetime.timedelta(days=91),
                                       outcome=TrialOutcome.CONVERTED, ended_on=on + datetime.timedelta(days=91))
    FollowUp.objects.create(referral=r, milestone=1, checked_on=on + datetime.timedelta(days=31),
                            still_employed=True, same_employer=True, note=f"{CANARY}定着{key}", staff=world.hana)
    FollowUp.objects.create(referral=r, milestone=6, checked_on=on + datetime.timedelta(days=183),
                            still_employed=key.endswith("0"), same_employer=key.endswith("0"),
                            note=f"{CANARY}定着6{key}", staff=world.hana)
    Contribution.objects.create(referral=r, agency=world.hana.agency)
    if welfare is not None:
        Contribution.objects.create(referral=r, agency=welfare)
    return r


def _case(world: World, seeker: Seeker, key: str, *, closed: datetime.date | None,
          benefit: str = BenefitChange.ENDED, outcome: str = CaseOutcome.EMPLOYED) -> SupportRequest:
    welfare = Agency.objects.get(code="tamashima-welfare")
    consent = Consent.objects.create(seeker=seeker, party="hello_work", given_on=D(2015, 4, 10))
    case = SupportRequest.objects.create(
        seeker=seeker, welfare_office=welfare, caseworker=world.fuku, site=seeker.site, requested_on=D(2015, 4, 10),
        needs=f"{CANARY}要請{key}", consent=consent, status=RequestStatus.CLOSED if closed else RequestStatus.ACCEPTED,
        accepted_on=D(2015, 4, 20), accepted_by=world.hana, closed_on=closed,
        outcome=outcome if closed else "", benefit_change=benefit if closed else "",
        closing_note=f"{CANARY}終了{key}" if closed else "")
    SupportPlan.objects.create(request=case, goals=f"{CANARY}目標{key}", steps=f"{CANARY}段取り{key}",
                               visit_schedule=f"{CANARY}毎週火曜", visit_interval_days=7, updated_by=world.hana)
    SupportVisit.objects.create(request=case, on=D(2015, 5, 12), attended=True, note=f"{CANARY}来所{key}",
                                staff=world.hana, agency=world.hana.agency)
    return case


def build_past(world: World) -> Past:
    """FY2015 and FY2016: hires (one a trial, some welfare cases), rejections and declines, developed postings
    (one through an individual job-development visit for a person), targets — and the people never due."""
    welfare = Agency.objects.get(code="tamashima-welfare")
    placements = Indicator.objects.get(key="placements")
    due: list[Seeker] = []
    cases: list[SupportRequest] = []
    visits: list[EmployerVisit] = []
    for s, site in enumerate([world.tamashima, world.mizushima]):
        for fy in YEARS:
            Target.objects.create(site=site, fiscal_year=fy, indicator=placements, target=6)
        for i in range(8):
            key = f"{site.code[:3]}{i}"
            on_welfare = i % 3 == 0
            seeker = _finished_seeker(
                world, key, site, i + 10 * s, status=SeekerStatus.EMPLOYED if i < 6 else SeekerStatus.INACTIVE,
                welfare_recipient=on_welfare, referred_by="welfare_office" if on_welfare else "self",
                referring_agency=welfare if on_welfare else None)
            received = D(2015, 5, 1) + datetime.timedelta(days=40 * i)
            posting = _posting(world, site, key, received, openings=1 + i % 2)
            if i < 6:
                hired = D(2015, 6, 1) + datetime.timedelta(days=70 * i)  # the last one in FY2016
                _hire(world, seeker, posting, key, hired, trial=i == 1, welfare=welfare if on_welfare else None)
            else:
                outcome = Outcome.REJECTED if i == 6 else Outcome.DECLINED
                Referral.objects.create(referral_id=f"R-PAST-{key}", seeker=seeker, posting=posting,
                                        referred_on=received, outcome=outcome, outcome_on=received,
                                        reason=Reason.SKILLS if i == 6 else Reason.COMMUTE, staff=world.naoki,
                                        employer_note=f"{CANARY}不採用{key}")
            if on_welfare:
                cases.append(_case(world, seeker, key, closed=D(2016, 2, 1) if i < 6 else D(2016, 3, 1),
                                   benefit=BenefitChange.ENDED if i == 0 else BenefitChange.REDUCED,
                                   outcome=CaseOutcome.EMPLOYED if i < 6 else CaseOutcome.OTHER))
            if i == 2:  # the navigator's individual job development for this person produced the posting
                visit = EmployerVisit.objects.create(
                    visit_id=f"V-PAST-{key}", employer=world.employer, visited_on=received - datetime.timedelta(days=7),
                    by=VisitParty.HELLO_WORK, staff=world.naoki, for_seeker=seeker, resulting_posting=posting,
                    note=f"{CANARY}開拓メモ{key}", open_to_long_gap=True)
                DevelopmentContact.objects.create(visit=visit, occupation_id="073", area="玉島",
                                                  outcome=ContactOutcome.POSTING)
                visits.append(visit)
            due.append(seeker)

    kept: dict[str, Seeker] = {}
    kept["active"] = _finished_seeker(world, "ACTIVE", world.tamashima, 1, status=SeekerStatus.ACTIVE)
    kept["pending"] = _finished_seeker(world, "PENDING", world.tamashima, 2, status=SeekerStatus.INACTIVE)
    Referral.objects.create(referral_id="R-PAST-PENDING", seeker=kept["pending"],
                            posting=_posting(world, world.tamashima, "PENDING", D(2015, 6, 1)),
                            referred_on=D(2015, 6, 1), employer_note=f"{CANARY}選考中")
    kept["open_case"] = _finished_seeker(world, "OPEN", world.tamashima, 3, status=SeekerStatus.INACTIVE)
    _case(world, kept["open_case"], "OPEN", closed=None)
    kept["trial"] = _finished_seeker(world, "TRIAL", world.tamashima, 4, status=SeekerStatus.EMPLOYED)
    trial = _hire(world, kept["trial"], _posting(world, world.tamashima, "TRIAL", D(2015, 8, 1)), "TRIAL",
                  D(2015, 9, 1), trial=True)
    TrialEmployment.objects.filter(referral=trial).update(outcome=TrialOutcome.ONGOING, ended_on=None)
    # every person's own record last changed in the past year it belongs to
    Seeker.objects.filter(seeker_id__startswith="S-PAST-").update(updated_at=_aware(D(2016, 3, 31)))
    return Past(due=due, kept=kept, cases=cases, visits=visits)


@pytest.fixture
def past(world: World) -> Past:
    return build_past(world)


# --- helpers ------------------------------------------------------------------------------------------------

def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model the table covers, every column."""
    return {label: list(apps.get_model(label)._default_manager.order_by("pk").values())
            for label in policy.RETENTION}


def canaries() -> list[str]:
    """Where a canary is still stored: every text and JSON column of every model, the audit log's included."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, models.CharField | models.TextField | models.JSONField):
                text = Cast(f.name, output_field=models.TextField())
                if model._default_manager.annotate(as_text=text).filter(as_text__contains=CANARY).exists():
                    found.append(f"{model._meta.label}.{f.name}")
    return found


@pytest.fixture
def frozen_report_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's 作成 time, the one thing in it that is not a figure."""
    at = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=9)))
    monkeypatch.setattr(report, "timezone", SimpleNamespace(localtime=lambda *a: at, localdate=timezone.localdate))


def figures(world: World) -> dict[str, Any]:
    """What the council and the programme see of the past years: the report in its forms, the CLI's JSON, the
    programme's figures and the sources of developed postings, at both sites."""
    out: dict[str, Any] = {"programme": programme_figures(YEARS),
                           "programme_by_site": [programme_figures(YEARS, [s.pk])
                                                 for s in (world.tamashima, world.mizushima)]}
    for site in (world.tamashima, world.mizushima):
        for fy in YEARS:
            start, end = fiscal_year_bounds(fy)
            sp = site_progress(site, fy, end)
            book = load_workbook(io.BytesIO(report.render_xlsx(sp)))
            cli = io.StringIO()
            call_command("report", "progress", "--site", site.code, "--fiscal-year", str(fy), stdout=cli)
            out[f"{site.code}-{fy}"] = {
                "json": report.render_json(sp), "html": report.render_html(sp), "cli": cli.getvalue(),
                "xlsx": {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book},
                "sources": developed_by_source(site, start, end),
            }
    return out


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", "apply", *args, stdout=out)
    return out.getvalue()


# --- the figures ----------------------------------------------------------------------------------------------

def test_the_past_years_figures_are_the_same_after_anonymising_everyone_in_them(
        world: World, past: Past, frozen_report_time: None) -> None:
    before = figures(world)
    # the world is what it should be, so that "the same" means something
    tama = before["tamashima-2015"]
    figures_2015 = json.loads(tama["json"])
    assert figures_2015["indicators"]["placements"] == {"target": 6, "actual": 6, "prior_target": None,
                                                        "prior_actual": 0}
    assert json.loads(before["tamashima-2016"]["json"])["indicators"]["placements"]["actual"] == 1
    assert "tamashima-welfare" in {p["agency"] for p in figures_2015["placements_by_party"]["by_party"]}
    assert figures_2015["retention"]["1"]["checked"] == 5 and figures_2015["retention"]["6"]["checked"] == 3
    fy2015 = before["programme"][0]
    assert (fy2015.requests, fy2015.employed, fy2015.benefit_ended, fy2015.benefit_reduced) == (7, 4, 2, 4)
    assert [s.postings for s in tama["sources"] if s.source == Source.INDIVIDUAL] == [1]
    assert CANARY in "".join(str(v) for v in snapshot()["seekers.Seeker"])

    result = apply_retention()
    assert result.anonymised == len(past.due) == 16

    assert figures(world) == before


# --- who is anonymised, and what becomes of them ----------------------------------------------------------------

def test_the_people_past_retention_keep_no_canary_anywhere_and_the_others_are_untouched(
        world: World, past: Past) -> None:
    kept_ids = [s.pk for s in past.kept.values()] + [s.pk for s in world.seekers.values()]
    kept_before = {label: [r for r in rows if _seeker_of(label, r) in kept_ids] for label, rows in snapshot().items()}

    run()

    assert set(Seeker.objects.filter(anonymised_on=timezone.localdate()).values_list("pk", flat=True)) == \
        {s.pk for s in past.due}
    kept_after = {label: [r for r in rows if _seeker_of(label, r) in kept_ids] for label, rows in snapshot().items()}
    assert kept_after == kept_before
    assert canaries()  # those of the people still in support
    for s in Seeker.objects.filter(pk__in=[x.pk for x in past.due]):
        assert (s.name, s.name_kana, s.phone, s.postal_code, s.note, s.barriers, s.desired_hours,
                s.qualifications) == ("", "", "", "", "", "", "", [])
    for label, rows in snapshot().items():
        for r in rows:
            if _seeker_of(label, r) in {s.pk for s in past.due}:
                assert CANARY not in str(r), f"{label} {r['id']}"


def _seeker_of(label: str, row: dict[str, Any]) -> int | None:
    """The seeker a snapshot row belongs to."""
    if label == "seekers.Seeker":
        return int(row["id"])
    if "seeker_id" in row:
        return row["seeker_id"]
    if label == "employers.EmployerVisit":
        return row["for_seeker_id"]
    if "referral_id" in row:
        return Referral.objects.filter(pk=row["referral_id"]).values_list("seeker_id", flat=True).first()
    if "request_id" in row:
        return SupportRequest.objects.filter(pk=row["request_id"]).values_list("seeker_id", flat=True).first()
    if label == "development.DevelopmentContact":
        return EmployerVisit.objects.filter(pk=row["visit_id"]).values_list("for_seeker_id", flat=True).first()
    raise AssertionError(label)


def test_the_database_keeps_no_canary_once_no_one_is_in_support(world: World, past: Past) -> None:
    """With the people still in support taken out, nothing of any anonymised person's canaries is stored
    anywhere — including the audit rows the run wrote."""
    for s in past.kept.values():
        Referral.objects.filter(seeker=s).update(outcome=Outcome.REJECTED, outcome_on=D(2015, 7, 1),
                                                 reason=Reason.SKILLS)
        SupportRequest.objects.filter(seeker=s).update(status=RequestStatus.CLOSED, closed_on=D(2015, 12, 1))
        TrialEmployment.objects.filter(referral__seeker=s).update(outcome=TrialOutcome.CONVERTED,
                                                                  ended_on=D(2015, 12, 1))
    Seeker.objects.filter(pk__in=[s.pk for s in past.kept.values()]).update(status=SeekerStatus.INACTIVE,
                                                                             updated_at=_aware(D(2016, 3, 31)))
    assert canaries()
    run()
    assert canaries() == []


def test_coarsened_values_keep_the_decade_and_the_town(world: World, past: Past) -> None:
    seeker = past.due[0]
    town = seeker.town
    assert town is not None and seeker.birth_year == 1961 and seeker.lat != town.lat
    run()
    seeker.refresh_from_db()
    assert (seeker.birth_year, seeker.town_id, seeker.lat, seeker.lng) == (1960, town.pk, town.lat, town.lng)
    assert seeker.age_on(D(2026, 1, 1)) is None
    kept = ("seeker_id", "site_id", "registered_on", "status", "welfare_recipient", "referring_agency_id",
            "gap_years", "max_commute_km")
    other = Seeker.objects.get(pk=past.due[3].pk)
    assert other.welfare_recipient and other.referring_agency_id is not None
    assert all(getattr(other, f) not in (None, "") for f in kept)


@pytest.mark.parametrize("recent", [
    "consultation", "consent_withdrawn", "referral_outcome", "referral_event", "follow_up", "case_closed",
    "case_visit", "development_visit", "record_changed", "none"])
def test_any_activity_within_the_period_keeps_a_person(world: World, recent: str) -> None:
    """A person last seen less than the period ago is not due, whatever the activity; with none, they are."""
    as_of = timezone.localdate()
    within = as_of - datetime.timedelta(days=365)
    seeker = _finished_seeker(world, "X", world.tamashima, 0, status=SeekerStatus.INACTIVE)
    posting = _posting(world, world.tamashima, "X", D(2015, 5, 1))
    referral = _hire(world, seeker, posting, "X", D(2015, 6, 1))
    case = _case(world, seeker, "X", closed=D(2016, 2, 1))
    visit = EmployerVisit.objects.create(visit_id="V-X", employer=world.employer, visited_on=D(2015, 5, 1),
                                         by=VisitParty.HELLO_WORK, for_seeker=seeker)
    Seeker.objects.filter(pk=seeker.pk).update(updated_at=_aware(D(2016, 3, 31)))
    change = {
        "consultation": lambda: Consultation.objects.create(seeker=seeker, held_on=within, kind="job"),
        "consent_withdrawn": lambda: Consent.objects.filter(seeker=seeker).update(withdrawn_on=within),
        "referral_outcome": lambda: Referral.objects.filter(pk=referral.pk).update(outcome_on=within),
        "referral_event": lambda: ReferralEvent.objects.create(referral=referral, kind=EventKind.FOLLOW_UP,
                                                               on=within),
        "follow_up": lambda: FollowUp.objects.filter(referral=referral, milestone=6).update(checked_on=within),
        "case_closed": lambda: SupportRequest.objects.filter(pk=case.pk).update(closed_on=within),
        "case_visit": lambda: SupportVisit.objects.create(request=case, on=within, attended=False),
        "development_visit": lambda: EmployerVisit.objects.filter(pk=visit.pk).update(visited_on=within),
        "record_changed": lambda: Seeker.objects.filter(pk=seeker.pk).update(updated_at=_aware(within)),
        "none": lambda: None,
    }
    change[recent]()
    due = due_seekers(Period.on(as_of).cutoff)
    assert due.filter(pk=seeker.pk).exists() == (recent == "none")
    expected_last = within if recent != "none" else D(2016, 3, 31)
    assert last_activity([seeker.pk])[seeker.pk] == expected_last


def test_the_period_is_counted_in_whole_years_from_the_last_activity(world: World, past: Past) -> None:
    seeker = past.due[5]  # hired in FY2016; a six-month follow-up after that is the last activity
    last = last_activity([seeker.pk])[seeker.pk]
    assert last == D(2016, 5, 16) + datetime.timedelta(days=183)
    fifth_anniversary = last.replace(year=last.year + 5)
    assert not due_seekers(Period(5, fifth_anniversary - datetime.timedelta(days=1)).cutoff).filter(
        pk=seeker.pk).exists()
    assert due_seekers(Period(5, fifth_anniversary).cutoff).filter(pk=seeker.pk).exists()
    assert due_seekers(Period(3, last.replace(year=last.year + 3)).cutoff).filter(pk=seeker.pk).exists()


# --- runs: idempotent, dry, batched, audited ---------------------------------------------------------------

def test_a_second_run_changes_nothing_and_writes_no_audit_row(world: World, past: Past) -> None:
    first = run()
    assert "匿名化しました：16人" in first and "職業紹介" in first
    before, rows = snapshot(), AuditEvent.objects.count()
    second = run()
    assert "保存期間を過ぎた求職者はいません。" in second
    assert snapshot() == before and AuditEvent.objects.count() == rows


def test_a_dry_run_changes_nothing_and_says_who_and_what(world: World, past: Past) -> None:
    before = snapshot()
    out = run("--dry-run")
    assert snapshot() == before
    assert "匿名化の対象：16人（--dry-run のため何も変更していません）" in out
    tam2 = next(x for x in past.due if x.seeker_id == "S-PAST-tam2")
    last = last_activity([tam2.pk])[tam2.pk]
    assert f"S-PAST-tam2　最後の記録 {last.year}年{last.month}月{last.day}日" in out
    assert "S-PAST-ACTIVE" not in out and "S-PAST-PENDING" not in out and CANARY not in out
    assert "変更される記録：求職者 16件、相談 16件、職業紹介 16件" in out
    # what the dry run showed is a read of those persons' records, and audited as such
    event = AuditEvent.objects.get(purpose="保存期間経過による匿名化の確認")
    assert event.action == Action.VIEW
    assert set(event.persons.values_list("seeker_id", flat=True)) == {s.pk for s in past.due}
    # and a dry run with a future date says who will be due then, still changing nothing
    later = run("--dry-run", "--as-of", (timezone.localdate() + datetime.timedelta(days=3650)).isoformat())
    assert "S-PAST-ACTIVE" not in later and "S-CITY-1" not in later  # active, or seen within the period
    assert snapshot() == before


def test_the_audit_row_names_each_person_and_no_name(world: World, past: Past) -> None:
    run()
    (event,) = AuditEvent.objects.filter(purpose=PURPOSE)
    ids = sorted(s.pk for s in past.due)
    assert event.action == Action.UPDATE and event.model == "seekers.Seeker" and event.staff is None
    assert sorted(int(i) for i in event.object_ids) == ids
    assert sorted(event.persons.values_list("seeker_id", flat=True)) == ids
    assert CANARY not in str(event.detail) and event.detail["retention_years"] == 5
    assert event.detail["records"]["seekers.Consultation"] == 16


def test_each_batch_is_all_or_nothing_and_the_next_run_finishes(world: World, past: Past,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    real = actions.record
    calls = []

    def failing_second(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the disk filled up")
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "record", failing_second)
    before = snapshot()
    with pytest.raises(RuntimeError):
        apply_retention(batch=5)
    done = set(Seeker.objects.filter(anonymised_on__isnull=False).values_list("pk", flat=True))
    assert len(done) == 5  # the first batch only
    untouched = {label: [r for r in rows if _seeker_of(label, r) not in done] for label, rows in before.items()}
    assert {label: [r for r in rows if _seeker_of(label, r) not in done]
            for label, rows in snapshot().items()} == untouched
    monkeypatch.setattr(actions, "record", real)
    assert apply_retention(batch=5).anonymised == 11
    assert AuditEvent.objects.filter(purpose=PURPOSE).count() == 1 + 3


def test_someone_reopened_after_being_found_is_left_as_they_are(world: World, past: Past,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    reopened = past.due[0]
    real = actions.due_seekers
    found: list[int] = []

    def reopen_after_finding(cutoff: datetime.date) -> Any:
        if not found:
            found.append(1)
            ids = list(real(cutoff).values_list("pk", flat=True))
            Seeker.objects.filter(pk=reopened.pk).update(status=SeekerStatus.ACTIVE)
            return Seeker.objects.filter(pk__in=ids)
        return real(cutoff)

    monkeypatch.setattr(actions, "due_seekers", reopen_after_finding)
    result = apply_retention()
    assert (result.due, result.anonymised) == (16, 15)
    reopened.refresh_from_db()
    assert reopened.anonymised_on is None and reopened.name.startswith(CANARY)


# --- the command's input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "message"), [
    ("2026-13-01", "--as-of："), ("あした", "--as-of："), ("0226-04-01", "1990年1月1日より前の基準日は指定できません"),
])
def test_a_bad_date_is_refused_in_japanese_and_changes_nothing(world: World, past: Past, given: str,
                                                               message: str) -> None:
    before = snapshot()
    with pytest.raises(CommandError, match=message):
        run("--as-of", given)
    assert snapshot() == before


def test_a_future_date_is_only_for_a_dry_run(world: World, past: Past) -> None:
    before = snapshot()
    future = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="未来の基準日.*--dry-run のときだけ"):
        run("--as-of", future)
    assert snapshot() == before


def test_a_past_date_in_japanese_era_applies_the_rule_as_of_then(world: World, past: Past) -> None:
    """令和3年4月1日 is 2021-04-01: those last seen by 2016-04-01 were due then, those seen later not yet."""
    last = last_activity([s.pk for s in past.due])
    then = {pk for pk, day in last.items() if day <= D(2016, 4, 1)}
    assert then and then != set(last)
    out = run("--as-of", "令和3年4月1日")
    assert "基準日 2021年4月1日：最後の記録が2016年4月1日以前" in out
    assert set(Seeker.objects.filter(anonymised_on__isnull=False).values_list("pk", flat=True)) == then


# --- where people look -----------------------------------------------------------------------------------------

def _pages(past: Past, seeker: Seeker) -> Iterator[str]:
    yield reverse("seekers:detail", args=[seeker.pk])
    for r in Referral.objects.filter(seeker=seeker):
        yield reverse("referrals:detail", args=[r.pk])
    for c in SupportRequest.objects.filter(seeker=seeker):
        yield reverse("welfare:detail", args=[c.pk])
    for v in EmployerVisit.objects.filter(for_seeker=seeker):
        yield reverse("employers:detail", args=[v.employer_id])


@pytest.mark.parametrize("key", ["tam0", "tam2"])  # a welfare case; an individual job-development visit
def test_pages_show_anonymised_people_without_their_data(world: World, past: Past, key: str) -> None:
    hw = client_for("naoki")  # Hello Work's navigator: the person's holder, and the one who visited for them
    seeker = Seeker.objects.get(seeker_id=f"S-PAST-{key}")
    pages = list(_pages(past, seeker))
    assert len(pages) == 3
    for url in pages:
        assert CANARY in hw.get(url).content.decode(), url  # before: shown, so the check below can fail
    name = seeker.name
    assert seeker.seeker_id in hw.get(reverse("seekers:list") + f"?q={name}").content.decode()

    run()

    for url in pages:
        response = hw.get(url)
        assert response.status_code == 200, url
        assert CANARY not in response.content.decode(), url
    page = hw.get(reverse("seekers:detail", args=[seeker.pk])).content.decode()
    assert "匿名化済み" in page and "1960年代生まれ" in page and seeker.seeker_id in page
    assert seeker.seeker_id not in hw.get(reverse("seekers:list") + f"?q={name}").content.decode()
    assert "匿名化済み" in hw.get(reverse("seekers:list") + f"?q={seeker.seeker_id}").content.decode()


# --- the scheduled job -----------------------------------------------------------------------------------------

def test_the_daily_job_runs_it_and_a_second_day_finds_nothing(world: World, past: Past) -> None:
    job = jobs.JOBS["retention"]
    assert job.unavailable() == ""
    first = jobs.run_job(job, day=timezone.localdate())
    assert first is not None and first.ok, first.error if first else None
    assert Seeker.objects.filter(anonymised_on__isnull=False).count() == 16
    assert first.counts["anonymised"] == 16 and first.counts["records"]["seekers.Seeker"] == 16
    before = snapshot()
    second = jobs.run_job(job, day=timezone.localdate())
    assert second is not None and second.ok and snapshot() == before
