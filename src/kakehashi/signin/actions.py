"""Changes to how someone signs in. Each is one transaction with its audit row (認証設定の変更)."""

from typing import Any

from axes.utils import reset as reset_axes_attempts
from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from kakehashi.accounts.models import Staff
from kakehashi.accounts.policy import can
from kakehashi.audit.log import Refused, record
from kakehashi.audit.models import Action

from . import second_factor


def _audit(acting_user: Any, staff: Staff, change: str, purpose: str, **detail: Any) -> None:
    record(acting_user, Action.SIGN_IN_SETTING, Staff, staff, purpose=purpose,
           detail={"change": change, "username": staff.get_username(), **detail})


@transaction.atomic
def do_enrol_second_factor(device: TOTPDevice, *, acting_user: Any) -> list[str]:
    """Confirm the user's newly scanned authenticator, retire any earlier one, and issue fresh recovery codes,
    which are returned to be shown once."""
    staff = device.user
    TOTPDevice.objects.filter(user=staff).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = second_factor.new_recovery_codes(staff)
    _audit(acting_user, staff, "second_factor_enrolled", "2段階認証の登録", recovery_codes=len(codes))
    return codes


@transaction.atomic
def do_renew_recovery_codes(staff: Staff, *, acting_user: Any) -> list[str]:
    """Replace the recovery codes (the old ones stop working) and return the new ones, shown once."""
    codes = second_factor.new_recovery_codes(staff)
    _audit(acting_user, staff, "recovery_codes_renewed", "リカバリーコードの再発行", recovery_codes=len(codes))
    return codes


def _require_administrator(acting_user: Any, staff: Staff) -> None:
    if not can(acting_user, "staff.administer"):
        raise Refused("accounts.Staff", staff.pk, purpose=N_("職員の認証設定"))


@transaction.atomic
def do_reset_second_factor(staff: Staff, *, acting_user: Any) -> None:
    """The administrator's reset for a lost phone: the authenticator and recovery codes are removed, every
    session the user had verified with them stops counting as verified, and the next sign-in enrols anew."""
    _require_administrator(acting_user, staff)
    devices = [TOTPDevice.objects.filter(user=staff), StaticDevice.objects.filter(user=staff)]
    removed = sum(qs.count() for qs in devices)
    for qs in devices:
        qs.delete()
    _audit(acting_user, staff, "second_factor_reset", "2段階認証のリセット", devices_removed=removed)


@transaction.atomic
def do_unlock_sign_in(staff: Staff, *, acting_user: Any) -> int:
    """Lift the lockout of ``staff``'s username from every address; returns the failure records cleared."""
    _require_administrator(acting_user, staff)
    cleared = int(reset_axes_attempts(username=staff.get_username()))
    _audit(acting_user, staff, "unlocked", "ログインのロック解除", attempts_cleared=cleared)
    return cleared


@transaction.atomic
def do_record_password_change(staff: Staff, *, acting_user: Any) -> None:
    _audit(acting_user, staff, "password_changed", "パスワードの変更")
