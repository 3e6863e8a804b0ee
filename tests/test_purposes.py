"""Audit purposes are stored in Japanese whatever language the user works in: every action of every app is
performed once in Japanese and once in English, and the rows they leave must be the same, with Japanese
purposes. A new action that no scenario here performs fails the test."""

import datetime
import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from kakehashi.accounts.models import Agency
from kakehashi.audit.log import AccessDenied
from kakehashi.audit.models import AuditEvent, AuditHead
from kakehashi.development.actions import ContactInput
from kakehashi.development.models import ContactOutcome
from kakehashi.employers.models import Employer, VisitMethod
from kakehashi.governance.models import RequestStatus
from kakehashi.governance.seed import load_agreement
from kakehashi.plans.models import Indicator
from kakehashi.postings.models import Posting
from kakehashi.referrals import views as referral_views
from kakehashi.referrals.models import Referral, ReferralSettings, TrialEmployment, TrialOutcome
from kakehashi.seekers.models import Consent, Consultation, Seeker
from kakehashi.welfare import views as welfare_views
from kakehashi.welfare.actions import do_file_support_request
from kakehashi.welfare.models import BenefitChange, CaseOutcome
from tests.world import World

MODULES = ["seekers", "referrals", "welfare", "development", "governance", "plans", "core", "terminal"]
TODAY = timezone.localdate()


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def actions_of(app: str) -> dict[str, Callable[..., Any]]:
    """The actions an app's actions.py defines: its ``do_*`` functions and any other public function that is
    a transaction of its own (``plans.actions.set_targets``)."""
    module = importlib.import_module(f"kakehashi.{app}.actions")
    return {name: fn for name, fn in vars(module).items()
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")
            and (name.startswith("do_") or hasattr(fn, "__wrapped__"))}


def watch_every_action(monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], set[str]]:
    """Replace each action by one that notes its call; returns (every action, the ones called so far)."""
    every: set[str] = set()
    called: set[str] = set()
    for app in MODULES:
        module = importlib.import_module(f"kakehashi.{app}.actions")
        for name, fn in actions_of(app).items():
            key = f"{app}.{name}"
            every.add(key)

            def watched(*args: Any, __fn: Callable[..., Any] = fn, __key: str = key, **kwargs: Any) -> Any:
                called.add(__key)
                return __fn(*args, **kwargs)

            monkeypatch.setattr(module, name, watched)
    return every, called


