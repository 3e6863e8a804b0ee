"""The home page is each user's own queue: the work of their site and their caseload, what is due first with the
overdue marked and its days counted, each part with its total and a link to the whole list that shows the same
count, and only the links the role may open."""

import datetime
import html
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kakehashi.accounts.models import Agency, Role, Site, Staff
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.home.views import PREVIEW, Section
from kakehashi.referrals.models import FollowUp, Referral, months_after
from kakehashi.seekers.models import Consent, DesiredOccupation, Seeker
from kakehashi.welfare.models import SupportRequest
from tests.world import USERNAMES, World, client_for

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today() -> None:
    """Each test's today, taken as it starts: a suite collected before midnight (Japan time) runs its tests after it,
    and the pages count overdue days from the day they answer."""
    global TODAY  # the data builders below read the day the test started
    TODAY = timezone.localdate()
D = datetime.date
EVERYONE = [*USERNAMES, "mnavi"]


def days_ago(n: int) -> D:
    return TODAY - datetime.timedelta(days=n)


@dataclass
class Desk:
    """The world and, added here, a navigator at Mizushima with a seeker and a referral of her own there, and
    work at Tamashima for hana and naoki: referrals waiting on employers, hires due their retention checks,
    a support request for the desk, employer visits."""

    world: World
    overdue: Referral  # hana's, waiting 30 days on a site that allows 14
    fresh: Referral  # hana's, waiting 3 days
    naokis: Referral
    mizushima: Referral  # mnavi's
    hire: Referral  # hana's, its one-month check 10 days overdue


def seeker(world: World, key: str, site: Site, name: str = "") -> Seeker:
    s = Seeker.objects.create(seeker_id=key, site=site, registered_on=days_ago(100), registered_by="hello_work",
                              name=name or key, postal_code="712-8001")
    DesiredOccupation.objects.create(seeker=s, occupation_id="073", rank=1)
    return s


def referral(world: World, key: str, who: Staff, person: Seeker, on: D, **kw: object) -> Referral:
    return Referral.objects.create(referral_id=key, seeker=person, posting=world.posting, referred_on=on, staff=who,
                                   **kw)


@pytest.fixture
def desk(world: World) -> Desk:
    mnavi = Staff.objects.create_user("mnavi", password="pass-word-123", display_name="水島 ナビ",
                                      role=Role.NAVIGATOR, agency=world.hana.agency, site=world.mizushima)
    world.users["mnavi"] = mnavi
    s_mizu = seeker(world, "S-MZ-1", world.mizushima, name="水島 六子")
    s_tama = world.seekers["s_hw"]
    hired_on = months_after(days_ago(10), -1)
    hire = referral(world, "R-HIRE", world.hana, s_tama, hired_on - datetime.timedelta(days=5), outcome="hired",
                    outcome_on=hired_on)
    # A check already recorded drops its hire from the queue.
    checked = referral(world, "R-CHECKED", world.hana, s_tama, hired_on - datetime.timedelta(days=5),
                       outcome="hired", outcome_on=hired_on)
    FollowUp.objects.create(referral=checked, milestone=1, checked_on=TODAY, still_employed=True)
    SupportRequest.objects.create(
        seeker=world.seekers["s_welfare"], welfare_office=Agency.objects.get(code="tamashima-welfare"),
        caseworker=world.fuku,
        site=world.tamashima, requested_on=days_ago(4),
        consent=Consent.objects.get(seeker=world.seekers["s_welfare"], party="hello_work"))
    for n, (who, by) in enumerate(((world.sen, VisitParty.CENTER), (world.naoki, VisitParty.HELLO_WORK))):
        EmployerVisit.objects.create(visit_id=f"V-{n}", employer=world.employer, visited_on=TODAY, by=by, staff=who)
    return Desk(
        world=world,
        overdue=referral(world, "R-OLD", world.hana, s_tama, days_ago(30)),
        fresh=referral(world, "R-NEW", world.hana, s_tama, days_ago(3)),
        naokis=referral(world, "R-NAOKI", world.naoki, s_tama, days_ago(5)),
        mizushima=referral(world, "R-MZ", mnavi, s_mizu, days_ago(20)),
        hire=hire,
    )


def sections(client: Client) -> dict[str, Section]:
    r = client.get(reverse("home"))
    assert r.status_code == 200
    return {s.key: s for s in [*r.context["referral_sections"], *r.context["sections"]]}


def waiting(client: Client) -> set[str]:
    return {i.url for i in sections(client)["reminders-unanswered"].rows}


