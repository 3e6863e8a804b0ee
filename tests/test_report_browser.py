"""A manager opens the council report in the browser and drills down from a figure to the records behind it."""

import pytest
from pytest_django.live_server_helper import LiveServer

from tests.browser import chromium, log_in
from tests.test_report import build_seed_year
from tests.world import PASSWORD, build_world


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_opens_the_council_report_and_drills_down_to_the_placements(live_server: LiveServer) -> None:
    world = build_world()
    build_seed_year(world)
    with chromium() as browser:
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        log_in(page, live_server.url, "hiro", PASSWORD)

        page.click("nav >> text=事業目標")
        page.select_option("select[name=site]", "tamashima")
        page.fill("input[name=fy]", "平成２５年度")
        page.click("form.filters button")
        page.click("text=取組状況（実績と見込み）を見る")
        page.fill("input[name=as_of]", "平成25年10月31日")
        page.click("form.filters button")
        page.wait_for_selector("#by-site")  # the all-sites table arrives after the page
        page.click("text=運営協議会資料")

        assert "25年度事業目標" in page.inner_text("table.council")
        assert "取組状況（25年10月末時点）" in page.inner_text("table.council")
        figure = page.locator('[data-indicator="placements"][data-column="actual"] a.figure')
        assert figure.inner_text() == "471"
        figure.click()

        page.wait_for_url("**/plans/drill/tamashima/2013/placements/**")
        assert page.inner_text("#drill-total") == "471"
        listed = page.locator("#drill-records tr").count() - 1  # less the header
        assert listed == 200  # the first page of three; this manager may see every one of them
        assert "1 / 3" in page.inner_text(".pagination")
        assert page.locator("#drill-hidden").count() == 0

        # The page is drawn in a Japanese font, not in boxes.
        cdp = context.new_cdp_session(page)
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "h1"})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        assert any("CJK" in f["familyName"] for f in fonts), fonts