def perform_every_action(world: World) -> None:
    from kakehashi.core import actions as core
    from kakehashi.development import actions as development
    from kakehashi.governance import actions as governance
    from kakehashi.plans import actions as plans
    from kakehashi.referrals import actions as referrals
    from kakehashi.seekers import actions as seekers
    from kakehashi.welfare import actions as welfare

    city = Agency.objects.get(code="kurashiki-city")
    hw = Agency.objects.get(code="hw-kurashiki-chuo")

    # seekers
    seeker = seekers.do_register_seeker(
        Seeker(site=world.tamashima, registered_on=days_ago(60), name="英語 太郎", postal_code="713-8121"),
        desired=["073"], experiences={"073": 3.0}, acting_user=world.hana)
    seeker.name = "英語 次郎"
    seekers.do_update_seeker(seeker, changed=["name"], desired=["073"], experiences={}, acting_user=world.hana)
    consent = seekers.do_add_consent(Consent(seeker=seeker, party="city", given_on=days_ago(50)),
                                     acting_user=world.hana)
    seekers.do_withdraw_consent(consent, on=days_ago(1), acting_user=world.hana)
    seekers.do_add_consultation(Consultation(seeker=seeker, held_on=days_ago(2), kind="job", notes="面談"),
                                acting_user=world.hana)

    # referrals
    posting = world.posting
    hired = referrals.do_refer(world.seekers["s_hw"], posting, referred_on=days_ago(40), trial_employment=False,
                               acting_user=world.hana)
    referrals.do_schedule_interview(hired, interview_on=days_ago(35), acting_user=world.hana)
    referrals.do_add_contributor(hired, agency=city, acting_user=world.hana)
    referrals.do_record_outcome(hired, outcome="hired", outcome_on=days_ago(32), acting_user=world.hana)
    referrals.do_record_follow_up(hired, milestone=1, checked_on=days_ago(1), still_employed=True,
                                  same_employer=True, acting_user=world.hana)
    referrals.do_print_referral_letter(hired, acting_user=world.hana)
    trial = referrals.do_refer(world.seekers["s_city_consent"], posting, referred_on=days_ago(40),
                               trial_employment=True, acting_user=world.hana)
    referrals.do_start_trial(trial, started_on=days_ago(30), acting_user=world.hana)
    referrals.do_end_trial(TrialEmployment.objects.get(referral=trial), outcome=TrialOutcome.ENDED_EARLY,
                           ended_on=days_ago(10), acting_user=world.hana)
    referrals.do_expire_referrals(on=TODAY)  # world.referral has waited since 2025
    limits = ReferralSettings.for_site(world.tamashima.pk)
    limits.reminder_days = 10
    referrals.do_save_referral_settings(limits, acting_user=world.hiro)

    # welfare: a recipient the welfare office registers and refers to the desk
    recipient = seekers.do_register_seeker(
        Seeker(site=world.tamashima, registered_on=days_ago(20), name="福祉 六子", postal_code="713-8121",
               welfare_recipient=True), desired=["073"], experiences={}, acting_user=world.fuku)
    case = welfare.do_file_support_request(recipient, site=world.tamashima, requested_on=days_ago(9),
                                           needs="就労意欲の喚起", consent_given_on=days_ago(9),
                                           acting_user=world.fuku)
    welfare.do_accept_support_request(case, accepted_on=days_ago(8), acting_user=world.hana)
    welfare.do_save_support_plan(case, acting_user=world.hana, goals="週1回の来所")
    welfare.do_record_support_visit(case, on=days_ago(3), attended=True, note="求人を検索", acting_user=world.hana)
    welfare.do_close_support_case(case, closed_on=days_ago(1), outcome=CaseOutcome.EMPLOYED,
                                  benefit_change=BenefitChange.REDUCED, note="", acting_user=world.fuku)

    # development
    contact = development.do_record_contact(acting_user=world.naoki, employer=world.employer, data=ContactInput(
        visited_on=days_ago(25), method=VisitMethod.VISIT, outcome=ContactOutcome.PROMISED,
        for_seeker=world.seekers["s_welfare"], note="プレス機の経験者を紹介したい"))
    developed = Posting.objects.create(posting_id="33010-00002", employer=world.employer, site=world.tamashima,
                                       received_on=days_ago(20), occupation=posting.occupation, openings=1,
                                       postal_code="713-8121", title="プレス工")
    development.do_link_posting(acting_user=world.naoki, visit=contact.visit, posting=developed)
    development.do_save_gap_snapshot(acting_user=world.hiro, site=world.tamashima,
                                     day=TODAY.replace(day=1) - datetime.timedelta(days=1))

    # governance
    agreement = load_agreement()
    governance.do_save_agreement(
        agreement, acting_user=world.mayor_m, title=agreement.title, signed_on=agreement.signed_on,
        effective_on=agreement.effective_on, ends_on=agreement.ends_on, parties=agreement.parties.all(),
        sites=agreement.sites.all(), plan_fiscal_year=agreement.plan_fiscal_year, notes="改定")
    asked = [governance.do_create_request(acting_user=world.chika, agreement=agreement, to_agency=hw,
                                          subject=f"求人情報の提供 {i}", body="毎月提供してください。",
                                          requested_on=days_ago(20), due_on=days_ago(6)) for i in range(2)]
    governance.do_start_answering(asked[0], acting_user=world.hana)
    governance.do_answer_request(asked[0], acting_user=world.hiro, answer="毎月送付します。")
    governance.do_close_request(asked[0], acting_user=world.mayor_m)
    governance.do_change_request_status(asked[1], RequestStatus.ANSWERING, acting_user=world.hana)
    meeting = governance.do_save_meeting(None, acting_user=world.mayor_m, agreement=agreement,
                                         title="第1回運営協議会", held_on=days_ago(5))
    attendee = governance.do_add_attendee(meeting, acting_user=world.mayor_m, staff=world.hana)
    governance.do_remove_attendee(attendee, acting_user=world.mayor_m)
    decision = governance.do_add_decision(meeting, acting_user=world.mayor_m, text="事業計画を確認した。")
    follow_up = governance.do_add_follow_up(meeting, acting_user=world.mayor_m, text="日数を集計する",
                                            owner=world.naoki, due_on=TODAY, decision=decision)
    governance.do_complete_follow_up(follow_up, acting_user=world.naoki, done_on=days_ago(1))
    governance.do_issue_agenda_pack(meeting, acting_user=world.mayor_m, html="<p>資料</p>")

    # plans
    placements = Indicator.objects.get(key="placements")
    plans.set_targets(site=world.tamashima, fiscal_year=2026, targets={placements: 630}, acting_user=world.hiro)
    counted = plans.add_indicator(key="seminars", label="セミナー参加者", unit="人", acting_user=world.hiro)
    plans.set_manual_count(site=world.tamashima, indicator=counted, month=days_ago(30), count=12,
                           acting_user=world.hiro)

    # the seekers' terminal: registered, enrolled, renamed, a ticket served and referred from, then stopped
    from kakehashi.terminal import actions as terminal

    device = terminal.do_register_terminal(world.tamashima, "入口の端末", acting_user=world.hiro)
    device = terminal.do_enrol(terminal.do_issue_code(device, acting_user=world.hiro).code)
    terminal.do_rename_terminal(device, "待合の端末", acting_user=world.hiro)
    ticket = terminal.do_issue_ticket(device, [posting.pk])
    for step in ("call", "start", "finish"):
        ticket = terminal.do_move_ticket(ticket, step, acting_user=world.hana)
    terminal.do_record_referral(ticket, hired, acting_user=world.hana)
    terminal.do_record_referral_from(str(ticket.pk), trial, acting_user=world.hana)
    terminal.do_revoke_terminal(device, acting_user=world.hiro)

    # core: the shared save, with the purpose a view passes
    core.do_save_record(Employer(employer_id="E-EN", name="英語工業", industry=world.employer.industry,
                                 postal_code="713-8121"), acting_user=world.sen,
                        purpose=N_("事業所情報の登録・更新"))


