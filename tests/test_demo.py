"""The demo year: reproducible, shaped like the seed's figures, in real Kurashiki towns, plainly fictional, with
the seed's success case told from the welfare office's request to the trial hire."""

import datetime
import hashlib
import io
import math
import sys

import pytest
from django.contrib.auth import authenticate
from django.core import management
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from kakehashi import cli
from kakehashi.accounts.models import Agency, AgencyKind, Role, Site, Staff
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.demo import fiction
from kakehashi.demo.generator import (
    DEMO_PASSWORD,
    PURPOSE,
    SUCCESS_SEEKER_ID,
    Plan,
    demo_users,
    generate,
    remove_demo_data,
)
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.governance.models import Agreement
from kakehashi.plans.models import Target
from kakehashi.plans.progress import site_progress
from kakehashi.postings.models import Posting
from kakehashi.reference.places import TownIndex
from kakehashi.referrals.models import (
    EventKind,
    Outcome,
    Referral,
    ReferralEvent,
    TrialEmployment,
    TrialOutcome,
)
from kakehashi.seekers.models import Consultation, Seeker
from kakehashi.welfare.models import CaseOutcome, RequestStatus, SupportRequest, SupportVisit
from tests.world import World

AS_OF = datetime.date(2026, 11, 27)
FY = 2026
SMALL = 0.1


def make(scale: float = SMALL) -> Plan:
    plan = Plan(fiscal_year=FY, as_of=AS_OF, scale=scale)
    generate(plan)
    return plan


def snapshot() -> dict[str, object]:
    """What two runs must agree on: counts, a digest of every record's business fields, the success case."""
    digest = hashlib.sha256()
    for row in Seeker.objects.order_by("seeker_id").values_list(
            "seeker_id", "name", "registered_on", "postal_code", "town__name", "birth_year", "status"):
        digest.update(repr(row).encode())
    for posting in Posting.objects.order_by("posting_id").values_list(
            "posting_id", "employer__employer_id", "occupation_id", "openings", "received_on", "developed"):
        digest.update(repr(posting).encode())
    for referral in Referral.objects.order_by("referral_id").values_list(
            "referral_id", "seeker__seeker_id", "posting__posting_id", "referred_on", "outcome", "outcome_on"):
        digest.update(repr(referral).encode())
    story = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    return {
        "counts": [m.objects.count() for m in (Seeker, Employer, Posting, EmployerVisit, Referral, Consultation,
                                               ReferralEvent, TrialEmployment, SupportRequest, SupportVisit)],
        "digest": digest.hexdigest(),
        "story": (story.name, story.registered_on, story.postal_code, story.lat, story.lng,
                  list(story.referrals.order_by("referral_id").values_list("referral_id", "referred_on", "outcome",
                                                                           "outcome_on", "trial_employment"))),
    }


def distance_km(a_lat: float | None, a_lng: float | None, b_lat: float | None, b_lng: float | None) -> float:
    assert a_lat is not None and a_lng is not None and b_lat is not None and b_lng is not None
    dy = (a_lat - b_lat) * 111.0
    dx = (a_lng - b_lng) * 111.0 * math.cos(math.radians(a_lat))
    return math.hypot(dx, dy)


@pytest.mark.django_db
def test_the_same_options_give_the_same_demo_year() -> None:
    make()
    first = snapshot()
    call_command("demo_data", "--replace", "--scale", str(SMALL), "--as-of", AS_OF.isoformat(),
                 stdout=io.StringIO())
    assert snapshot() == first


@pytest.mark.django_db
def test_removing_the_demo_leaves_no_demo_record() -> None:
    make(0.05)
    remove_demo_data()
    for model in (Seeker, Employer, Posting, EmployerVisit, Referral, SupportRequest):
        assert not model.objects.exists()


def test_the_demo_is_never_mixed_into_a_database_with_real_records(world: World) -> None:
    before = Seeker.objects.count()
    with pytest.raises(CommandError, match="空のデータベース"):
        call_command("demo_data", "--scale", "0.05", "--as-of", AS_OF.isoformat(), stdout=io.StringIO())
    assert Seeker.objects.count() == before
    assert not Staff.objects.filter(username="hw_navigator").exists()


@pytest.mark.django_db
def test_if_empty_does_nothing_when_the_demo_is_already_there() -> None:
    args = ["demo_data", "--if-empty", "--scale", str(SMALL), "--as-of", AS_OF.isoformat()]
    call_command(*args, stdout=io.StringIO())
    counts = (Seeker.objects.count(), Referral.objects.count(), Staff.objects.count(), AuditEvent.objects.count())
    out = io.StringIO()
    call_command(*args, stdout=out)
    assert (Seeker.objects.count(), Referral.objects.count(), Staff.objects.count(),
            AuditEvent.objects.count()) == counts
    assert "作りません" in out.getvalue()