def url(r: Referral) -> str:
    return reverse("referrals:detail", args=[r.pk])


def test_counselors_and_navigators_see_the_referrals_they_made_at_their_own_site(desk: Desk) -> None:
    assert waiting(client_for("hana")) == {url(desk.overdue), url(desk.fresh)}
    assert waiting(client_for("naoki")) == {url(desk.naokis)}
    assert waiting(client_for("mnavi")) == {url(desk.mizushima)}


def test_a_staff_member_moved_to_another_site_no_longer_sees_the_old_sites_referrals(desk: Desk) -> None:
    Staff.objects.filter(username="hana").update(site=desk.world.mizushima)
    assert waiting(client_for("hana")) == set()


def test_the_hello_work_manager_sees_every_counselors_waiting_referrals_at_the_managers_sites(desk: Desk) -> None:
    everyone = {url(desk.overdue), url(desk.fresh), url(desk.naokis), url(desk.mizushima),
                url(desk.world.referral)}
    assert waiting(client_for("hiro")) == everyone
    Staff.objects.filter(username="hiro").update(site=desk.world.mizushima)
    assert waiting(client_for("hiro")) == {url(desk.mizushima)}


def test_overdue_work_comes_first_marked_with_its_days(desk: Desk) -> None:
    queue = sections(client_for("hana"))
    unanswered = queue["reminders-unanswered"]
    assert [i.url for i in unanswered.rows] == [url(desk.overdue), url(desk.fresh)]
    assert [i.overdue_days for i in unanswered.rows] == [30 - 14, 0]
    assert (unanswered.total, unanswered.overdue) == (2, 1)
    checks = queue["reminders-follow-ups"]
    assert [(i.url, i.overdue_days) for i in checks.rows] == [(url(desk.hire), 10)]
    assert (checks.total, checks.overdue) == (1, 1)
    body = client_for("hana").get(reverse("home")).content.decode()
    assert body.count("期限超過 16日") == 1 and body.count("期限超過 10日") == 1
    assert "期限超過 0日" not in body


def test_a_section_shows_its_first_rows_and_the_total_of_all(desk: Desk) -> None:
    person = desk.world.seekers["s_hw"]
    for n in range(PREVIEW + 2):
        referral(desk.world, f"R-MANY-{n}", desk.world.hana, person, days_ago(40 + n))
    unanswered = sections(client_for("hana"))["reminders-unanswered"]
    assert len(unanswered.rows) == PREVIEW
    assert (unanswered.total, unanswered.overdue) == (PREVIEW + 4, PREVIEW + 3)
    assert unanswered.rows[0].overdue_days == 40 + PREVIEW + 1 - 14  # the longest waiting first
    assert f"すべて見る（{PREVIEW + 4}件）" in client_for("hana").get(reverse("home")).content.decode()


@pytest.mark.parametrize("username", EVERYONE)
def test_every_see_all_link_opens_for_the_role_and_lists_the_same_count(desk: Desk, username: str) -> None:
    client = client_for(username)
    body = client.get(reverse("home")).content.decode()
    for section in sections(client).values():
        if not section.total:
            continue
        assert html.escape(section.see_all) in body
        listing = client.get(section.see_all)
        assert listing.status_code == 200, (section.key, section.see_all)
        assert listing.context["page"].paginator.count == section.total, (section.key, section.see_all)


def links(body: str) -> set[str]:
    """The site's own pages the page links to (not its stylesheet or scripts)."""
    return {html.unescape(h) for h in re.findall(r'href="(/[^"]*)"', body) if not h.startswith("/static/")}


@pytest.mark.parametrize("username", EVERYONE)
def test_every_link_on_the_home_page_answers_for_the_role(desk: Desk, username: str) -> None:
    client = client_for(username)
    body = client.get(reverse("home")).content.decode()
    for link in links(body):
        assert client.get(link).status_code == 200, link


def test_each_role_has_the_sections_of_its_caseload(desk: Desk) -> None:
    keys = {u: set(sections(client_for(u))) for u in EVERYONE}
    counters = {"reminders-unanswered", "reminders-follow-ups", "queue-cases", "queue-seekers"}
    assert keys["hana"] == counters
    assert keys["naoki"] == keys["mnavi"] == counters | {"queue-visits"}
    assert keys["chika"] == {"queue-cases", "queue-seekers"}
    assert keys["fuku"] == keys["mizu"] == {"queue-cases", "queue-seekers"}
    assert keys["sen"] == keys["seiko"] == {"queue-visits"}
    assert keys["hiro"] == {"reminders-unanswered", "reminders-follow-ups", "queue-cases"}
    assert keys["mayor_m"] == keys["fukum"] == {"queue-cases"}
    assert keys["admin"] == set()