def rows_written(world: World, language: str) -> list[tuple[str, str, str]]:
    """Every action performed in ``language``; the rows it left (undone afterwards)."""
    for obj in [*world.seekers.values(), world.posting, world.referral, world.employer]:
        obj.refresh_from_db()  # as stored: an earlier run's changes were undone in the database only
    with transaction.atomic():
        first = AuditHead.objects.get().seq if AuditHead.objects.exists() else 0
        with translation.override(language):
            perform_every_action(world)
        rows = list(AuditEvent.objects.filter(seq__gt=first).order_by("seq")
                    .values_list("model", "action", "purpose"))
        transaction.set_rollback(True)
    return rows


ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def test_every_action_stores_the_same_japanese_purposes_in_either_language(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    every, called = watch_every_action(monkeypatch)
    japanese = rows_written(world, "ja")
    english = rows_written(world, "en")
    assert called == every, f"actions no scenario performs: {sorted(every - called)}"
    assert english == japanese
    purposes = {purpose for _model, _action, purpose in english}
    assert all(purposes), [row for row in english if not row[2]]
    assert not [p for p in purposes if ENGLISH_WORD.search(p)]
    # The English catalogue translates many of them: stored through gettext, they would have been English.
    with translation.override("en"):
        translated = {p for p in purposes if ENGLISH_WORD.search(gettext(p))}
    assert len(translated) >= 5, translated


@pytest.mark.parametrize(("view", "purpose"), [
    (referral_views.referral_detail, "紹介の詳細"),
    (referral_views.interview, "面接日の記録"),
    (referral_views.trial_start, "トライアル雇用の開始"),
    (referral_views.trial_end, "トライアル雇用の結果"),
    (referral_views.follow_up, "定着状況の確認"),
    (referral_views.contributor, "関与した機関の追加"),
    (welfare_views.accept, "支援要請の受付"),
    (welfare_views.plan, "支援プランの更新"),
    (welfare_views.visit, "来所の記録"),
    (welfare_views.close, "支援の終了"),
])
def test_a_refused_step_hands_on_its_purpose_in_japanese(world: World, view: Callable[..., Any],
                                                        purpose: str) -> None:
    """A page that refuses a record it may not show names the page's purpose for the audit of the refusal:
    the Japanese one, whatever the user's language."""
    if view.__module__ == referral_views.__name__:
        # a Hello Work counselor may edit referrals, but not one of a seeker who shares nothing with Hello Work
        user = world.hana
        pk = Referral.objects.create(referral_id="R-PRIVATE", seeker=world.seekers["s_city_private"],
                                     posting=world.posting, referred_on=days_ago(3)).pk
    else:
        user = world.mizu  # the other welfare office's caseworker
        pk = do_file_support_request(world.seekers["s_welfare"], site=world.tamashima, requested_on=days_ago(2),
                                     needs="就労支援", consent_given_on=days_ago(2), acting_user=world.fuku).pk
    request = RequestFactory().post("/", {})
    request.user = user
    with translation.override("en"), pytest.raises(AccessDenied) as refused:
        view(request, pk)
    assert refused.value.purpose == purpose
