from typing import Any

from django.http import HttpRequest


def site_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_user": user if user is not None and user.is_authenticated else None}
