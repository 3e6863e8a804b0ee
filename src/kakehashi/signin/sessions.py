"""How long a signed-in session lasts: ``SESSION_IDLE_SECONDS`` without a request, ``SESSION_COOKIE_AGE`` after
the sign-in however active, and no longer than the browser stays open (``SESSION_EXPIRE_AT_BROWSER_CLOSE``).

Django alone renews a session's expiry whenever the session is saved, so it has no absolute lifetime and no idle
timeout of its own; the two stamps below, written at sign-in and kept by ``middleware.SessionLifetimeMiddleware``,
give both. Times are Unix seconds.
"""

from typing import Any

from django.conf import settings

SIGNED_IN_AT = "kakehashi_signed_in_at"
LAST_SEEN = "kakehashi_last_seen"
# The last-seen stamp is rewritten at most this often, so that a session is not saved on every request; the idle
# timeout is therefore exact to within this many seconds.
STAMP_EVERY = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def start(session: Any, now: float) -> None:
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def expired(session: Any, now: float) -> str:
    """Why a signed-in session has ended (``IDLE`` or ``ABSOLUTE``), or ``""`` while it lasts. A session without
    the stamps (one from before they were kept) has ended."""
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN)
    if not isinstance(signed_in_at, int | float) or now - signed_in_at > settings.SESSION_COOKIE_AGE:
        return ABSOLUTE
    if not isinstance(last_seen, int | float) or now - last_seen > settings.SESSION_IDLE_SECONDS:
        return IDLE
    return ""


def touch(session: Any, now: float) -> None:
    if now - session.get(LAST_SEEN, 0) >= STAMP_EVERY:
        session[LAST_SEEN] = now
