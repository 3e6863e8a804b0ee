"""What follows a referral and a welfare office's support request in the demo year: interviews, the employer's
answer and its reason, the parties that worked on each referral, trial employments and their outcome, retention
checks, and the welfare desk's cases with their joint plans and regular visits.

It works on the records the simulation kept up to the as-of date, with its own seeded generator, so adding it
changes nothing the simulation drew.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import jpholiday
from django.utils import timezone

from kakehashi.accounts.models import Agency, Staff
from kakehashi.referrals.models import (
    Contribution,
    EventKind,
    FollowUp,
    Milestone,
    Outcome,
    Reason,
    Referral,
    ReferralEvent,
    TrialEmployment,
    TrialOutcome,
    months_after,
    planned_trial_end,
)
from kakehashi.seekers.models import Consent, Seeker, SeekerStatus
from kakehashi.welfare.models import (
    BenefitChange,
    CaseOutcome,
    RequestStatus,
    SupportPlan,
    SupportRequest,
    SupportVisit,
)

REASONS: dict[str, list[tuple[str, float]]] = {
    Outcome.REJECTED: [(Reason.INTERVIEW, 4), (Reason.SKILLS, 3), (Reason.FILLED, 2), (Reason.CONDITIONS, 2),
                       (Reason.REJECTED_OTHER, 1)],
    Outcome.DECLINED: [(Reason.WORK_CONTENT, 3), (Reason.WAGE_OR_HOURS, 3), (Reason.COMMUTE, 2),
                       (Reason.OTHER_JOB, 2), (Reason.HEALTH_OR_FAMILY, 1), ("", 2)],
    Outcome.WITHDRAWN: [(Reason.POSTING_CLOSED, 5), (Reason.EXPIRED, 1), (Reason.WITHDRAWN_OTHER, 1)],
}
EMPLOYER_NOTES: dict[str, list[str]] = {
    Outcome.HIRED: ["まじめな人柄を評価。来月から勤務開始。", "経験を評価。まずは日勤から。", "面接での意欲を評価。"],
    Outcome.REJECTED: ["今回は経験者を優先しました。", "勤務時間の希望が合いませんでした。", "他の応募者で充足しました。", ""],
}
FOLLOW_UP_NOTES = {True: ["順調に勤務している。", "職場に慣れてきたとのこと。", "事業所からも良い評価。"],
                   False: ["体調を崩して退職。支援を再開。", "仕事内容が合わず退職。", "家庭の事情で退職。"]}
PLAN_GOALS = ["3か月以内に週20時間以上の仕事に就く", "生活リズムを整え、まずはパートで働き始める",
              "これまでの経験を活かせる仕事に就き、保護からの自立を目指す", "自宅から通える範囲で長く働ける職場を見つける"]
PLAN_STEPS = ["定期来所で求人を一緒に検索し、応募書類を整える。面接の練習を行う。",
              "ケースワーカーと窓口で情報を共有し、体調に合わせて応募先を選ぶ。",
              "個別求人開拓も検討する。就職後は定着まで見守る。"]
SCHEDULES = [("毎週火曜 10時", 7), ("毎週木曜 14時", 7), ("隔週月曜 10時", 14), ("隔週金曜 13時", 14)]
VISIT_NOTES = ["求人検索と応募先の相談。", "応募書類を作成。", "面接の振り返り。", "体調と生活状況を確認。",
               "面接の練習。", "紹介状を交付。", "求人情報提供端末の使い方を練習。"]
NO_SHOW_NOTES = ["連絡なく欠席。ケースワーカーに連絡。", "体調不良で欠席の連絡あり。"]
CLOSING_NOTES = {CaseOutcome.EMPLOYED: "就職により支援を終了。定着の確認はハローワークが行う。",
                 CaseOutcome.OTHER: "本人の体調の事情により、いったん支援を終了。"}


@dataclass(frozen=True)
class Told:
    """What a told story fixes about one referral instead of drawing it: the employer's reason and note, and
    whether the person is still in the job at every retention check."""

    reason: str = ""
    employer_note: str = ""
    keeps_job: bool = False


@dataclass(frozen=True)
class VisitNote:
    """One visit of a told story's support plan: its day, whether the person came, what was done."""

    on: datetime.date
    attended: bool
    note: str


@dataclass
class Lifecycle:
    """The records this module adds, unsaved."""

    events: list[ReferralEvent] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    trials: list[TrialEmployment] = field(default_factory=list)
    follow_ups: list[FollowUp] = field(default_factory=list)
    requests: list[SupportRequest] = field(default_factory=list)
    plans: list[SupportPlan] = field(default_factory=list)
    visits: list[SupportVisit] = field(default_factory=list)