def test_the_desk_accepts_the_requests_for_its_site_and_the_caseworker_follows_their_own(desk: Desk) -> None:
    case = SupportRequest.objects.get()
    detail = reverse("welfare:detail", args=[case.pk])
    for username in ("hana", "chika", "fuku", "fukum"):
        assert [i.url for i in sections(client_for(username))["queue-cases"].rows] == [detail], username
    assert sections(client_for("mizu"))["queue-cases"].total == 0
    assert sections(client_for("mnavi"))["queue-cases"].total == 0  # filed for Tamashima


def test_the_promoter_sees_their_own_visits_and_the_centers_manager_the_centers(desk: Desk) -> None:
    EmployerVisit.objects.create(visit_id="V-CITY", employer=desk.world.employer, visited_on=TODAY,
                                 by=VisitParty.CITY, staff=desk.world.chika)
    assert sections(client_for("sen"))["queue-visits"].total == 1
    assert sections(client_for("seiko"))["queue-visits"].total == 1
    assert sections(client_for("naoki"))["queue-visits"].total == 1
    body = client_for("sen").get(reverse("home")).content.decode()
    assert reverse("development:plan") in body and reverse("employers:list") in body
    assert "事業所を探して訪問を記録" not in client_for("seiko").get(reverse("home")).content.decode()


@pytest.mark.parametrize("username", ["hiro", "mayor_m", "seiko", "fukum"])
def test_managers_are_offered_no_registration_they_may_not_make(desk: Desk, username: str) -> None:
    body = client_for(username).get(reverse("home")).content.decode()
    assert reverse("seekers:create") not in body and reverse("referrals:create") not in body


@pytest.mark.parametrize("username", ["sen", "seiko"])
def test_the_center_is_offered_nothing_of_the_welfare_desk(desk: Desk, username: str) -> None:
    body = client_for(username).get(reverse("home")).content.decode()
    assert "/welfare/" not in body and "福祉窓口" not in body
    assert desk.world.seekers["s_welfare"].name not in body


def statements(captured: CaptureQueriesContext) -> list[str]:
    """The statements a request sends. The test runs inside a transaction, where each ``atomic`` block (the audit
    row's, the menu's read of the installation) adds a SAVEPOINT and its RELEASE; served, those blocks are the
    connection's BEGIN and COMMIT, which are no queries."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def test_the_home_page_costs_the_same_few_queries_however_much_work_there_is(desk: Desk) -> None:
    def queries(username: str) -> int:
        client = client_for(username)
        client.get(reverse("home"))  # the session's first page may set things up once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("home")).status_code == 200
        return len(statements(captured))

    users = ("hana", "naoki", "mnavi", "chika", "hiro", "mayor_m", "fuku", "sen", "seiko", "admin")
    before = {u: queries(u) for u in users}
    person, world = desk.world.seekers["s_hw"], desk.world
    for n in range(3 * PREVIEW):
        referral(world, f"R-MORE-{n}", world.hana, person, days_ago(20 + n))
        referral(world, f"R-NMORE-{n}", world.naoki, person, days_ago(20 + n))
        hired_on = months_after(days_ago(n), -1)
        referral(world, f"R-HMORE-{n}", world.hana, person, hired_on, outcome="hired", outcome_on=hired_on)
        EmployerVisit.objects.create(visit_id=f"V-MORE-{n}", employer=world.employer, visited_on=TODAY,
                                     by=VisitParty.CENTER, staff=world.sen)
        seeker(world, f"S-MORE-{n}", world.tamashima)
    after = {u: queries(u) for u in users}
    assert after == before
    assert max(after.values()) < 20, after


def test_the_referral_list_filters_by_site_only_for_those_who_may_see_a_seekers_site(desk: Desk) -> None:
    listing = client_for("hiro").get(reverse("referrals:list"), {"site": "mizushima"})
    assert [r.referral_id for r in listing.context["page"]] == ["R-MZ"]
    Consent.objects.create(seeker=desk.mizushima.seeker, party="center", given_on=days_ago(1))
    center = client_for("sen").get(reverse("referrals:list"), {"site": "tamashima"})
    assert "R-MZ" in [r.referral_id for r in center.context["page"]]  # the filter is ignored, not applied

