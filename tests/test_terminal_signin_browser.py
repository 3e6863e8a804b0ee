"""The signed-in terminal page in a browser: the person signs in with full-width digits, sees their
recommendations, and the page's own script (a static file: the CSP forbids inline scripts) signs out and goes back
to the search page after a minute without input — but not while the person is using it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

from kakehashi.reference.models import Occupation
from kakehashi.seekers.models import DesiredOccupation, Seeker
from kakehashi.terminal import actions, signin
from tests.browser import chromium
from tests.world import build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_signed_in_page_returns_to_the_start_after_a_minute_without_input(
    live_server: LiveServer,
) -> None:
    world = build_world()
    seeker = Seeker.objects.create(
        seeker_id="33010-07654321",
        site=world.tamashima,
        registered_on=datetime.date(2025, 4, 1),
        registered_by="city",
        name="端末 七子",
        postal_code="713-8121",
        lat=34.54,
        lng=133.67,
    )
    DesiredOccupation.objects.create(seeker=seeker, occupation=Occupation.objects.get(code="073"), rank=1)
    signin.do_set_pin(seeker, "2468", acting_user=world.chika)
    code = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro).code
    base = live_server.url
    with chromium() as browser:
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.clock.install()
        page.goto(base + reverse("terminal:enrol"))
        page.fill("#id_code", code)
        page.keyboard.press("Enter")
        page.wait_for_url(base + reverse("terminal:search"))
        page.click("#signin-link")
        page.fill("#id_seeker_id", "３３０１０－０７６５４３２１")
        page.fill("#id_pin", "２４６８")
        page.keyboard.press("Enter")
        page.wait_for_url(base + reverse("terminal:mine"))
        shown = page.eval_on_selector_all(
            "#recommended [data-posting]", "els => els.map(e => e.dataset.posting)"
        )
        assert world.posting.posting_id in shown
        assert "七子" not in page.content()
        # input keeps it open: 50 s, a key, 50 s more
        page.clock.fast_forward("00:50")
        page.keyboard.press("Shift")
        page.clock.fast_forward("00:50")
        assert page.url == base + reverse("terminal:mine")
        # a minute without input: back to the start, signed out
        page.clock.fast_forward("00:11")
        page.wait_for_url(base + reverse("terminal:search"))
        page.goto(base + reverse("terminal:mine"))
        page.wait_for_url(base + reverse("terminal:search"))
        assert not [e for e in errors if "Content Security Policy" in e]