def open_day(day: datetime.date) -> datetime.date:
    """``day``, or the next day the offices are open when it falls on a weekend or a public holiday: interviews
    and the desk's work happen on working days."""
    while day.weekday() >= 5 or jpholiday.is_holiday(day):
        day += datetime.timedelta(days=1)
    return day


def _weighted(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


class Casework:
    """Fills in what happened after each referral and each support request, up to ``as_of``."""

    def __init__(self, seed: int, as_of: datetime.date, agencies: dict[str, Agency]) -> None:
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.agencies = agencies
        self.out = Lifecycle()

    def at(self, day: datetime.date) -> datetime.datetime:
        """When a step was recorded: the end of its day, never after the as-of date."""
        return timezone.make_aware(datetime.datetime.combine(min(day, self.as_of), datetime.time(17, 0)))

    def event(self, referral: Referral, kind: str, on: datetime.date, staff: Staff | None, reason: str = "",
              note: str = "", recorded: datetime.date | None = None) -> None:
        self.out.events.append(ReferralEvent(referral=referral, kind=kind, on=on, at=self.at(recorded or on),
                                             staff=staff, reason=reason, note=note))

    def referral(self, referral: Referral, *, trial_outcome: str | None = None, told: Told | None = None) -> None:
        """Interview, answer, reason and note, contributors, trial and retention checks of one referral.
        ``trial_outcome`` fixes how a trial ends and ``told`` the employer's answer and the retention checks (the
        success case); otherwise they are drawn."""
        rng, staff = self.rng, referral.staff
        self.event(referral, EventKind.REFERRED, referral.referred_on, staff)
        agencies = {a for a in (staff.agency if staff else None, referral.seeker.referring_agency) if a is not None}
        for agency in sorted(agencies, key=lambda a: a.code):
            self.out.contributions.append(Contribution(referral=referral, agency=agency))
        outcome, outcome_on = referral.outcome, referral.outcome_on
        if rng.random() < (0.7 if outcome in (Outcome.HIRED, Outcome.REJECTED, Outcome.PENDING) else 0.1):
            interview = open_day(referral.referred_on + datetime.timedelta(days=rng.randint(3, 10)))
            if outcome_on is not None:
                interview = min(interview, outcome_on)
            referral.interview_on = interview
            # An interview is recorded when the employer sets it, a few days after the referral.
            self.event(referral, EventKind.INTERVIEW, interview, staff,
                       recorded=min(interview, referral.referred_on + datetime.timedelta(days=2)))
        if outcome == Outcome.PENDING or outcome_on is None:
            return
        referral.reason = _weighted(rng, REASONS[outcome]) if outcome in REASONS else ""
        notes = EMPLOYER_NOTES.get(outcome)
        referral.employer_note = rng.choice(notes) if notes else ""
        if told is not None:
            referral.reason, referral.employer_note = told.reason, told.employer_note
        self.event(referral, EventKind(outcome), outcome_on, staff, reason=referral.reason,
                   note=referral.employer_note)
        if outcome != Outcome.HIRED:
            return
        still = True
        if referral.trial_employment:
            still = self.trial(referral, outcome_on, trial_outcome)
        if still:
            self.follow_ups(referral, outcome_on, keeps_job=told is not None and told.keeps_job)

    def trial(self, referral: Referral, started: datetime.date, fixed: str | None) -> bool:
        """A trial employment from the hire; returns whether the person is still employed at the as-of date."""
        rng, staff = self.rng, referral.staff
        planned = planned_trial_end(started)
        trial = TrialEmployment(referral=referral, started_on=started, planned_end_on=planned)
        self.out.trials.append(trial)
        self.event(referral, EventKind.TRIAL_STARTED, started, staff)
        if fixed is None:
            fixed = _weighted(rng, [(TrialOutcome.CONVERTED, 8), (TrialOutcome.ENDED_EARLY, 1),
                                    (TrialOutcome.ENDED, 1)])
        ended = planned if fixed != TrialOutcome.ENDED_EARLY else started + datetime.timedelta(
            days=rng.randint(10, max(11, (planned - started).days - 5)))
        if ended > self.as_of:
            return True
        trial.outcome, trial.ended_on = fixed, ended
        kind = {TrialOutcome.CONVERTED: EventKind.TRIAL_CONVERTED, TrialOutcome.ENDED_EARLY: EventKind.TRIAL_ENDED_EARLY,
                TrialOutcome.ENDED: EventKind.TRIAL_ENDED}[TrialOutcome(fixed)]
        self.event(referral, kind, ended, staff)
        if fixed != TrialOutcome.CONVERTED:
            # The trial ended without regular employment: the person is back in support.
            referral.seeker.status = SeekerStatus.ACTIVE
            return False
        return True

    def follow_ups(self, referral: Referral, hired: datetime.date, *, keeps_job: bool = False) -> None:
        """Retention checks one and six months after the hire, where that time has come; ``keeps_job``: the
        person is found still in the job at each."""
        rng = self.rng
        for milestone, keep in ((Milestone.ONE_MONTH, 0.92), (Milestone.SIX_MONTHS, 0.85)):
            checked = months_after(hired, int(milestone)) + datetime.timedelta(days=rng.randint(0, 10))
            if checked > self.as_of:
                return
            still = rng.random() < keep or keeps_job
            note = rng.choice(FOLLOW_UP_NOTES[still])
            self.out.follow_ups.append(FollowUp(referral=referral, milestone=milestone, checked_on=checked,
                                                still_employed=still, same_employer=True if still else None,
                                                note=note, staff=referral.staff))
            self.event(referral, EventKind.FOLLOW_UP, checked, referral.staff, note=note)
            if not still:
                return

    def support_case(self, seeker: Seeker, consent: Consent, *, office: str, caseworker: Staff, desk: Staff,
                     hired_on: datetime.date | None, stopped_on: datetime.date | None, needs: str | None = None,
                     plan: tuple[str, str, str, int] | None = None, benefit: str | None = None,
                     visits: Callable[[datetime.date], list[VisitNote]] | None = None) -> None:
        """A welfare office's support request for ``seeker`` on the day they came to the desk, taken on by the
        desk, with a joint plan and regular visits, closed on a hire or when the person stopped. ``visits``, given
        the day the request was taken on, tells the visits of a told story; otherwise they are drawn."""
        rng = self.rng
        requested = seeker.registered_on
        request = SupportRequest(
            seeker=seeker, welfare_office=self.agencies[office], caseworker=caseworker, site=seeker.site,
            requested_on=requested, consent=consent,
            needs=needs or f"{seeker.barriers or '就労経験が少ない'}。就労による自立に向けた支援をお願いします。",
        )
        self.out.requests.append(request)
        accepted = open_day(requested + datetime.timedelta(days=rng.randint(1, 7)))
        if accepted > self.as_of:
            return
        request.status, request.accepted_on, request.accepted_by = RequestStatus.ACCEPTED, accepted, desk
        if plan is None:
            schedule, interval = rng.choice(SCHEDULES)
            plan = (rng.choice(PLAN_GOALS), rng.choice(PLAN_STEPS), schedule, interval)
        goals, steps, schedule, interval = plan
        self.out.plans.append(SupportPlan(request=request, goals=goals, steps=steps, visit_schedule=schedule,
                                          visit_interval_days=interval, updated_by=desk))
        ends = [d for d in (hired_on, stopped_on) if d is not None and d <= self.as_of]
        closed = max(min(ends), accepted) if ends else None
        last = closed or self.as_of
        if visits is not None:
            told = [v for v in visits(accepted) if accepted < v.on <= last]
        else:
            count = (last - accepted).days // interval
            days = [accepted + datetime.timedelta(days=interval * k) for k in range(1, count + 1)]
            told = []
            # The latest sixteen visits are enough to show the rhythm of a long case.
            for day in days[-16:]:
                attended = rng.random() < 0.85
                told.append(VisitNote(day, attended, rng.choice(VISIT_NOTES if attended else NO_SHOW_NOTES)))
        for v in told:
            self.out.visits.append(SupportVisit(request=request, on=v.on, attended=v.attended, staff=desk,
                                                agency=desk.agency, note=v.note))
        if closed is None:
            return
        employed = hired_on is not None and closed == hired_on
        request.status, request.closed_on = RequestStatus.CLOSED, closed
        request.outcome = CaseOutcome.EMPLOYED if employed else CaseOutcome.OTHER
        request.benefit_change = benefit or (
            _weighted(rng, [(BenefitChange.REDUCED, 6), (BenefitChange.ENDED, 3), (BenefitChange.UNCHANGED, 1)])
            if employed else BenefitChange.UNCHANGED)
        request.closing_note = CLOSING_NOTES[CaseOutcome(request.outcome)]
