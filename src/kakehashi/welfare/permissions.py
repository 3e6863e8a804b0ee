"""Who may change a welfare case, in the shape of ``accounts.permissions``: the caseworker files, the desk
(Hello Work's counselors and navigators, the city's counselor) accepts, and both keep the plan and the visits."""

from typing import Any

from kakehashi.accounts.models import AgencyKind, Role

HW = AgencyKind.HELLO_WORK
CITY = AgencyKind.CITY
WELFARE = AgencyKind.WELFARE_OFFICE

DESK: set[tuple[str, str]] = {(HW, Role.JOB_COUNSELOR), (HW, Role.NAVIGATOR), (CITY, Role.LIFE_COUNSELOR)}
CASEWORKER: set[tuple[str, str]] = {(WELFARE, Role.CASEWORKER)}

CAPABILITIES: dict[str, set[tuple[str, str]]] = {
    "support_request.file": CASEWORKER,
    "support_request.accept": DESK,
    "support_plan.edit": DESK | CASEWORKER,
    "support_visit.record": DESK | CASEWORKER,
    "support_case.close": DESK | CASEWORKER,
}


def can(user: Any, capability: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_administrator:
        return capability in CAPABILITIES
    return (user.agency_kind, user.role) in CAPABILITIES[capability]
