"""What each role may change. Reading is decided by the models' ``visible_to``; this says who may write.

One table, so a reviewer can see every write permission at once.
"""

from typing import Any

from .models import AgencyKind, Role

HW = AgencyKind.HELLO_WORK
CITY = AgencyKind.CITY
WELFARE = AgencyKind.WELFARE_OFFICE
CENTER = AgencyKind.CENTER

DESK: set[tuple[str, str]] = {(HW, Role.JOB_COUNSELOR), (HW, Role.NAVIGATOR), (CITY, Role.LIFE_COUNSELOR)}

# capability → the (agency kind, role) pairs that hold it.
CAPABILITIES: dict[str, set[tuple[str, str]]] = {
    # registering and editing seekers: Hello Work's counters, the city's counselor, the welfare caseworker
    "seeker.edit": {(HW, Role.JOB_COUNSELOR), (HW, Role.NAVIGATOR), (CITY, Role.LIFE_COUNSELOR),
                    (WELFARE, Role.CASEWORKER)},
    "consultation.add": {(HW, Role.JOB_COUNSELOR), (HW, Role.NAVIGATOR), (CITY, Role.LIFE_COUNSELOR),
                         (WELFARE, Role.CASEWORKER)},
    # employers are served by the Center and developed by Hello Work
    "employer.edit": {(CENTER, Role.DISTRICT_PROMOTER), (HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR)},
    "visit.record": {(CENTER, Role.DISTRICT_PROMOTER), (HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR),
                     (CITY, Role.LIFE_COUNSELOR)},
    # postings and referrals are Hello Work's placement service (職業紹介), by law
    "posting.edit": {(HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR)},
    "referral.edit": {(HW, Role.NAVIGATOR), (HW, Role.JOB_COUNSELOR)},
    # the welfare desk: the caseworker files a support request, the desk (Hello Work's counselors and
    # navigators, the city's counselor) accepts it, and both keep the plan and the visits
    "support_request.file": {(WELFARE, Role.CASEWORKER)},
    "support_request.accept": DESK,
    "support_plan.edit": DESK | {(WELFARE, Role.CASEWORKER)},
    "support_visit.record": DESK | {(WELFARE, Role.CASEWORKER)},
    "support_case.close": DESK | {(WELFARE, Role.CASEWORKER)},
}


def can(user: Any, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_administrator:
        return capability in CAPABILITIES
    return (user.agency_kind, user.role) in CAPABILITIES[capability]
