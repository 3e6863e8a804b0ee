"""The code picker in a browser: found by typing plain words, chosen with the keyboard or a tap on a tablet, and
sent with the form as a select would send it."""

from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

from kakehashi.employers.models import EmployerVisit
from kakehashi.seekers.models import Seeker
from tests.browser import chromium, log_in, pick_code
from tests.world import PASSWORD, build_world

CHIPS = "[data-picker-chosen] input:checked"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_counselor_picks_occupations_by_words_with_the_keyboard(live_server: LiveServer, tmp_path: Path) -> None:
    world = build_world()
    with chromium() as browser:
        page = browser.new_page()
        log_in(page, live_server.url, "hana", PASSWORD)
        page.goto(live_server.url + "/seekers/new/")
        box = page.locator("#id_desired_1")
        box.focus()
        box.type("溶接")
        page.wait_for_selector("#id_desired_1-options[data-for='溶接'] [data-code='067']")
        assert page.get_attribute("#id_desired_1", "aria-expanded") == "true"
        page.keyboard.press("ArrowDown")  # 071 溶接 first, then 067 溶接ロボット…
        assert page.get_attribute("#id_desired_1", "aria-activedescendant") == "id_desired_1-option-0"
        page.keyboard.press("Enter")
        assert page.locator(f"#id_desired_1 >> xpath=.. >> {CHIPS}").evaluate_all("l => l.map(e => e.value)") == ["071"]
        assert page.url.endswith("/seekers/new/")  # Enter chose; it did not send the form
        # a second choice replaces the first in a one-code picker; Escape closes the list
        box.type("梱包")
        page.wait_for_selector("#id_desired_1-options[data-for='梱包'] [data-code='097']")
        page.keyboard.press("Escape")
        assert page.is_hidden("#id_desired_1-options")
        page.keyboard.press("ArrowDown")
        page.wait_for_selector("#id_desired_1-options [data-code='097']")
        page.keyboard.press("Enter")  # the only option is already the active one
        assert page.locator(f"#id_desired_1 >> xpath=.. >> {CHIPS}").evaluate_all("l => l.map(e => e.value)") == ["097"]
        page.fill("#id_name", "鍵盤 太郎")
        page.fill("#id_registered_on", "2025-06-02")
        page.fill("#id_postal_code", "713-8121")
        page.click("main form.card button[type=submit]")
        page.wait_for_selector("text=求職者を登録しました")
    assert Seeker.objects.get(name="鍵盤 太郎").desired_occupation_codes() == ["097"]
    assert world.tamashima.pk


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_promoter_picks_hiring_needs_with_taps_on_a_tablet(live_server: LiveServer, tmp_path: Path) -> None:
    world = build_world()
    with chromium() as browser:
        page = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True).new_page()
        log_in(page, live_server.url, "sen", PASSWORD)
        page.goto(live_server.url + f"/employers/{world.employer.pk}/visits/new/")
        assert page.locator("select[multiple]").count() == 0
        page.tap("#id_hiring_need_occupations")  # a tap shows the list to browse
        page.wait_for_selector("#id_hiring_need_occupations-options [data-code='099']")
        pick_code(page, "id_hiring_need_occupations", "梱包", "097")
        page.fill("#id_hiring_need_occupations", "溶接")
        page.tap("#id_hiring_need_occupations-options [data-code='071']")
        page.fill("#id_hiring_need_occupations", "ﾌｫｰｸﾘﾌﾄ")
        page.tap("#id_hiring_need_occupations-options [data-code='095']")
        chosen = page.locator(CHIPS).evaluate_all("l => l.map(e => e.value)")
        assert chosen == ["097", "071", "095"]
        page.tap("[data-picker-chosen] input[value='071']")  # untick to drop
        assert page.locator(CHIPS).count() == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        page.fill("#id_visited_on", "2025-06-20")
        page.click("main form.card button[type=submit]")
        page.wait_for_selector("text=訪問を記録しました")
    visit = EmployerVisit.objects.get(employer=world.employer)
    assert sorted(visit.hiring_need_occupations.values_list("code", flat=True)) == ["095", "097"]
