"""A job counselor logs in, finds a seeker, records a referral and sees it on the seeker's page."""

from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

from kakehashi.referrals.models import Referral
from tests.browser import chromium, log_in
from tests.world import PASSWORD, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_counselor_finds_a_seeker_and_records_a_referral(live_server: LiveServer, tmp_path: Path) -> None:
    world = build_world()
    with chromium() as browser:
        page = browser.new_context(locale="ja-JP").new_page()
        log_in(page, live_server.url, "hana", PASSWORD)
        assert "今日の業務" in page.inner_text("h1")

        page.click("nav >> text=求職者")
        page.fill("input[name=q]", "玉島")
        page.click("form.filters button[type=submit]")
        page.click("text=玉島 三郎")
        assert "玉島 三郎" in page.inner_text("h1")

        page.click("text=紹介を記録")
        assert page.input_value("#id_seeker_id") == "S-HW-1"
        page.fill("#id_posting_id", "３３０１０－００００１")  # full-width, as typed on a Japanese IME
        page.fill("#id_referred_on", "令和7年5月10日")
        page.click("main button[type=submit]")

        page.wait_for_selector("text=紹介を記録しました")
        row = page.inner_text("#referrals")
        assert "プレス機オペレーター" in row and "2025-05-10" in row and "選考中" in row
        page.screenshot(path=str(tmp_path / "seeker.png"), full_page=True)
        # The Japanese text is drawn with a CJK font, not boxes.
        cdp = page.context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        node = cdp.send("DOM.querySelector", {"nodeId": cdp.send("DOM.getDocument")["root"]["nodeId"],
                                              "selector": "h1"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        assert any("CJK" in f["familyName"] for f in fonts), fonts

    referral = Referral.objects.get(seeker=world.seekers["s_hw"])
    assert (referral.posting_id, referral.staff.username) == (world.posting.pk, "hana")
