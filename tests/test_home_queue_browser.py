"""The home page in a real browser, as each role: every link on it, the menu's included, opens for that role —
none answers 403 or 404."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from kakehashi.accounts.models import Agency, Role, Staff
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.referrals.models import FollowUp, Referral, months_after
from kakehashi.seekers.models import Consent
from kakehashi.welfare.models import SupportRequest
from tests.browser import chromium, log_in
from tests.world import PASSWORD, USERNAMES, World, build_world

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today() -> None:
    """Each test's today, taken as it starts: a suite collected before midnight (Japan time) runs its tests after it,
    and the pages count overdue days from the day they answer."""
    global TODAY  # the data builders below read the day the test started
    TODAY = timezone.localdate()


def add_work(world: World) -> None:
    """A navigator at Mizushima, and work in every section: referrals waiting (one overdue), a hire due its
    retention check, a support request for the desk, employer visits."""
    Staff.objects.create_user("mnavi", password=PASSWORD, display_name="水島 ナビ", role=Role.NAVIGATOR,
                              agency=world.hana.agency, site=world.mizushima)
    person = world.seekers["s_hw"]
    for key, who, days in (("R-B-OLD", world.hana, 30), ("R-B-NEW", world.hana, 2), ("R-B-NAOKI", world.naoki, 20)):
        Referral.objects.create(referral_id=key, seeker=person, posting=world.posting, staff=who,
                                referred_on=TODAY - datetime.timedelta(days=days))
    hired_on = months_after(TODAY - datetime.timedelta(days=10), -1)
    Referral.objects.create(referral_id="R-B-HIRE", seeker=person, posting=world.posting, staff=world.hana,
                            referred_on=hired_on - datetime.timedelta(days=5), outcome="hired", outcome_on=hired_on)
    assert not FollowUp.objects.exists()
    SupportRequest.objects.create(
        seeker=world.seekers["s_welfare"], welfare_office=Agency.objects.get(code="tamashima-welfare"), caseworker=world.fuku,
        site=world.tamashima, requested_on=TODAY - datetime.timedelta(days=3),
        consent=Consent.objects.get(seeker=world.seekers["s_welfare"], party="hello_work"))
    for n, (who, by) in enumerate(((world.sen, VisitParty.CENTER), (world.naoki, VisitParty.HELLO_WORK))):
        EmployerVisit.objects.create(visit_id=f"V-B-{n}", employer=world.employer, visited_on=TODAY, by=by, staff=who)


def own_links(page: Page, base: str) -> list[str]:
    """The site's own pages the page links to, as the browser resolved them (not stylesheets or scripts)."""
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    host = urlsplit(base).netloc
    return sorted({h.split("#")[0] for h in hrefs if urlsplit(h).netloc == host and "/static/" not in h})


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_link_on_each_roles_home_page_opens_for_that_role(live_server: LiveServer) -> None:
    world = build_world()
    add_work(world)
    refused: list[tuple[str, str, int]] = []
    with chromium() as browser:
        for username in [*USERNAMES, "mnavi"]:
            context = browser.new_context(locale="ja-JP")
            page = context.new_page()
            log_in(page, live_server.url, username, PASSWORD)
            links = own_links(page, live_server.url)
            assert any("/seekers/" in link for link in links), username  # the menu is there
            if username == "hana":
                assert page.locator("#reminders-unanswered .badge.warn").first.inner_text() == "期限超過 16日"
                assert "すべて見る（2件）" in page.inner_text("#reminders-unanswered-section")
            for link in links:
                response = context.request.get(link)
                if response.status != 200:
                    refused.append((username, link, response.status))
            context.close()
    assert refused == []
