"""The second factor: a TOTP authenticator app (django-otp's ``TOTPDevice``) and one-time recovery codes
(django-otp's ``StaticDevice``, one token per code, deleted as it is used).

A session is *verified* when django-otp's ``OTPMiddleware`` finds the device that verified it (``otp_device_id``
in the session, set by ``django_otp.login``). With ``KAKEHASHI_2FA`` off (the demo) every signed-in session
counts as verified.
"""

import base64
import unicodedata
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

# Device names, as the user and the administrator see them.
AUTHENTICATOR = "認証アプリ"
RECOVERY = "リカバリーコード"
RECOVERY_CODE_COUNT = 10


def required() -> bool:
    return bool(settings.KAKEHASHI_2FA)


def is_verified(user: Any) -> bool:
    """Whether this request's session was verified with a second factor (``OTPMiddleware`` installs the
    check on ``request.user``)."""
    check = getattr(user, "is_verified", None)
    return bool(check is not None and check())


def satisfied(user: Any) -> bool:
    """Whether a signed-in ``user`` may go past the sign-in pages."""
    return not required() or is_verified(user)


def authenticator(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have enrolled one."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def is_enrolled(user: Any) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def pending_authenticator(user: Any) -> TOTPDevice:
    """The unconfirmed device an enrolment shows as a QR code. The same one until it is confirmed, so that
    reloading the page does not change the code the user has already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def recovery_codes_left(user: Any) -> int:
    return int(StaticToken.objects.filter(device__user=user, device__confirmed=True).count())


def new_recovery_codes(user: Any) -> list[str]:
    """Replace the user's recovery codes with fresh ones and return them; they are shown this once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for an app that cannot scan the code."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The ``otpauth://`` URI as an inline SVG drawn here: the key never leaves the server for a QR service."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = str(image.to_string(encoding="unicode"))
    # The SVG is generated from our own URI by qrcode, with no user input in it.
    return mark_safe(svg)  # noqa: S308  # drawn by qrcode from our own URI, no user input


def normalised(code: str) -> str:
    """What the user typed, as the devices compare it: full-width digits and letters made ASCII, spaces and
    hyphens dropped, lower case (recovery codes are lower-case base32)."""
    text = unicodedata.normalize("NFKC", code)
    return "".join(ch for ch in text if ch not in " -\u3000").lower()


def verify(user: Any, code: str) -> tuple[Device | None, bool]:
    """The device that accepts ``code`` for ``user`` — a six-digit code is tried on the authenticator app, any
    other on the recovery codes (a used one is deleted) — and whether a device refused it only because of
    django-otp's throttling (each failure doubles the wait before the next try)."""
    token = normalised(code)
    if not token:
        return None, False
    model: type[Device] = TOTPDevice if len(token) == 6 and token.isdigit() else StaticDevice
    throttled = False
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            allowed, _why = device.verify_is_allowed()
            if not allowed:
                throttled = True
                continue
            if device.verify_token(token):
                return device, False
    return None, throttled


def confirm(device: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the current code of the pending ``device`` (the user's app shows the same)."""
    token = normalised(code)
    if not token.isdigit():
        return False
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        return bool(locked.verify_token(token))
