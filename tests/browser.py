"""Debian's chromium driven by Playwright — never a downloaded browser."""

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through the forms as a person does: the password, then the code their authenticator app shows
    (the app is enrolled for them first when they have none)."""
    from kakehashi.accounts.models import Staff
    from tests.second_factor import authenticator_of, code_for

    device = authenticator_of(Staff.objects.get(username=username))
    page.goto(base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/account/2fa/**")
    page.fill("#id_code", code_for(device))
    page.click("main button[type=submit]")
    page.wait_for_url(base_url + "/")


def pick_code(page: Page, field_id: str, words: str, code: str) -> None:
    """Choose a code in a code picker (kakehashi.reference.forms) as a person does: type plain words, tap the
    option for ``code``; its box is then ticked under the field's name."""
    page.fill(f"#{field_id}", words)
    page.click(f"#{field_id}-options[data-for='{words}'] [data-code='{code}']")
    page.wait_for_selector(f"[data-picker-chosen] input[value='{code}']:checked", state="attached")
