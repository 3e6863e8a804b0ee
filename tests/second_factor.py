"""Signing test users in past the second factor, as a person with the authenticator app would."""

import time

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kakehashi.accounts.models import Staff


def authenticator_of(user: Staff) -> TOTPDevice:
    """The user's confirmed authenticator app, enrolled now if they have none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=True)
    return device


def code_for(device: TOTPDevice) -> str:
    """The code the app shows now — or, when that one was already used (a second sign-in within the same 30
    seconds), the next one, which the device also accepts (its tolerance is one step)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    step = totp.t()
    if step <= device.last_t:
        step = device.last_t + 1
        assert step <= totp.t() + device.tolerance, "three codes used within 90 seconds"
        totp.time = device.t0 + step * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client: Client, user: Staff) -> Client:
    """Sign ``client`` in as ``user`` with a session verified by the user's authenticator, the way
    ``django_otp.login`` marks it."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_of(user).persistent_id
    session.save()
    return client
