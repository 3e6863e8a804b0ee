"""The seekers' search terminal: the search folds what a person types, tickets are numbered per site per day,
the device cookie opens the terminal's pages and nothing else, and the desk's steps and figures add up."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.audit.models import AuditEvent
from kakehashi.core.errors import ActionError
from kakehashi.engine.geo import haversine_km
from kakehashi.postings.models import EmploymentType, Posting
from kakehashi.reference.models import Occupation, Town
from kakehashi.terminal import actions, devices, search
from kakehashi.terminal.models import DailyCount, Terminal, Ticket, TicketStatus
from kakehashi.terminal.staff_views import monthly
from tests.terminals import enrolled_terminal
from tests.world import World, client_for

SPELLINGS = ["かいご", "カイゴ", "ｶｲｺﾞ", "介護", "　かいご　"]


def test_every_spelling_of_a_word_folds_to_the_same_alternatives() -> None:
    alternatives = [search.alternatives(s.strip()) for s in SPELLINGS]
    assert alternatives[0] == alternatives[1] == alternatives[2] == ["カイゴ", "介護"]
    assert alternatives[3] == ["介護", "カイゴ"]
    assert search.words_of("ﾍﾙﾊﾟｰ　かいご") == [["ヘルパー"], ["カイゴ", "介護"]]
    assert search.alternatives("   ") == []


def test_every_kanji_word_of_the_readings_is_found_as_an_occupation_or_a_title_word(db: None) -> None:
    """A reading that leads nowhere would be a silent dead end at the terminal."""
    names = " ".join(Occupation.objects.values_list("name", flat=True))
    from kakehashi.reference.pickers import occupation_words

    words = {w for ws in occupation_words().values() for w in ws}
    missing = [
        k
        for ks in search.READINGS.values()
        for k in ks
        if k not in names and not any(k in w for w in words) and not search.occupations_for(k)
    ]
    assert missing == []


def _posting(world: World, key: str, **kw: object) -> Posting:
    today = timezone.localdate()
    values: dict[str, object] = {
        "posting_id": key,
        "employer": world.employer,
        "site": world.tamashima,
        "received_on": today - datetime.timedelta(days=30),
        "openings": 1,
        "postal_code": "713-8121",
        "occupation": Occupation.objects.get(code="073"),
    }
    values.update(kw)
    return Posting.objects.create(**values)


@pytest.fixture
def postings(world: World) -> dict[str, Posting]:
    today = timezone.localdate()
    care, office = Occupation.objects.get(code="050"), Occupation.objects.get(code="031")
    town = Town.objects.exclude(area="").first()
    return {
        "care": _posting(
            world,
            "T-CARE",
            occupation=care,
            title="介護職員（日勤）",
            wage_min=180000,
            wage_max=220000,
            trial_employment_ok=True,
            town=town,
        ),
        "care_kana": _posting(
            world,
            "T-KANA",
            occupation=office,
            title="ｶｲｺﾞ施設の受付",
            wage_min=150000,
            experience_required=True,
        ),
        "care_by_code": _posting(
            world,
            "T-CODE",
            occupation=care,
            title="デイサービス スタッフ",
            employment=EmploymentType.PART_TIME,
            wage_min=1000,
            wage_unit="hour",
            received_on=today - datetime.timedelta(days=2),
        ),
        "closed": _posting(
            world, "T-CLOSED", occupation=care, title="介護職員", closes_on=today - datetime.timedelta(days=1)
        ),
        "future": _posting(
            world,
            "T-FUTURE",
            occupation=care,
            title="介護職員",
            received_on=today + datetime.timedelta(days=1),
        ),
        "other": _posting(world, "T-OTHER", title="プレス工", wage_min=200000),
    }


def _found(**data: str) -> set[str]:
    found, total = search.search(search.read_criteria(data), timezone.localdate())
    assert total == len(found)
    return {p.posting_id for p in found}


def test_each_spelling_finds_the_same_open_postings(postings: dict[str, Posting]) -> None:
    results = [_found(q=s) for s in SPELLINGS]
    assert all(r == results[0] for r in results)
    # in the title, in the title in half-width kana, by the occupation's everyday word; never closed or not yet received
    assert results[0] == {"T-CARE", "T-KANA", "T-CODE"}


def test_the_conditions_narrow_the_search(world: World, postings: dict[str, Posting]) -> None:
    world_posting = world.posting.posting_id  # open since 2025, 月給 170,000〜200,000円
    assert _found(q="かいご", trial="1") == {"T-CARE"}
    assert _found(q="かいご", beginner="1") == {"T-CARE", "T-CODE"}
    assert _found(new="1") == {"T-CODE"}
    assert _found(employment="part_time") == {"T-CODE"}
    assert _found(wage="１９００００", unit="month") == {"T-CARE", "T-OTHER", world_posting}
    assert _found(wage="900", unit="hour") == {"T-CODE"}
    assert _found(occupation="介護") == {"T-CARE", "T-CODE"}
    assert _found(occupation="かいご") == {"T-CARE", "T-CODE"}
    area = postings["care"].town.area  # type: ignore[union-attr]
    assert _found(area=area) == {"T-CARE"}
    assert "T-CLOSED" not in _found(occupation="介護")


def test_a_wage_that_cannot_be_read_is_said_in_japanese_and_ignored(postings: dict[str, Posting]) -> None:
    c = search.read_criteria({"wage": "たくさん"})
    assert c.errors == ["「たくさん」は整数ではありません"] and c.wage_floor is None


def test_tickets_are_numbered_per_site_per_day_from_one(world: World) -> None:
    tama = enrolled_terminal(world)
    second = enrolled_terminal(world, "二台目")
    mizu = actions.do_enrol(
        actions.do_register_terminal(world.mizushima, "水島の端末", acting_user=world.hiro).code
    )
    today = timezone.localdate()
    numbers = [actions.do_issue_ticket(t, []).number for t in (tama, second, tama, mizu, mizu)]
    assert numbers == [1, 2, 3, 1, 2]
    tomorrow = today + datetime.timedelta(days=1)
    assert actions.do_issue_ticket(second, [], day=tomorrow).number == 1
    assert actions.next_number(world.tamashima, today) == 4
    assert DailyCount.objects.get(terminal=tama, day=today).tickets == 2


def test_a_ticket_carries_the_chosen_postings_and_is_audited_without_a_person(world: World) -> None:
    terminal = enrolled_terminal(world)
    ticket = actions.do_issue_ticket(terminal, [world.posting.pk, world.posting.pk, 10**9])
    assert list(ticket.postings.values_list("posting_id", flat=True)) == ["33010-00001"]
    event = AuditEvent.objects.filter(model="terminal.Ticket").latest("pk")
    assert event.staff is None and event.action == "create" and event.detail["terminal"] == terminal.pk
    assert not event.persons.exists()


def test_the_code_enrols_once_and_expires(world: World) -> None:
    terminal = actions.do_register_terminal(world.tamashima, "端末Ａ", acting_user=world.hiro)
    assert terminal.name == "端末A" and len(terminal.code) == 8
    code = terminal.code
    actions.do_enrol(f" {code[:4]} {code[4:]} ")
    with pytest.raises(ActionError, match="登録コードが正しくないか"):
        actions.do_enrol(code)
    again = actions.do_issue_code(Terminal.objects.get(pk=terminal.pk), acting_user=world.hiro)
    Terminal.objects.filter(pk=terminal.pk).update(
        code_expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    with pytest.raises(ActionError):
        actions.do_enrol(again.code)
    with pytest.raises(ActionError, match="端末名を入力"):
        actions.do_register_terminal(world.tamashima, "　", acting_user=world.hiro)


def _terminal_client(terminal_code: str) -> Client:
    c = Client()
    r = c.post(reverse("terminal:enrol"), {"code": terminal_code})
    assert r.status_code == 302 and devices.COOKIE in r.cookies
    return c


def test_the_cookie_opens_the_terminal_until_it_is_revoked(
    world: World, postings: dict[str, Posting]
) -> None:
    assert "窓口の職員にお声がけください" in Client().get(reverse("terminal:search")).content.decode()
    terminal = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = _terminal_client(terminal.code)
    page = c.get(reverse("terminal:search"), {"q": "ｶｲｺﾞ"}).content.decode()
    assert "T-CARE" in page and "架け橋" not in page and "ログアウト" not in page
    forged = Client()
    forged.cookies[devices.COOKIE] = f"{terminal.pk}:guess"
    assert "T-CARE" not in forged.get(reverse("terminal:search"), {"q": "ｶｲｺﾞ"}).content.decode()
    actions.do_revoke_terminal(Terminal.objects.get(pk=terminal.pk), acting_user=world.hiro)
    assert "T-CARE" not in c.get(reverse("terminal:search"), {"q": "ｶｲｺﾞ"}).content.decode()


def test_a_posting_page_shows_no_contact_and_a_closed_one_is_gone(
    world: World, postings: dict[str, Posting]
) -> None:
    world.employer.phone = "086-522-0000"
    world.employer.save()
    c = _terminal_client(actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro).code)
    page = c.get(reverse("terminal:posting", args=[postings["care"].pk])).content.decode()
    assert "T-CARE" in page and "086-522-0000" not in page and "0865220000" not in page
    assert c.get(reverse("terminal:posting", args=[postings["closed"].pk])).status_code == 404


def test_a_visit_chooses_postings_takes_a_ticket_and_counts(
    world: World, postings: dict[str, Posting]
) -> None:
    terminal = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = _terminal_client(terminal.code)
    c.get(reverse("terminal:search"), {"q": "かいご"})
    c.get(reverse("terminal:posting", args=[postings["care"].pk]))
    c.post(reverse("terminal:choose", args=[postings["care"].pk]))
    c.post(reverse("terminal:choose", args=[postings["closed"].pk]))  # not open: not chosen
    r = c.post(reverse("terminal:chosen"))
    assert r.status_code == 302
    assert ">1<" in c.get(reverse("terminal:ticket")).content.decode()
    ticket = Ticket.objects.get()
    assert list(ticket.postings.all()) == [postings["care"]] and ticket.number == 1
    c.post(reverse("terminal:end"))
    assert c.get(reverse("terminal:ticket")).status_code == 302
    c.get(reverse("terminal:search"))  # the page waiting for the next person is no use yet
    day = DailyCount.objects.get(terminal_id=terminal.pk)
    assert (day.sessions, day.searches, day.views, day.tickets) == (1, 1, 1, 1)


def test_the_desk_moves_a_ticket_only_along_its_steps(world: World) -> None:
    ticket = actions.do_issue_ticket(enrolled_terminal(world), [])
    with pytest.raises(ActionError, match="お待ち"):
        actions.do_move_ticket(ticket, "finish", acting_user=world.hana)
    for step, status in (
        ("call", TicketStatus.CALLED),
        ("start", TicketStatus.IN_PROGRESS),
        ("finish", TicketStatus.DONE),
    ):
        ticket = actions.do_move_ticket(ticket, step, acting_user=world.hana)
        assert ticket.status == status
    assert ticket.staff == world.hana and ticket.finished_at is not None
    assert AuditEvent.objects.filter(model="terminal.Ticket", action="update").count() == 3


def test_a_referral_from_a_ticket_is_kept_and_counted_once(world: World) -> None:
    terminal = enrolled_terminal(world)
    ticket = actions.do_issue_ticket(terminal, [world.posting.pk])
    c = client_for("hana")
    url = f"{reverse('referrals:create')}?posting={world.posting.pk}&ticket={ticket.pk}"
    assert "33010-00001" in c.get(url).content.decode()
    for seeker in ("S-HW-1", "S-CITY-1"):
        r = c.post(
            url,
            {
                "seeker_id": seeker,
                "posting_id": "33010-00001",
                "referred_on": timezone.localdate().isoformat(),
            },
        )
        assert r.status_code == 302, r.content.decode().split('class="errorlist"')[-1][:300]
    assert ticket.referrals.count() == 2
    rows = monthly(world.tamashima, timezone.localdate().replace(day=1))
    assert [(t.pk, f["tickets"], f["referred"]) for t, f in rows] == [(terminal.pk, 1, 1)]
    figures = client_for("hiro").get(reverse("terminals:figures_csv"), {"site": "tamashima"})
    assert figures.status_code == 200 and "入口の端末,0,0,0,0,1,1" in figures.content.decode(
        "utf-8-sig"
    ).replace("\r", "")


def test_a_terminal_cookie_opens_no_staff_page(world: World) -> None:
    terminal = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = _terminal_client(terminal.code)
    ticket = actions.do_issue_ticket(Terminal.objects.get(pk=terminal.pk), [])
    assert 'name="password"' in c.get(reverse("home")).content.decode()  # the sign-in form, nothing else
    for url in (
        reverse("terminals:queue"),
        reverse("terminals:ticket", args=[ticket.pk]),
        reverse("terminals:devices"),
        reverse("seekers:list"),
        reverse("referrals:create"),
    ):
        r = c.get(url)
        assert r.status_code == 302 and r["Location"].startswith(reverse("login")), url


def test_print_gives_the_posting_sheet_and_counts_it(world: World, postings: dict[str, Posting]) -> None:
    terminal = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = _terminal_client(terminal.code)
    page = c.get(reverse("terminal:posting", args=[postings["care"].pk])).content.decode()
    url = reverse("terminal:print", args=[postings["care"].pk])
    assert url in page
    r = c.get(url)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert DailyCount.objects.get(terminal_id=terminal.pk).prints == 1


def test_a_visit_left_idle_starts_afresh_for_the_next_person(
    world: World, postings: dict[str, Posting]
) -> None:
    terminal = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = _terminal_client(terminal.code)
    c.post(reverse("terminal:choose", args=[postings["care"].pk]))
    assert "T-CARE" in c.get(reverse("terminal:chosen")).content.decode()
    session = c.session
    session[devices.SESSION_KEY] = {**session[devices.SESSION_KEY], "seen": 0}
    session.save()
    assert "T-CARE" not in c.get(reverse("terminal:chosen")).content.decode()
    c.get(reverse("terminal:search"), {"q": "かいご"})
    assert DailyCount.objects.get(terminal_id=terminal.pk).sessions == 2


def test_words_for_the_working_hours_are_found_in_the_postings_hours(world: World) -> None:
    """就業時間 is free text (「8:30〜17:30」, 「9-15」, 「交替制…」): the terminal finds words in it."""
    _posting(world, "T-DAY", hours="8:30〜17:30")
    _posting(world, "T-SHIFT", hours="交替制（8:00〜16:45／16:30〜翌1:15）")
    _posting(world, "T-SHORT", hours="9-15")
    assert _found(hours="交替") == {"T-SHIFT"}
    assert _found(hours="８：３０") == {"T-DAY"}  # full-width, folded as the postings' text is
    assert _found(hours="8:00 16:45") == {"T-SHIFT"}  # every word
    assert _found(hours="夜勤") == set()
    assert search.read_criteria({"hours": "交替"}).asked


def test_postings_within_a_distance_of_a_town(world: World) -> None:
    """Measured from the town to the posting's own place, else its town's; a posting with neither is never near."""
    town = Town.objects.exclude(area="").first()
    assert town is not None
    far_town = max(Town.objects.all(), key=lambda t: float(haversine_km(town.lat, town.lng, t.lat, t.lng)))
    assert float(haversine_km(town.lat, town.lng, far_town.lat, far_town.lng)) > 20
    north = {km: town.lat + km / 111.2 for km in (3, 8, 15)}  # a degree of latitude is about 111.2 km
    _posting(world, "T-3KM", lat=north[3], lng=town.lng)
    _posting(world, "T-8KM", lat=north[8], lng=town.lng)
    _posting(world, "T-15KM", lat=north[15], lng=town.lng)
    _posting(world, "T-TOWN", town=town)  # no coordinates of its own: its town's
    _posting(world, "T-NOWHERE")
    ours = {"T-3KM", "T-8KM", "T-15KM", "T-TOWN", "T-NOWHERE"}
    _posting(world, "T-OWN-FIRST", lat=north[3], lng=town.lng, town=far_town)  # its own place counts
    ours.add("T-OWN-FIRST")

    def near(km: str) -> set[str]:
        return _found(town=str(town.pk), km=km) & ours

    assert near("5") == {"T-3KM", "T-TOWN", "T-OWN-FIRST"}
    assert near("１０") == {"T-3KM", "T-8KM", "T-TOWN", "T-OWN-FIRST"}
    assert near("20") == ours - {"T-NOWHERE"}
    c = search.read_criteria({"town": "999999999", "km": "10"})
    assert c.errors == ["選んだ町が見つかりません。町をもう一度選んでください"] and c.near_town is None
    assert search.read_criteria({"town": str(town.pk), "km": "7"}).within_km == 10  # not offered: the default


def test_furigana_on_request_puts_readings_over_the_terminals_labels(
    world: World, postings: dict[str, Posting]
) -> None:
    c = _terminal_client(actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro).code)
    off = c.get(reverse("terminal:search")).content.decode()
    assert "<ruby>" not in off and "<rt>" not in off and 'id="furigana"' in off
    here = reverse("terminal:posting", args=[postings["care"].pk])
    r = c.post(reverse("terminal:furigana"), {"next": here})
    assert r.status_code == 302 and r["Location"] == here
    on = c.get(reverse("terminal:search")).content.decode()
    assert "<ruby>求人<rt>きゅうじん</rt></ruby>" in on and "<rt>" in on and 'aria-pressed="true"' in on
    assert "<ruby>就業時間<rt>しゅうぎょうじかん</rt></ruby>" in c.get(here).content.decode()
    # elsewhere than the terminal's pages: back to the search
    assert c.post(reverse("terminal:furigana"), {"next": "https://example.com/"})["Location"] == reverse(
        "terminal:search"
    )
    off_again = c.get(reverse("terminal:search")).content.decode()
    assert "<ruby>" not in off_again and "<rt>" not in off_again
    c.post(reverse("terminal:furigana"))
    c.post(reverse("terminal:end"))  # the next person starts without them
    assert "<ruby>" not in c.get(reverse("terminal:search")).content.decode()
