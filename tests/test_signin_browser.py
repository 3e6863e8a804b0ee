"""Two-factor sign-in in the browser, as a new staff member meets it: enrolment from the QR page's key, the
recovery codes, signing out and in again with password and code, the sign-out after a time without activity,
then the lockout after repeated failures —
with the Content-Security-Policy in force and nothing on these pages blocked by it."""

import base64
import time

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from tests.browser import chromium
from tests.world import PASSWORD, build_world


def code_at(key: bytes, step: int) -> str:
    totp = TOTP(key)
    totp.time = step * 30
    return f"{totp.token():06d}"


def password_step(page: Page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enrol_sign_out_sign_in_with_the_code_then_meet_the_lockout(live_server: LiveServer, tmp_path) -> None:  # type: ignore[no-untyped-def]  # tmp_path: pytest's fixture
    build_world()
    base = live_server.url
    blocked: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    with chromium() as browser:
        page = browser.new_context(locale="ja-JP").new_page()
        page.on("console", watch)

        # First sign-in: the password leads to enrolment, with a QR code drawn on the page.
        password_step(page, base, "naoki", PASSWORD)
        assert "/account/2fa/enrol/" in page.url
        assert page.locator("#qr svg path").count() == 1
        page.screenshot(path=str(tmp_path / "enrol.png"), full_page=True)
        typed = (page.text_content("#secret") or "").replace(" ", "")
        key = base64.b32decode(typed + "=" * (-len(typed) % 8))
        enrolled_at = int(time.time()) // 30
        page.fill("#id_code", code_at(key, enrolled_at))
        page.click("main form button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        assert len(page.locator("#recovery-codes code").all_inner_texts()) == 10
        page.screenshot(path=str(tmp_path / "recovery-codes.png"), full_page=True)
        # The print button works through the static script (no inline handler).
        page.evaluate("window.print = () => { window.printed = true; }")
        page.click("button[data-print]")
        assert page.evaluate("window.printed") is True
        page.click("text=続ける")
        page.wait_for_url(base + "/")

        # Sign out, then in again with the password and the next code the app shows.
        page.click("header .who button")
        page.wait_for_url("**/login/**")
        password_step(page, base, "naoki", PASSWORD)
        assert "/account/2fa/" in page.url and "enrol" not in page.url
        page.goto(base + "/seekers/")  # nothing else is reachable before the code
        assert "/account/2fa/" in page.url
        page.fill("#id_code", code_at(key, max(int(time.time()) // 30, enrolled_at + 1)))
        page.click("main form button[type=submit]")
        page.wait_for_url(base + "/seekers/")
        assert "求職者" in page.inner_text("h1")

        # The language switcher submits through the static script as well.
        page.select_option("select[name=language]", "en")
        page.wait_for_function("document.documentElement.lang === 'en'")

        # Left idle past the limit (one second here; 30 minutes by default), the next page is the sign-in page,
        # which says why.
        with override_settings(SESSION_IDLE_SECONDS=1):
            time.sleep(2.5)
            page.goto(base + "/seekers/")
            page.wait_for_url("**/login/**")
        assert "expired=idle" in page.url
        assert "signed out after a period without activity" in page.inner_text("main")
        page.goto(base + "/seekers/")  # the session is gone, not merely interrupted
        assert "/login/" in page.url

        # Five wrong passwords lock the username at this PC; then even the right one is refused.
        other = browser.new_context(locale="ja-JP").new_page()
        other.on("console", watch)
        for _ in range(4):
            password_step(other, base, "naoki", "wrong-pass-999")
            assert other.locator(".errorlist").count() == 1
        password_step(other, base, "naoki", "wrong-pass-999")
        assert "ログインの失敗が続いたため" in other.inner_text("#lockout")
        password_step(other, base, "naoki", PASSWORD)
        assert "ログインの失敗が続いたため" in other.inner_text("#lockout")
        assert "/login/" in other.url
        other.screenshot(path=str(tmp_path / "lockout.png"), full_page=True)

    assert blocked == []