@pytest.mark.django_db
def test_without_if_empty_a_second_run_is_refused_in_japanese_and_changes_nothing() -> None:
    make(0.05)
    counts = (Seeker.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match="登録済み"):
        call_command("demo_data", "--scale", "0.05", "--as-of", AS_OF.isoformat(), stdout=io.StringIO())
    assert (Seeker.objects.count(), AuditEvent.objects.count()) == counts


@pytest.mark.django_db
def test_an_as_of_date_outside_the_fiscal_year_is_refused_in_japanese() -> None:
    with pytest.raises(CommandError, match="基準日"):
        call_command("demo_data", "--fiscal-year", "令和7年度", "--as-of", "2026-11-27", stdout=io.StringIO())
    assert not Seeker.objects.exists()


@pytest.mark.django_db
def test_tamashima_keeps_the_seeds_proportions() -> None:
    make()
    progress = site_progress(Site.objects.get(code="tamashima"), FY, AS_OF)
    rows = {r.key: r for r in progress.rows}
    prior = {k: rows[k].prior_actual or 0 for k in rows}
    # FY2012 at Tamashima: 636 placements of 3,445 referrals; 1,317 positions in 728 developed postings.
    assert prior["placements"] / prior["referrals"] == pytest.approx(636 / 3445, abs=0.03)
    assert prior["developed_openings"] / prior["developed_postings"] == pytest.approx(1317 / 728, abs=0.25)
    assert prior["referrals"] == pytest.approx(3445 * SMALL, rel=0.1)
    # The current year runs to the end of November: about eight months of twelve.
    current = {k: rows[k].actual or 0 for k in rows}
    assert current["referrals"] / prior["referrals"] == pytest.approx(8 / 12, abs=0.1)
    assert current["developed_openings"] / current["developed_postings"] == pytest.approx(1.8, abs=0.35)
    targets = dict(Target.objects.filter(site__code="tamashima", indicator__key="developed_openings")
                   .values_list("fiscal_year", "target"))
    assert targets == {FY - 1: round(1100 * SMALL), FY: round(1200 * SMALL)}


@pytest.mark.django_db
def test_mizushima_is_a_smaller_desk_for_welfare_recipients() -> None:
    make()
    tamashima = Seeker.objects.filter(site__code="tamashima")
    mizushima = Seeker.objects.filter(site__code="mizushima")
    assert 0 < mizushima.count() < tamashima.count() / 5
    assert mizushima.filter(welfare_recipient=True, referred_by="welfare_office",
                            referring_agency__code="mizushima-welfare").count() > mizushima.count() * 0.6


@pytest.mark.django_db
def test_the_success_case_runs_from_the_welfare_office_to_a_trial_hire() -> None:
    make(0.05)
    her = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    assert her.welfare_recipient and her.referred_by == "welfare_office"
    assert her.referring_agency is not None and her.referring_agency.code == "tamashima-welfare"
    assert her.gap_years == 10 and 50 <= (her.age_on(AS_OF) or 0) < 60
    assert her.experiences.filter(occupation_id="073").exists()  # garment finishing: 衣服・繊維製品の加工
    assert {c.agency.kind for c in her.consultations.all() if c.agency} >= {AgencyKind.CITY, AgencyKind.HELLO_WORK}
    assert her.consents.standing(AS_OF).filter(party="hello_work", purpose="share").exists()

    visit = EmployerVisit.objects.get(for_seeker=her)
    assert visit.staff is not None
    assert (visit.by, visit.method, visit.staff.role) == ("hello_work", "visit", "navigator")
    posting = visit.resulting_posting
    assert posting is not None and posting.developed and posting.trial_employment_ok
    assert posting.employer == visit.employer and "縫製" in posting.employer.name
    assert distance_km(her.lat, her.lng, posting.lat, posting.lng) < 3
    hire = her.referrals.get(outcome=Outcome.HIRED)
    assert hire.posting == posting and hire.trial_employment and hire.outcome_on is not None
    assert visit.visited_on <= posting.received_on <= hire.referred_on < hire.outcome_on <= AS_OF
    assert her.status == "employed"
    # The trial became regular employment; the welfare office's request was taken on and closed on the hire.
    trial = TrialEmployment.objects.get(referral=hire)
    assert trial.started_on == hire.outcome_on and trial.outcome == TrialOutcome.CONVERTED
    assert set(hire.contributions.values_list("agency__code", flat=True)) == {"hw-kurashiki-chuo",
                                                                              "tamashima-welfare"}
    case = SupportRequest.objects.get(seeker=her)
    assert case.welfare_office.code == "tamashima-welfare" and case.consent.party == "hello_work"
    assert (case.status, case.outcome) == (RequestStatus.CLOSED, CaseOutcome.EMPLOYED)
    assert case.visits.filter(attended=True).exists() and case.plan.visit_interval_days == 7
    kinds = list(hire.events.order_by("on", "id").values_list("kind", flat=True))
    assert kinds[0] == EventKind.REFERRED and EventKind.TRIAL_STARTED in kinds
    assert EventKind.TRIAL_CONVERTED in kinds
    # Hello Work sees her with her consent, her caseworker because his office referred her; the Center does not.
    for username, sees in (("hw_navigator", True), ("welfare_caseworker", True), ("center_promoter", False)):
        user = Staff.objects.get(username=username)
        assert Seeker.objects.visible_to(user).filter(pk=her.pk).exists() is sees


