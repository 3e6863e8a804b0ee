"""Referrals (職業紹介) and what follows them: the employer's answer, trial employment (トライアル雇用) and the
retention follow-ups after a hire.

A placement (就職) is a referral that ended in a hire. ``outcome`` and ``outcome_on`` are the counting fields
(INTERCHANGE.md counts placements by outcome ``hired`` and ``outcome_on``); the stage, the interview date and
the structured reason sit beside them, and every transition is kept in ``ReferralEvent``.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts import policy
from kakehashi.accounts.models import Agency, AgencyKind, Site
from kakehashi.accounts.viewing import ViewerManager, ViewerQuerySet
from kakehashi.postings.models import Posting
from kakehashi.seekers.models import Seeker

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier, when negative), kept inside the month: 1/31 + 1 → 2/28."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Outcome(models.TextChoices):
    PENDING = "pending", _("選考中")
    HIRED = "hired", _("採用")
    REJECTED = "rejected", _("不採用")
    DECLINED = "declined", _("辞退")
    WITHDRAWN = "withdrawn", _("取消")


class Stage(models.TextChoices):
    """Where a referral stands: the two open stages, then its outcome."""

    REFERRED = "referred", _("紹介済み（回答待ち）")
    INTERVIEW = "interview", _("面接予定")
    HIRED = "hired", _("採用")
    REJECTED = "rejected", _("不採用")
    DECLINED = "declined", _("本人辞退")
    WITHDRAWN = "withdrawn", _("取消")


class Reason(models.TextChoices):
    """Why a referral did not end in a hire, in the few categories the office reviews."""

    # 不採用 (the employer's decision)
    SKILLS = "skills", _("経験・技能が求める水準に届かない")
    CONDITIONS = "conditions", _("勤務時間・日数などの条件が合わない")
    FILLED = "filled", _("他の応募者で充足")
    INTERVIEW = "interview", _("面接の結果")
    REJECTED_OTHER = "rejected_other", _("その他（不採用）")
    # 辞退 (the seeker's decision)
    WORK_CONTENT = "work_content", _("仕事の内容が希望と違う")
    WAGE_OR_HOURS = "wage_or_hours", _("賃金・勤務時間が合わない")
    COMMUTE = "commute", _("通勤が難しい")
    HEALTH_OR_FAMILY = "health_or_family", _("健康・家庭の事情")
    OTHER_JOB = "other_job", _("他で就職した")
    DECLINED_OTHER = "declined_other", _("その他（辞退）")
    # 取消
    EXPIRED = "expired", _("回答期限切れ（自動取消）")
    POSTING_CLOSED = "posting_closed", _("求人の取消・充足")
    ENTERED_IN_ERROR = "entered_in_error", _("誤って登録")
    WITHDRAWN_OTHER = "withdrawn_other", _("その他（取消）")


# Which reasons fit which outcome; a rejection and a withdrawal need one, a seeker may decline without saying why.
REASONS_FOR: dict[str, tuple[Reason, ...]] = {
    Outcome.REJECTED: (Reason.SKILLS, Reason.CONDITIONS, Reason.FILLED, Reason.INTERVIEW, Reason.REJECTED_OTHER),
    Outcome.DECLINED: (Reason.WORK_CONTENT, Reason.WAGE_OR_HOURS, Reason.COMMUTE, Reason.HEALTH_OR_FAMILY,
                       Reason.OTHER_JOB, Reason.DECLINED_OTHER),
    Outcome.WITHDRAWN: (Reason.EXPIRED, Reason.POSTING_CLOSED, Reason.ENTERED_IN_ERROR, Reason.WITHDRAWN_OTHER),
}
REASON_REQUIRED = (Outcome.REJECTED, Outcome.WITHDRAWN)


def placed(start: datetime.date | None = None, end: datetime.date | None = None, *, via: str = "") -> Q:
    """The placement rule (INTERCHANGE.md's 就職件数) as a condition: outcome ``hired`` with ``outcome_on``
    between ``start`` and ``end``, both included (None: no bound). ``via`` is the path to the referral from
    another model (``"referrals__"`` from a posting or a seeker), for annotations and joins.

    This is the one place the rule is written: the progress figures, the breakdowns, retention, targeting's
    history, matching's filled postings and learned transitions all count placements through it."""
    q = Q(**{f"{via}outcome": Outcome.HIRED})
    if start is not None:
        q &= Q(**{f"{via}outcome_on__gte": start})
    if end is not None:
        q &= Q(**{f"{via}outcome_on__lte": end})
    return q


class ReferralQuerySet(ViewerQuerySet["Referral"]):
    def restrict(self, user: Staff) -> ReferralQuerySet:
        """A referral is a personal record: visible with its seeker."""
        return self.filter(seeker__in=Seeker.objects.restrict(user))

    def at_sites(self, site_ids: Iterable[int] | None) -> ReferralQuerySet:
        """A site's referrals and placements are those of the seekers registered at the site (None: every
        site)."""
        return self if site_ids is None else self.filter(seeker__site_id__in=list(site_ids))

    def placements(self) -> ReferralQuerySet:
        """Every placement, whenever it was (see ``placed``)."""
        return self.filter(placed())

    def placements_between(self, start: datetime.date | None, end: datetime.date | None, *,
                           site_ids: Iterable[int] | None = None) -> ReferralQuerySet:
        """Placements with their date in [``start``, ``end``] (None: no bound) of the seekers of ``site_ids``
        (None: every site) — the 就職件数 of that period (see ``placed``)."""
        return self.filter(placed(start, end)).at_sites(site_ids)

    def referred_between(self, start: datetime.date, end: datetime.date, *,
                         site_ids: Iterable[int] | None = None) -> ReferralQuerySet:
        """Referrals made in [``start``, ``end``] of the seekers of ``site_ids`` — the 紹介件数 of that period."""
        return self.filter(referred_on__range=(start, end)).at_sites(site_ids)

    def awaiting_answer(self) -> ReferralQuerySet:
        """Referrals the employer has not yet answered."""
        return self.filter(outcome=Outcome.PENDING)

    def waiting_since_by(self, day: datetime.date) -> ReferralQuerySet:
        """Those waiting since ``day`` or earlier: counted from the interview once one is set (the employer
        answers after it), else from the referral."""
        return self.filter(Q(interview_on__isnull=True, referred_on__lte=day) | Q(interview_on__lte=day))

    def by_waiting_since(self) -> ReferralQuerySet:
        return self.order_by(Coalesce("interview_on", "referred_on"), "pk")


class Referral(models.Model):
    """A seeker referred to a posting."""

    referral_id = models.CharField(_("紹介ID"), max_length=40, unique=True)
    seeker = models.ForeignKey(Seeker, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("求職者"))
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("求人"))
    referred_on = models.DateField(_("紹介日"))
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_on = models.DateField(_("結果日"), null=True, blank=True)
    trial_employment = models.BooleanField(_("トライアル雇用"), default=False)
    interview_on = models.DateField(_("面接日"), null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=30, choices=Reason.choices, blank=True)
    employer_note = models.TextField(_("事業所からの評価・連絡"), blank=True,
                                     help_text=_("福祉事務所とセンターには表示されません。"))
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("担当"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ViewerManager.from_queryset(ReferralQuerySet)()

    class Meta:
        ordering = ["-referred_on", "-id"]
        verbose_name = _("職業紹介")
        verbose_name_plural = _("職業紹介")
        # The progress counts (plans/progress.py) group a fiscal year of referrals and of hires by seeker and
        # staff member: these cover those queries so they never read the rows themselves.
        indexes = [
            models.Index(fields=["referred_on", "seeker", "staff"], name="referral_referred_cover"),
            models.Index(fields=["outcome_on", "seeker", "staff"], name="referral_hired_cover",
                         condition=placed()),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}"

    @property
    def stage(self) -> Stage:
        """Derived from the counting fields, so an imported referral has a stage without anyone setting it."""
        if self.outcome != Outcome.PENDING:
            return Stage(self.outcome)
        return Stage.INTERVIEW if self.interview_on else Stage.REFERRED

    @property
    def waiting_since(self) -> datetime.date:
        """The day the employer's answer is counted from (see ``ReferralQuerySet.waiting_since_by``)."""
        return self.interview_on or self.referred_on

    def clean_outcome(self, *, at_desk: bool = True) -> list[str]:
        """The rules one referral must keep; returns the Japanese messages of what is broken.

        Two of them hold only for what the desk records (``at_desk``, the default: the outcome form and
        ``do_record_outcome``): a date for every outcome, and a reason for a rejection or a withdrawal. The
        person recording an answer knows both, so the staff form keeps asking for them. Referrals that come
        from another system (``at_desk=False``: the import of interchange v1, where ``outcome_on`` is an
        optional column and there is no reason column) may lack them; such a referral is stored with its date
        unknown, and the import says how many. A hire needs its date wherever it comes from: placements are
        counted by it (INTERCHANGE.md's 就職件数), so a hire without one would be counted in no period.
        A referral without a date for a non-hire counts nowhere else either: only placements are counted by
        ``outcome_on``."""
        return [message for _field, message in self.outcome_problems(
            outcome=self.outcome, outcome_on=self.outcome_on, referred_on=self.referred_on,
            interview_on=self.interview_on, reason=self.reason, at_desk=at_desk)]

    @staticmethod
    def outcome_problems(*, outcome: str, outcome_on: datetime.date | None, referred_on: datetime.date,
                         interview_on: datetime.date | None = None, reason: str = "",
                         at_desk: bool = True) -> list[tuple[str, str]]:
        """``clean_outcome`` on values rather than on a referral, as (field, message) pairs: the import checks
        each row with it without building a model instance per row."""
        errors = []
        if outcome_on is None and (outcome == Outcome.HIRED or (at_desk and outcome != Outcome.PENDING)):
            errors.append(("outcome_on", str(_("結果を入力するときは結果日も入力してください。") if at_desk else
                                             _("採用の紹介には結果日が必要です（就職件数は結果日で数えます）。"))))
        if outcome == Outcome.PENDING and outcome_on is not None:
            errors.append(("outcome_on", str(_("選考中の紹介には結果日を入力できません。"))))
        if outcome_on and outcome_on < referred_on:
            errors.append(("outcome_on", str(_("結果日が紹介日より前になっています。"))))
        if interview_on and interview_on < referred_on:
            errors.append(("interview_on", str(_("面接日が紹介日より前になっています。"))))
        allowed = REASONS_FOR.get(outcome, ())
        if reason and reason not in allowed:
            errors.append(("reason", str(_("理由「%(reason)s」は結果「%(outcome)s」には使えません。") % {
                "reason": Reason(reason).label if reason in Reason.values else reason,
                "outcome": Outcome(outcome).label if outcome in Outcome.values else outcome})))
        if at_desk and not reason and outcome in REASON_REQUIRED:
            errors.append(("reason", str(_("結果が「%(outcome)s」のときは理由を選んでください。") % {
                "outcome": Outcome(outcome).label if outcome in Outcome.values else outcome})))
        return errors


class EventKind(models.TextChoices):
    REFERRED = "referred", _("紹介")
    INTERVIEW = "interview", _("面接日の決定")
    HIRED = "hired", _("採用")
    REJECTED = "rejected", _("不採用")
    DECLINED = "declined", _("本人辞退")
    WITHDRAWN = "withdrawn", _("取消")
    REOPENED = "reopened", _("選考中に戻す（訂正）")
    TRIAL_STARTED = "trial_started", _("トライアル雇用開始")
    TRIAL_CONVERTED = "trial_converted", _("常用雇用へ移行")
    TRIAL_ENDED_EARLY = "trial_ended_early", _("トライアル雇用の中途終了")
    TRIAL_ENDED = "trial_ended", _("トライアル雇用の期間満了（移行なし）")
    FOLLOW_UP = "follow_up", _("定着状況の確認")
    LETTER_PRINTED = "letter_printed", _("紹介状の印刷")


class ReferralEventQuerySet(ViewerQuerySet["ReferralEvent"]):
    def restrict(self, user: Staff) -> ReferralEventQuerySet:
        return self.filter(referral__in=Referral.objects.restrict(user))


class ReferralEvent(models.Model):
    """One step in a referral's life: who recorded what, for which day, and when. Rows are only added.

    ``note`` carries what the employer said (see ``policy.FIELDS``)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("出来事"), max_length=20, choices=EventKind.choices)
    on = models.DateField(_("日付"))
    at = models.DateTimeField(_("記録日時"), default=timezone.now)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("記録者"))
    reason = models.CharField(_("理由"), max_length=30, choices=Reason.choices, blank=True)
    note = models.TextField(_("事業所からの評価・連絡"), blank=True)

    objects = ViewerManager.from_queryset(ReferralEventQuerySet)()

    class Meta:
        ordering = ["referral", "on", "at", "id"]
        verbose_name = _("紹介の経過")
        verbose_name_plural = _("紹介の経過")
        indexes = [models.Index(fields=["referral", "on"])]

    def __str__(self) -> str:
        return f"{self.referral} {self.on} {self.get_kind_display()}"


class ReferralSettings(models.Model):
    """A site's limits for waiting on employers: when to remind the counselor, when to withdraw the referral
    as expired, and how early to flag a trial's end. A site without a row uses the defaults."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="referral_settings",
                                verbose_name=_("拠点"))
    reminder_days = models.PositiveSmallIntegerField(_("回答催促までの日数"), default=14)
    expiry_days = models.PositiveSmallIntegerField(_("自動取消までの日数"), default=60)
    trial_notice_days = models.PositiveSmallIntegerField(_("トライアル終了の何日前に知らせるか"), default=14)

    class Meta:
        verbose_name = _("紹介の期限設定")
        verbose_name_plural = _("紹介の期限設定")

    def __str__(self) -> str:
        return f"{self.site}: {self.reminder_days}/{self.expiry_days}"

    @classmethod
    def for_site(cls, site_id: int) -> ReferralSettings:
        return cls.objects.filter(site_id=site_id).first() or cls(site_id=site_id)

    @classmethod
    def by_site(cls) -> dict[int, ReferralSettings]:
        """Every site's settings, defaults filled in for sites without a row."""
        stored = {s.site_id: s for s in cls.objects.all()}
        return {pk: stored.get(pk) or cls(site_id=pk) for pk in Site.objects.values_list("pk", flat=True)}

    def clean_limits(self) -> list[str]:
        errors = []
        if self.reminder_days < 1:
            errors.append(str(_("回答催促までの日数は1日以上にしてください。")))
        if self.expiry_days <= self.reminder_days:
            errors.append(str(_("自動取消までの日数は回答催促までの日数より長くしてください。")))
        return errors


