"""The seeker page's welfare panel and unified timeline, rendered where the page includes them; each loads its
records through their visibility rules for the signed-in user."""

from typing import Any

from django import template

from kakehashi.accounts.policy import can
from kakehashi.seekers.models import Seeker

from ..models import SupportRequest
from ..timeline import seeker_timeline as build_timeline

register = template.Library()


@register.inclusion_tag("welfare/_timeline.html", takes_context=True)
def seeker_timeline(context: dict[str, Any], seeker: Seeker) -> dict[str, Any]:
    user = context["request"].user
    return {"entries": build_timeline(seeker, user)}


@register.inclusion_tag("welfare/_case_panel.html", takes_context=True)
def welfare_case_panel(context: dict[str, Any], seeker: Seeker) -> dict[str, Any]:
    user = context["request"].user
    cases = list(SupportRequest.objects.visible_to(user).filter(seeker=seeker)
                 .select_related("welfare_office", "caseworker", "site", "plan"))
    return {"seeker": seeker, "cases": cases, "open_case": next((c for c in cases if c.is_open), None),
            "can_file": can(user, "support_request.file") and seeker.referring_agency_id is not None}