@pytest.mark.django_db
def test_the_success_case_tells_one_story_from_her_weekly_visits_to_the_regular_job() -> None:
    make(0.05)
    her = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    # The seed: "同職種で１０年近いブランク" — nearly ten years, and every note that mentions the gap agrees.
    case = SupportRequest.objects.get(seeker=her)
    development = EmployerVisit.objects.get(for_seeker=her)
    for text in (her.barriers, case.needs, development.note):
        assert "10年近い" in text and "約9年" not in text
    hire = her.referrals.get(outcome=Outcome.HIRED)
    trial = TrialEmployment.objects.get(referral=hire)
    assert hire.outcome_on is not None and case.accepted_on is not None and case.closed_on is not None
    # Her plan's weekly visits run from the week after the request was taken on until she starts work: every
    # month in between has its visits, none falls in the trial, and she came to every one.
    visits = list(case.visits.order_by("on"))
    assert visits and all(case.accepted_on < v.on < trial.started_on for v in visits)
    assert all(v.attended and v.on.weekday() in (2, 3) for v in visits)  # Wednesdays; Thursday after a holiday
    assert all(5 <= (b.on - a.on).days <= 9 for a, b in zip(visits, visits[1:], strict=False))
    assert (visits[0].on - case.accepted_on).days <= 14 and (trial.started_on - visits[-1].on).days <= 14
    assert {v.on.month for v in visits} >= set(range(case.accepted_on.month + 1, trial.started_on.month))
    # An interview practice follows each referral, in the week it was made.
    for referral in her.referrals.all():
        assert any(0 <= (v.on - referral.referred_on).days < 7 and "面接の練習" in v.note for v in visits)
    # The employers that turned her down did so over the gap; the sewing company kept her on: the retention
    # checks find her in the job and the case closed when the trial became regular employment.
    for turned_down in her.referrals.filter(outcome=Outcome.REJECTED):
        assert "離職期間" in turned_down.employer_note
    assert "トライアル雇用" in hire.employer_note
    assert not hire.follow_ups.filter(still_employed=False).exists()
    assert trial.ended_on == case.closed_on and trial.ended_on is not None and trial.ended_on <= AS_OF
    assert not hire.events.filter(kind__in=[EventKind.TRIAL_ENDED, EventKind.TRIAL_ENDED_EARLY]).exists()


@pytest.mark.django_db
def test_every_address_lies_in_a_real_kurashiki_town() -> None:
    make(0.05)
    index = TownIndex()
    for model in (Seeker, Employer, Posting):
        for postal_code, town_id, town_city, lat, lng, town_lat, town_lng in model.objects.values_list(
                "postal_code", "town_id", "town__municipality", "lat", "lng", "town__lat", "town__lng"):
            place = index.locate(postal_code)
            assert place is not None and place.town is not None and place.town.pk == town_id
            assert town_city == "倉敷市"
            assert distance_km(lat, lng, town_lat, town_lng) < 0.5
    tamashima = Seeker.objects.filter(site__code="tamashima")
    assert tamashima.filter(town__area="玉島").count() > tamashima.count() * 0.6
    assert tamashima.exclude(town__area="玉島").exists()


@pytest.mark.django_db
def test_every_person_and_firm_is_plainly_fictional() -> None:
    make(0.05)
    family = tuple(f for f, _kana in fiction.FAMILY_NAMES)
    assert all(name.startswith(family) for name in Seeker.objects.values_list("name", flat=True))
    assert all(name.endswith("（架空）") for name in Employer.objects.values_list("name", flat=True))
    assert Employer.objects.values("name").distinct().count() == Employer.objects.count()


