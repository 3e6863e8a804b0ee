from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.policy import may_open

# The main menu: each item shows only to those who may open it (``accounts.policy.ROUTES``).
NAV = [
    ("seekers:list", _("求職者")),
    ("employers:list", _("事業所")),
    ("postings:list", _("求人")),
    ("referrals:list", _("職業紹介")),
    ("development:board", _("求人開拓")),
    ("welfare:list", _("福祉窓口")),
    ("plans:index", _("事業目標")),
    ("governance:index", _("協定・要望")),
]


def site_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {"nav_user": user if signed_in else None,
            "nav_items": [(name, label) for name, label in NAV if may_open(user, name)] if signed_in else []}