class TrialOutcome(models.TextChoices):
    ONGOING = "ongoing", _("実施中")
    CONVERTED = "converted", _("常用雇用へ移行")
    ENDED_EARLY = "ended_early", _("中途終了")
    ENDED = "ended", _("期間満了（移行なし）")


TRIAL_MONTHS = 3


def planned_trial_end(start: datetime.date) -> datetime.date:
    """A trial normally runs three months: from 8/1 to 10/31."""
    return months_after(start, TRIAL_MONTHS) - datetime.timedelta(days=1)


class TrialEmployment(models.Model):
    """A trial employment (トライアル雇用) that started from a referral.

    It counts as one placement on its start, as Hello Work counts it: the referral's outcome is ``hired`` with
    ``outcome_on`` = ``started_on``. Converting to regular employment does not count a second placement."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="trial")
    started_on = models.DateField(_("開始日"))
    planned_end_on = models.DateField(_("終了予定日"))
    outcome = models.CharField(_("結果"), max_length=20, choices=TrialOutcome.choices, default=TrialOutcome.ONGOING)
    ended_on = models.DateField(_("終了日・移行日"), null=True, blank=True)

    class Meta:
        ordering = ["planned_end_on"]
        verbose_name = _("トライアル雇用")
        verbose_name_plural = _("トライアル雇用")

    def __str__(self) -> str:
        return f"{self.referral} {self.started_on}〜{self.planned_end_on}"

    @property
    def is_ongoing(self) -> bool:
        return self.outcome == TrialOutcome.ONGOING


class Milestone(models.IntegerChoices):
    ONE_MONTH = 1, _("1か月後")
    SIX_MONTHS = 6, _("6か月後")


class FollowUpQuerySet(ViewerQuerySet["FollowUp"]):
    def restrict(self, user: Staff) -> FollowUpQuerySet:
        return self.filter(referral__in=Referral.objects.restrict(user))


class FollowUp(models.Model):
    """A retention check after a hire (定着状況の確認): is the person still employed, at the same employer?"""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    milestone = models.PositiveSmallIntegerField(_("時期"), choices=Milestone.choices)
    checked_on = models.DateField(_("確認日"))
    still_employed = models.BooleanField(_("就労を継続"))
    same_employer = models.BooleanField(_("同じ事業所"), null=True, blank=True)
    note = models.TextField(_("メモ"), blank=True)
    staff = models.ForeignKey("accounts.Staff", null=True, blank=True, on_delete=models.SET_NULL,
                              verbose_name=_("確認者"))

    objects = ViewerManager.from_queryset(FollowUpQuerySet)()

    class Meta:
        ordering = ["referral", "milestone"]
        constraints = [models.UniqueConstraint(fields=["referral", "milestone"], name="one_follow_up_per_milestone")]
        verbose_name = _("定着状況の確認")
        verbose_name_plural = _("定着状況の確認")

    def __str__(self) -> str:
        return f"{self.referral} {self.get_milestone_display()}"

    @staticmethod
    def due_on(hired_on: datetime.date, milestone: int) -> datetime.date:
        return months_after(hired_on, milestone)


class ContributionQuerySet(ViewerQuerySet["Contribution"]):
    def restrict(self, user: Staff) -> ContributionQuerySet:
        """Visible with the referral; a welfare office among the parties says the person receives welfare, so
        only those who may know it see that row."""
        qs = self.filter(referral__in=Referral.objects.restrict(user))
        return qs if policy.sees_welfare(user) else qs.exclude(agency__kind=AgencyKind.WELFARE_OFFICE)


class Contribution(models.Model):
    """A party that worked on a referral (e.g. Hello Work's referral of a person the welfare office sent and
    supported). A hire appears under each contributing party in breakdowns and once in totals."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="contributions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contributions",
                               verbose_name=_("機関"))

    objects = ViewerManager.from_queryset(ContributionQuerySet)()

    class Meta:
        ordering = ["referral", "agency"]
        constraints = [models.UniqueConstraint(fields=["referral", "agency"], name="one_contribution_per_agency")]
        verbose_name = _("関与した機関")
        verbose_name_plural = _("関与した機関")

    def __str__(self) -> str:
        return f"{self.referral} {self.agency}"
