"""Records planted with canary values in every restricted field, for the route-walking tests.

On top of the test world (``tests.world``): a recipient the Tamashima welfare office referred, registered by
the city at the welfare desk (福祉・ジョブサテライトみずしま), who consents to share with Hello Work *and* with
the Center — so the Center sees the person and must still not learn that they receive welfare — with a
consultation of each kind, a support request with its plan, visit and closing, a referral with the employer's
comments, its events and a retention check, the welfare office among its parties, and an individual
job-development visit for them; and a development visit for a seeker only Hello Work may see. A governance
record of each kind gives every URL an argument.

``ALLOWED`` is the specification the tests check the pages against: for each canary, the users who may ever
see it. It is written out by hand from the rules (DOMAIN.md, the issue), not derived from ``accounts.policy``.
"""

import datetime
from dataclasses import dataclass

from kakehashi.accounts.models import Agency
from kakehashi.employers.models import EmployerVisit
from kakehashi.governance.models import Agreement, Attendee, CouncilMeeting, Request
from kakehashi.governance.models import FollowUp as CouncilFollowUp
from kakehashi.governance.seed import load_agreement
from kakehashi.referrals.models import Contribution, FollowUp, Referral, ReferralEvent
from kakehashi.seekers.models import Consent, Consultation, DesiredOccupation, Seeker
from kakehashi.welfare.models import SupportPlan, SupportRequest, SupportVisit
from tests.world import World

D = datetime.date

CANARY_NAME = "見張 鳥子"
BARRIERS = "カナリア課題B7"
LIFE_NOTE = "カナリア生活相談L7"
JOB_NOTE = "カナリア職業相談J7"
CASE_NEEDS = "カナリア要請W7"
PLAN_GOALS = "カナリア目標P7"
CASE_VISIT = "カナリア来所V7"
CLOSING = "カナリア終了C7"
EMPLOYER_NOTE = "カナリア評価E7"
EVENT_NOTE = "カナリア経過E8"
FOLLOW_UP_NOTE = "カナリア定着F7"
DEVELOPMENT_NOTE = "カナリア開拓D7"
HW_ONLY_NOTE = "カナリア開拓H7"
SEEKER_NOTE = "カナリア希望N7"

HELLO_WORK = {"hana", "naoki", "hiro"}
CITY = {"chika", "mayor_m"}
TAMASHIMA_WELFARE = {"fuku", "fukum"}
CENTER = {"sen", "seiko"}

# Who may ever see each canary (admin is the administrator, who sees everything).
ALLOWED: dict[str, set[str]] = {
    # the person and what they say of themselves: every party they consented to, the Center included
    CANARY_NAME: HELLO_WORK | CITY | TAMASHIMA_WELFARE | CENTER | {"admin"},
    SEEKER_NOTE: HELLO_WORK | CITY | TAMASHIMA_WELFARE | CENTER | {"admin"},
    # welfare status and what goes with it: never the Center
    BARRIERS: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    CASE_NEEDS: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    PLAN_GOALS: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    CASE_VISIT: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    CLOSING: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    # consultations: the city's life consultations stay with the city and its welfare office
    LIFE_NOTE: CITY | TAMASHIMA_WELFARE | {"admin"},
    JOB_NOTE: HELLO_WORK | CITY | TAMASHIMA_WELFARE | {"admin"},
    # what the employer said: the placement service and the city's desk
    EMPLOYER_NOTE: HELLO_WORK | CITY | {"admin"},
    EVENT_NOTE: HELLO_WORK | CITY | {"admin"},
    FOLLOW_UP_NOTE: HELLO_WORK | CITY | {"admin"},
    # a note about a seeker on an employer's visit follows that seeker's consent
    DEVELOPMENT_NOTE: HELLO_WORK | CITY | TAMASHIMA_WELFARE | CENTER | {"admin"},
    HW_ONLY_NOTE: HELLO_WORK | {"admin"},
}

# What tells someone a person receives welfare, when it stands beside that person's name.
WELFARE_SIGNS = ("生活保護", "福祉事務所", "福祉窓口", "支援要請", "ジョブサテライト")
NOT_TOLD_WELFARE = CENTER


@dataclass
class Canaries:
    seeker: Seeker
    hw_only: Seeker
    referral: Referral
    case: SupportRequest
    visit: EmployerVisit
    hw_visit: EmployerVisit
    consent: Consent
    agreement: Agreement
    request: Request
    meeting: CouncilMeeting
    attendee: Attendee
    council_follow_up: CouncilFollowUp


