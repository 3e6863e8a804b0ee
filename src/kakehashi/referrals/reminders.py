"""What a counselor should chase today: employers who have not answered, referrals withdrawn as expired, trials
about to end, and retention follow-ups that are due. Each list holds only referrals the user may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from kakehashi.accounts.models import Staff

from .models import (
    FollowUp,
    Milestone,
    Outcome,
    Reason,
    Referral,
    ReferralSettings,
    TrialEmployment,
    months_after,
    placed,
)
from .retention import last_hire_due

LIST_LENGTH = 20
# A follow-up left unrecorded stays on the list this long after it fell due, then drops off.
FOLLOW_UP_GRACE_DAYS = 60
EXPIRED_SHOWN_DAYS = 30


def follow_up_due(today: datetime.date, milestone: int, *, overdue_only: bool = False) -> Q:
    """The hires whose retention check at ``milestone`` (1 or 6 months after the hire) fell due on or before
    ``today`` — before it, with ``overdue_only`` — is not recorded, and fell due no more than
    ``FOLLOW_UP_GRACE_DAYS`` ago: the checks the desk still has to make, the same ones ``reminders_for`` lists.
    A condition on referrals, so that a list filters by it and a page counts it without loading a row."""
    latest = last_hire_due(today - datetime.timedelta(days=1) if overdue_only else today, milestone)
    earliest = last_hire_due(today - datetime.timedelta(days=FOLLOW_UP_GRACE_DAYS + 1), milestone)
    recorded = FollowUp.objects.filter(referral=OuterRef("pk"), milestone=milestone)
    return placed(None, latest) & Q(outcome_on__gt=earliest) & ~Q(Exists(recorded))


def any_follow_up_due(today: datetime.date) -> Q:
    """``follow_up_due`` at any milestone."""
    q = Q()
    for m in Milestone.values:
        q |= follow_up_due(today, m)
    return q


@dataclass
class Waiting:
    referral: Referral
    days: int
    expires_on: datetime.date


@dataclass
class DueFollowUp:
    referral: Referral
    milestone: int
    due_on: datetime.date

    @property
    def label(self) -> str:
        return str(Milestone(self.milestone).label)


@dataclass
class Reminders:
    unanswered: list[Waiting] = field(default_factory=list)
    expired: list[Referral] = field(default_factory=list)
    trials_ending: list[TrialEmployment] = field(default_factory=list)
    follow_ups: list[DueFollowUp] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.unanswered or self.expired or self.trials_ending or self.follow_ups)


def reminders_for(user: Staff, today: datetime.date) -> Reminders:
    """The reminders of ``user`` on ``today``, each list oldest first, under each site's own limits."""
    limits = ReferralSettings.by_site()
    visible = Referral.objects.visible_to(user).select_related("seeker", "posting__employer")
    out = Reminders()

    # Which referrals to list is decided on their dates alone; only those listed are loaded (and so presented to
    # the user, in the response's audit row): a busy site has hundreds waiting.
    soonest = min((s.reminder_days for s in limits.values()), default=ReferralSettings().reminder_days)
    chosen: list[tuple[int, int, datetime.date]] = []
    waiting = (visible.awaiting_answer().waiting_since_by(today - datetime.timedelta(days=soonest))
               .by_waiting_since().values_list("pk", "seeker__site_id", "interview_on", "referred_on"))
    for pk, site_id, interview_on, referred_on in waiting:
        site_limits = limits.get(site_id) or ReferralSettings()
        since = interview_on or referred_on
        days = (today - since).days
        if days >= site_limits.reminder_days:
            chosen.append((pk, days, since + datetime.timedelta(days=site_limits.expiry_days)))
            if len(chosen) >= LIST_LENGTH:
                break
    loaded = visible.in_bulk([pk for pk, _d, _e in chosen])
    out.unanswered = [Waiting(loaded[pk], days, expires) for pk, days, expires in chosen if pk in loaded]

    since = today - datetime.timedelta(days=EXPIRED_SHOWN_DAYS)
    out.expired = list(visible.filter(outcome=Outcome.WITHDRAWN, reason=Reason.EXPIRED, outcome_on__gte=since)
                       .order_by("-outcome_on", "pk")[:LIST_LENGTH])

    max_notice = max((s.trial_notice_days for s in limits.values()), default=ReferralSettings().trial_notice_days)
    trials = (TrialEmployment.objects.filter(referral__in=visible.values("pk"), outcome="ongoing",
                                             planned_end_on__lte=today + datetime.timedelta(days=max_notice))
              .select_related("referral__seeker", "referral__posting__employer").order_by("planned_end_on"))
    for t in trials:
        notice = (limits.get(t.referral.seeker.site_id) or ReferralSettings()).trial_notice_days
        if t.planned_end_on <= today + datetime.timedelta(days=notice):
            out.trials_ending.append(t)

    # Only the hires with a milestone in its window; a few days' slack for month ends, the loop is exact.
    windows = Q()
    for m in Milestone.values:
        windows |= placed(
            months_after(today - datetime.timedelta(days=FOLLOW_UP_GRACE_DAYS), -m) - datetime.timedelta(days=3),
            months_after(today, -m))
    hires = list(visible.filter(windows).order_by("outcome_on", "pk").values_list("pk", "outcome_on"))
    done: dict[int, set[int]] = {}
    for referral_id, milestone in FollowUp.objects.filter(referral_id__in=[pk for pk, _d in hires]).values_list(
            "referral_id", "milestone"):
        done.setdefault(referral_id, set()).add(milestone)
    due_now: list[tuple[datetime.date, int, int]] = []
    for pk, hired_on in hires:
        if hired_on is None:  # a hire always has its date; this narrows the type
            continue
        for m in Milestone.values:
            due = FollowUp.due_on(hired_on, m)
            if m not in done.get(pk, set()) and due <= today and (today - due).days <= FOLLOW_UP_GRACE_DAYS:
                due_now.append((due, pk, m))
    due_now = sorted(due_now, key=lambda d: d[0])[:LIST_LENGTH]
    loaded = visible.in_bulk({pk for _due, pk, _m in due_now})
    out.follow_ups = [DueFollowUp(loaded[pk], m, due) for due, pk, m in due_now if pk in loaded]
    return out
