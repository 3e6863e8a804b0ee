"""One timeline per seeker: the city's life and employment consultations, Hello Work's job consultations, the
referrals and what came of them, the welfare case and its visits, individual job development for them.

Each source is loaded through its own visibility rule, so an entry appears only to those who may see it: the
Center sees no consultation or welfare entry, Hello Work no life consultation, the welfare office a referral's
outcome but not what the employer said."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kakehashi.accounts.models import Agency, Staff
from kakehashi.accounts.viewing import person_ids_visible
from kakehashi.employers.models import EmployerVisit
from kakehashi.referrals.models import EventKind, Outcome, Referral, ReferralEvent
from kakehashi.seekers.models import Consultation, Seeker

from .models import SupportRequest


@dataclass(frozen=True)
class Entry:
    on: datetime.date
    source: str  # consultation, referral, welfare, development
    title: str
    who: str = ""
    text: str = ""
    url: str = ""

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


SOURCE_LABELS = {"consultation": gettext_lazy("相談"), "referral": gettext_lazy("職業紹介"),
                 "welfare": gettext_lazy("福祉窓口"), "development": gettext_lazy("求人開拓")}
# Order of sources within one day: a request comes before the visit, a referral before its outcome.
_RANK = {"welfare": 0, "consultation": 1, "development": 2, "referral": 3}


def _who(agency: Agency | None, staff: Staff | None) -> str:
    agency = agency or (staff.agency if staff is not None else None)
    return " ".join(str(x) for x in (agency, staff) if x is not None)


def seeker_timeline(seeker: Seeker, user: Staff) -> list[Entry]:
    """Everything that happened with ``seeker`` that ``user`` may see, newest first."""
    if seeker.pk not in person_ids_visible(user, {seeker.pk}):
        return []
    entries: list[tuple[int, Entry]] = []

    def add(entry: Entry, order: int = 0) -> None:
        entries.append((order, entry))

    for c in Consultation.objects.visible_to(user).filter(seeker=seeker).select_related("staff__agency", "agency"):
        add(Entry(c.held_on, "consultation", c.get_kind_display(), _who(c.agency, c.staff), c.notes))

    referrals = (Referral.objects.visible_to(user).filter(seeker=seeker)
                 .select_related("posting__employer", "staff__agency")
                 .prefetch_related(Prefetch("events", ReferralEvent.objects.visible_to(user).select_related("staff__agency"))))
    for r in referrals:
        label = f"{r.posting.title or r.posting.posting_id}（{r.posting.employer}）"
        url = reverse("referrals:detail", args=[r.pk])
        events = list(r.events.all())
        if not events:  # imported referrals carry no history: show what their fields say
            add(Entry(r.referred_on, "referral", f"{EventKind.REFERRED.label}：{label}", _who(None, r.staff), "", url))
            if r.outcome != Outcome.PENDING and r.outcome_on:
                add(Entry(r.outcome_on, "referral", f"{r.get_outcome_display()}：{label}", "", "", url), 1)
        for i, e in enumerate(events):
            title = f"{e.get_kind_display()}：{label}"
            if e.reason:
                title += f"（{e.get_reason_display()}）"
            add(Entry(e.on, "referral", title, _who(None, e.staff) or _("自動処理"), e.note, url), i)

    cases = (SupportRequest.objects.visible_to(user).filter(seeker=seeker)
             .select_related("welfare_office", "caseworker", "accepted_by__agency")
             .prefetch_related("visits__staff", "visits__agency"))
    for case in cases:
        url = reverse("welfare:detail", args=[case.pk])
        add(Entry(case.requested_on, "welfare", _("支援要請"), _who(case.welfare_office, case.caseworker), case.needs,
                  url))
        if case.accepted_on:
            add(Entry(case.accepted_on, "welfare", _("支援要請の受付"), _who(None, case.accepted_by), "", url), 1)
        for v in case.visits.all():
            title = _("来所") if v.attended else _("来所なし（約束の日に来られず）")
            add(Entry(v.on, "welfare", title, _who(v.agency, v.staff), v.note, url), 2)
        if case.closed_on:
            title = f"{_('支援終了')}：{case.get_outcome_display()}・{case.get_benefit_change_display()}"
            add(Entry(case.closed_on, "welfare", title, "", case.closing_note, url), 3)

    visits = (EmployerVisit.objects.visible_to(user).filter(for_seeker=seeker)
              .select_related("employer", "staff__agency", "resulting_posting"))
    for dv in visits:
        title = f"{_('個別求人開拓')}：{dv.employer}"
        if dv.resulting_posting:
            title += f" → {_('求人')} {dv.resulting_posting.posting_id}"
        add(Entry(dv.visited_on, "development", title, _who(None, dv.staff), dv.note,
                  reverse("employers:detail", args=[dv.employer_id])))

    entries.sort(key=lambda oe: (oe[1].on, _RANK[oe[1].source], oe[0]), reverse=True)
    return [e for _order, e in entries]