def plant(world: World) -> Canaries:
    welfare_office = Agency.objects.get(code="tamashima-welfare")
    city = Agency.objects.get(code="kurashiki-city")
    hello_work = Agency.objects.get(code="hw-kurashiki-chuo")
    since = D(2025, 4, 1)
    seeker = Seeker.objects.create(
        seeker_id="S-CANARY", site=world.mizushima, registered_on=since, registered_by="city", name=CANARY_NAME,
        postal_code="712-8062", lat=34.52, lng=133.74, welfare_recipient=True, barriers=BARRIERS,
        referred_by="welfare_office", referring_agency=welfare_office, gap_years=9, note=SEEKER_NOTE)
    DesiredOccupation.objects.create(seeker=seeker, occupation=world.posting.occupation, rank=1)
    consent = Consent.objects.create(seeker=seeker, party="hello_work", given_on=since)
    Consent.objects.create(seeker=seeker, party="center", given_on=since)
    Consent.objects.create(seeker=seeker, party="welfare_office", given_on=since)
    Consultation.objects.create(seeker=seeker, held_on=since, kind="life", agency=city, notes=LIFE_NOTE)
    Consultation.objects.create(seeker=seeker, held_on=since, kind="job", agency=hello_work, notes=JOB_NOTE)
    case = SupportRequest.objects.create(
        seeker=seeker, welfare_office=welfare_office, caseworker=world.fuku, site=world.mizushima,
        requested_on=D(2025, 4, 2), needs=CASE_NEEDS, consent=consent, status="accepted", accepted_on=D(2025, 4, 3),
        accepted_by=world.naoki, closing_note=CLOSING)
    SupportPlan.objects.create(request=case, goals=PLAN_GOALS, steps="週1回の来所")
    SupportVisit.objects.create(request=case, on=D(2025, 4, 10), attended=True, note=CASE_VISIT, staff=world.naoki,
                                agency=hello_work)
    referral = Referral.objects.create(
        referral_id="R-CANARY", seeker=seeker, posting=world.posting, referred_on=D(2025, 5, 1), outcome="hired",
        outcome_on=D(2025, 5, 20), employer_note=EMPLOYER_NOTE, staff=world.naoki)
    ReferralEvent.objects.create(referral=referral, kind="hired", on=D(2025, 5, 20), note=EVENT_NOTE,
                                 staff=world.naoki)
    FollowUp.objects.create(referral=referral, milestone=1, checked_on=D(2025, 6, 20), still_employed=True,
                            note=FOLLOW_UP_NOTE, staff=world.naoki)
    Contribution.objects.create(referral=referral, agency=welfare_office)
    Contribution.objects.create(referral=referral, agency=hello_work)
    visit = EmployerVisit.objects.create(
        visit_id="V-CANARY", employer=world.employer, visited_on=D(2025, 4, 20), by="hello_work",
        staff=world.naoki, for_seeker=seeker, note=DEVELOPMENT_NOTE)
    hw_visit = EmployerVisit.objects.create(
        visit_id="V-HW-ONLY", employer=world.employer, visited_on=D(2025, 4, 21), by="hello_work",
        staff=world.naoki, for_seeker=world.seekers["s_hw"], note=HW_ONLY_NOTE)
    agreement = load_agreement()
    meeting = CouncilMeeting.objects.create(agreement=agreement, title="令和7年度第1回運営協議会",
                                            held_on=D(2025, 7, 1))
    attendee = Attendee.objects.create(meeting=meeting, staff=world.hiro)
    request = Request.objects.create(agreement=agreement, from_agency=city, to_agency=hello_work,
                                     subject="求人情報の提供", body="毎月お願いします。", requested_on=D(2025, 5, 1),
                                     due_on=D(2025, 5, 31))
    council_follow_up = CouncilFollowUp.objects.create(meeting=meeting, text="求人開拓の報告", owner=world.hiro,
                                                       due_on=D(2025, 8, 1))
    return Canaries(seeker=seeker, hw_only=world.seekers["s_hw"], referral=referral, case=case, visit=visit,
                    hw_visit=hw_visit, consent=consent, agreement=agreement, request=request, meeting=meeting,
                    attendee=attendee, council_follow_up=council_follow_up)
