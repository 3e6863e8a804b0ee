from typing import Any

from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from kakehashi.accounts.models import InstallationSettings
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
# Menu items of a desk the installation may not run (``InstallationSettings``, from its file).
DESK_ITEMS = {"welfare:list": "welfare_desk"}


def _installation() -> InstallationSettings:
    """The installation's settings; its defaults while the database cannot give them (the sign-in page names the
    municipality but otherwise needs nothing of the database, and must still answer then)."""
    try:
        if not transaction.get_connection().in_atomic_block:
            return InstallationSettings.current()  # a failed read here leaves no transaction to spoil
        with transaction.atomic():  # inside one, a savepoint keeps a failed read from spoiling it
            return InstallationSettings.current()
    except DatabaseError:
        return InstallationSettings()


def site_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    # Read once per page, and only when a page or the menu asks for it (the login page names the municipality).
    installation = SimpleLazyObject(_installation)

    def shown(name: str) -> bool:
        desk = DESK_ITEMS.get(name)
        return may_open(user, name) and (desk is None or bool(getattr(installation, desk)))

    return {"nav_user": user if signed_in else None, "installation": installation,
            "nav_items": [(name, label) for name, label in NAV if shown(name)] if signed_in else []}
