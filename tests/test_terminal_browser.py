"""The seekers' terminal in a real browser: a manager enrols it, a person searches in any kana and takes a ticket
with a posting, a counselor serves the ticket and refers from it, the figures count it; and a browser holding only
the terminal's cookie reaches no staff page and no one's record."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from kakehashi.accounts.policy import ROUTES
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import EventKind, ReferralEvent
from kakehashi.seekers.models import Seeker
from kakehashi.terminal.models import Ticket
from tests.browser import chromium, log_in
from tests.canaries import plant
from tests.test_policy_routes import arguments
from tests.world import PASSWORD, World, build_world


def _care_postings(world: World) -> None:
    today = timezone.localdate()
    care = Occupation.objects.get(code="050")
    for key, title in (("33010-09001", "介護職員（日勤のみ）"), ("33010-09002", "ｶｲｺﾞ補助スタッフ")):
        Posting.objects.create(
            posting_id=key,
            employer=world.employer,
            site=world.tamashima,
            occupation=care,
            received_on=today - datetime.timedelta(days=1),
            openings=1,
            postal_code="713-8121",
            title=title,
            wage_min=180000,
        )


def _register(page: Page, base: str, name: str) -> str:
    """A manager registers a terminal at Tamashima and reads the code the page shows."""
    page.goto(f"{base}{reverse('terminals:devices')}?site=tamashima")
    page.fill("#id_name", name)
    page.click("#register")
    return page.inner_text(f"tr:has(input[value='{name}']) [data-code]").strip()


def _enrol(context: BrowserContext, base: str, code: str) -> Page:
    page = context.new_page()
    page.goto(base + reverse("terminal:search"))
    assert page.locator("#unenrolled").is_visible()
    page.goto(base + reverse("terminal:enrol"))
    page.fill("#id_code", code)
    page.keyboard.press("Enter")
    page.wait_for_url(base + reverse("terminal:search"))
    return page


def _search(page: Page, words: str) -> list[str]:
    page.fill("#id_q", words)
    page.keyboard.press("Enter")  # the keyboard alone
    page.wait_for_selector("#result-count")
    return page.eval_on_selector_all("#results [data-posting]", "els => els.map(e => e.dataset.posting)")


def _fits(page: Page) -> None:
    """No sideways scrolling, and every control at least 56 px high (a finger, not a mouse)."""
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    small = page.eval_on_selector_all(
        "main button, main input:not([type=checkbox]), main select, main .big-button, header .bar-button",
        "els => els.filter(e => e.getBoundingClientRect().height < 56).map(e => e.outerHTML.slice(0, 80))",
    )
    assert small == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_searches_takes_a_ticket_and_the_desk_refers_from_it(live_server: LiveServer) -> None:
    world = build_world()
    _care_postings(world)
    base = live_server.url
    with chromium() as browser:
        manager = browser.new_context(locale="ja-JP").new_page()
        log_in(manager, base, "hiro", PASSWORD)
        code = _register(manager, base, "入口の端末")

        terminal = browser.new_context(locale="ja-JP", viewport={"width": 1080, "height": 1920})
        page = _enrol(terminal, base, code)
        assert page.locator("header.top").count() == 0 and "ログアウト" not in page.content()
        half_width = _search(page, "ｶｲｺﾞ")
        hiragana = _search(page, "かいご")
        assert hiragana == half_width and set(hiragana) == {"33010-09001", "33010-09002"}
        _fits(page)
        page.set_viewport_size({"width": 1366, "height": 768})
        _fits(page)
        page.click("[data-posting='33010-09001']")
        assert page.inner_text("#posting-id") == "33010-09001"
        # 「印刷」 opens the 求人票 in a tab of its own; what that tab loads is the PDF
        assert page.get_attribute("#print", "target") == "_blank"
        sheet = page.request.get(base + (page.get_attribute("#print", "href") or ""))
        assert sheet.status == 200 and sheet.headers["content-type"] == "application/pdf"
        assert sheet.body().startswith(b"%PDF")
        page.click("#choose")
        page.click("#consult")
        page.click("#take-ticket")
        assert page.inner_text("#ticket-number") == "1"
        ticket = Ticket.objects.get()
        assert [p.posting_id for p in ticket.postings.all()] == ["33010-09001"]

        desk = browser.new_context(locale="ja-JP").new_page()
        log_in(desk, base, "hana", PASSWORD)
        desk.click("#terminal-card a[href^='/terminals/queue/']")
        desk.click("#queue-waiting [data-ticket='1']")
        desk.click("[data-step='call']")
        desk.click("[data-step='start']")
        assert desk.inner_text("#ticket-status") == "相談中"
        desk.click("[data-refer='33010-09001']")
        assert desk.input_value("#id_posting_id") == "33010-09001"
        desk.fill("#id_seeker_id", "S-HW-1")
        desk.click("main button[type=submit]")
        desk.wait_for_url(f"**/seekers/{world.seekers['s_hw'].pk}/**")
        assert [r.posting.posting_id for r in ticket.referrals.all()] == ["33010-09001"]

        # the referral's page prints the 紹介状 (a form posted to a tab of its own), and the print is kept
        referral = ticket.referrals.get()
        desk.goto(base + reverse("referrals:detail", args=[referral.pk]))
        form = desk.locator("#letter-form")
        assert (
            form.get_attribute("target") == "_blank" and form.locator("button").inner_text() == "紹介状を印刷"
        )
        letter = desk.request.post(
            base + (form.get_attribute("action") or ""),
            form={"csrfmiddlewaretoken": form.locator("[name=csrfmiddlewaretoken]").input_value()},
            headers={"Referer": desk.url},
        )
        assert letter.status == 200 and letter.headers["content-type"] == "application/pdf"
        assert letter.body().startswith(b"%PDF")
        printed = ReferralEvent.objects.get(referral=referral, kind=EventKind.LETTER_PRINTED)
        assert printed.staff == world.hana and printed.on == timezone.localdate()

        manager.goto(f"{base}{reverse('terminals:figures')}?site=tamashima")
        headings = manager.eval_on_selector_all("#figures thead th", "els => els.map(e => e.innerText)")
        totals = manager.eval_on_selector_all("#figures tfoot th", "els => els.map(e => e.innerText)")
        figures = dict(zip(headings[1:], totals[1:], strict=True))
        assert figures["受付票"] == "1" and figures["紹介に至った受付"] == "1"
        assert figures["検索"] == "2" and figures["求人の閲覧"] == "1" and figures["利用"] == "1"
        assert figures["印刷"] == "1"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_terminal_cookie_reaches_no_staff_page_and_no_ones_record(live_server: LiveServer) -> None:
    world = build_world()
    _care_postings(world)
    values = arguments(world, plant(world))
    world.employer.phone = "086-999-1234"
    world.employer.save()
    base = live_server.url
    names = list(Seeker.objects.values_list("name", flat=True))
    with chromium() as browser:
        manager = browser.new_context(locale="ja-JP").new_page()
        log_in(manager, base, "hiro", PASSWORD)
        code = _register(manager, base, "待合の端末")
        terminal = browser.new_context(locale="ja-JP")
        page = _enrol(terminal, base, code)
        opened = []
        for name, route in sorted(ROUTES.items()):
            if route.public:
                continue
            kinds = route.records
            url = reverse(name, kwargs={arg: values[kind][0] for arg, kind in kinds.items()})
            response = terminal.request.get(base + url, max_redirects=0)
            if response.status == 405:  # a page that only takes a form: sent one, without a staff sign-in
                response = terminal.request.post(base + url, max_redirects=0)
            location = response.headers.get("location", "")
            if name == "home":  # the home page of someone not signed in is the sign-in form
                assert (
                    response.status == 200
                    and 'name="password"' in response.text()
                    and "/seekers/" not in response.text()
                )
            elif not (response.status == 403 or (response.status == 302 and location.startswith("/login/"))):
                opened.append((name, response.status, location))
        assert opened == []
        # the terminal's own pages show postings, never a person
        for words in ("ｶｲｺﾞ", "プレス"):
            page.goto(base + reverse("terminal:search"))
            _search(page, words)
            page.click("#results a >> nth=0")
            body = page.content()
            assert not [n for n in names if n in body]
            assert world.employer.phone not in body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_furigana_button_puts_readings_over_the_labels_and_takes_them_off(
    live_server: LiveServer,
) -> None:
    build_world()
    base = live_server.url
    with chromium() as browser:
        manager = browser.new_context(locale="ja-JP").new_page()
        log_in(manager, base, "hiro", PASSWORD)
        page = _enrol(browser.new_context(locale="ja-JP"), base, _register(manager, base, "待合の端末"))
        assert page.locator("rt").count() == 0
        page.click("#furigana")
        page.wait_for_selector("label[for=id_area] rt")
        assert page.inner_text("label[for=id_area] rt") == "ちく"
        assert page.get_attribute("#furigana", "aria-pressed") == "true"
        _fits(page)
        page.click("#furigana")
        page.wait_for_selector("#furigana[aria-pressed=false]")
        assert page.locator("rt").count() == 0