@pytest.mark.django_db
def test_nothing_happens_after_the_as_of_date_and_outcomes_follow_referrals() -> None:
    make(0.05)
    assert not Seeker.objects.filter(registered_on__gt=AS_OF).exists()
    assert not Posting.objects.filter(received_on__gt=AS_OF).exists()
    assert not EmployerVisit.objects.filter(visited_on__gt=AS_OF).exists()
    assert not Consultation.objects.filter(held_on__gt=AS_OF).exists()
    assert not Referral.objects.filter(referred_on__gt=AS_OF).exists()
    assert not Referral.objects.filter(outcome_on__gt=AS_OF).exists()
    assert Referral.objects.filter(outcome=Outcome.PENDING).exists()
    assert not Referral.objects.filter(outcome=Outcome.PENDING, outcome_on__isnull=False).exists()
    assert not Referral.objects.exclude(outcome=Outcome.PENDING).filter(outcome_on__isnull=True).exists()
    for referral in Referral.objects.select_related("posting"):
        # The rules a referral recorded in the UI must keep (a rejection or withdrawal carries its reason).
        assert referral.clean_outcome() == []
        assert referral.posting.received_on <= referral.referred_on
    assert not ReferralEvent.objects.filter(at__date__gt=AS_OF).exists()
    assert not SupportVisit.objects.filter(on__gt=AS_OF).exists()
    assert not TrialEmployment.objects.filter(ended_on__gt=AS_OF).exists()
    developed = Posting.objects.filter(developed=True)
    assert developed.count() == EmployerVisit.objects.filter(resulting_posting__isnull=False).count()
    assert Referral.objects.filter(outcome=Outcome.HIRED, trial_employment=True).count() > 1


@pytest.mark.django_db
def test_welfare_recipients_come_with_the_welfare_offices_support_requests() -> None:
    make()
    referred = Seeker.objects.filter(referred_by="welfare_office")
    cases = SupportRequest.objects.filter(seeker__in=referred)
    assert cases.count() > referred.count() * 0.8
    assert not SupportRequest.objects.exclude(seeker__in=referred).exists()
    for case in cases.select_related("seeker", "consent"):
        assert case.welfare_office_id == case.seeker.referring_agency_id
        assert case.consent.seeker_id == case.seeker_id and case.consent.given_on <= case.requested_on
    assert cases.filter(status=RequestStatus.CLOSED, outcome=CaseOutcome.EMPLOYED).exists()
    assert cases.filter(status=RequestStatus.ACCEPTED).exists()
    # The agreement and its request log are loaded alongside.
    assert Agreement.objects.exists()


@pytest.mark.django_db
def test_the_load_is_audited_once_per_model_not_once_per_record() -> None:
    make(0.05)
    rows = AuditEvent.objects.filter(action=Action.IMPORT, purpose=PURPOSE)
    labels = list(rows.values_list("model", flat=True))
    assert len(labels) == len(set(labels))
    assert {"seekers.Seeker", "referrals.Referral", "employers.EmployerVisit", "plans.Target"} <= set(labels)
    seekers = rows.get(model="seekers.Seeker")
    assert seekers.detail["count"] == Seeker.objects.count()


def test_the_kakehashi_command_accepts_hyphenated_command_names(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(management, "execute_from_command_line", seen.append)
    for typed in (["kakehashi", "demo-data", "--if-empty"], ["kakehashi", "demo-logins"], ["kakehashi", "migrate"]):
        monkeypatch.setattr(sys, "argv", typed)
        cli.main()
    assert seen == [["kakehashi", "demo_data", "--if-empty"], ["kakehashi", "demo_logins"], ["kakehashi", "migrate"]]


@pytest.mark.django_db
def test_demo_logins_prints_one_working_login_per_role_and_the_story() -> None:
    make(0.05)
    buffer = io.StringIO()
    call_command("demo_logins", stdout=buffer)
    out = buffer.getvalue()
    for username in (u.username for u in demo_users()):
        assert username in out
        # the sign-in's lockout (django-axes) checks every authentication against the request it came with
        signing_in = RequestFactory().post("/login/")
        assert authenticate(signing_in, username=username, password=DEMO_PASSWORD) is not None
    assert DEMO_PASSWORD in out and SUCCESS_SEEKER_ID in out
    staff = Staff.objects.select_related("agency")
    assert {u.role for u in staff} == set(Role.values)
    assert {u.agency.code for u in staff if u.agency} == set(Agency.objects.values_list("code", flat=True))


@pytest.mark.django_db
def test_demo_logins_without_the_demo_says_what_to_run() -> None:
    with pytest.raises(CommandError, match="demo-data"):
        call_command("demo_logins", stdout=io.StringIO())
