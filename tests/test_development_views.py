"""Every job-development page, for every user of the test base: allowed, denied, and what a page may show."""

import datetime

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.accounts.policy import can
from kakehashi.audit.models import AuditEvent
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.seekers.models import Consent, ConsentPurpose, Experience
from tests.test_visibility import EXPECTED
from tests.world import USERNAMES, World, client_for

PROFILE_SEEKER = "s_welfare"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()



def give_profile_consent(world: World) -> None:
    seeker = world.seekers[PROFILE_SEEKER]
    Consent.objects.create(seeker=seeker, party="hello_work", purpose=ConsentPurpose.DEVELOPMENT_PROFILE,
                           given_on=datetime.date(2025, 4, 1))
    Experience.objects.create(seeker=seeker, occupation_id="073", years=12)


@pytest.mark.parametrize("username", USERNAMES)
def test_the_figures_and_plans_are_open_to_every_signed_in_user(world: World, username: str) -> None:
    c = client_for(username)
    for name in ("board", "hard_to_fill", "targets", "contacts", "plan", "sources"):
        r = c.get(reverse(f"development:{name}"))
        assert r.status_code == 200, name
    assert c.get(reverse("development:targets"), {"occupation": "073", "site": ""}).status_code == 200


@pytest.mark.parametrize("url", ["/development/", "/development/targets/", "/development/plan/",
                                 "/development/contacts/", "/development/sources/", "/development/hard-to-fill/"])
def test_anonymous_users_are_sent_to_the_login_page(db: None, url: str) -> None:
    r = Client().get(url)
    assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize("username", USERNAMES)
def test_individual_development_follows_the_seeker_visibility_rules(world: World, username: str) -> None:
    c = client_for(username)
    for key, seeker in world.seekers.items():
        r = c.get(reverse("development:for_seeker", args=[seeker.pk]))
        if key in EXPECTED[username]:
            assert r.status_code == 200
            assert AuditEvent.objects.filter(username=username, action="view", subject=f"seekers.Seeker:{seeker.pk}",
                                             purpose="個別求人開拓").exists()
        else:
            assert r.status_code == 404
            assert seeker.name not in r.content.decode()
            assert AuditEvent.objects.filter(username=username, action="denied", model="seekers.Seeker",
                                             object_ids=[str(seeker.pk)]).exists()


@pytest.mark.parametrize("username", USERNAMES)
def test_the_anonymised_profile_needs_sight_of_the_seeker_and_their_consent_for_the_users_party(
        world: World, username: str) -> None:
    give_profile_consent(world)
    user = world.users[username]
    seeker = world.seekers[PROFILE_SEEKER]
    r = client_for(username).get(reverse("development:profile", args=[seeker.pk]))
    if PROFILE_SEEKER not in EXPECTED[username]:
        assert r.status_code == 404
    elif user.agency_kind == "hello_work" or user.is_administrator:
        assert r.status_code == 200
        assert AuditEvent.objects.filter(username=username, action="export",
                                         subject=f"seekers.Seeker:{seeker.pk}").exists()
    else:  # the welfare office sees her, but she consented to Hello Work presenting the profile, not to them
        assert r.status_code == 403
        assert "同意" in r.content.decode()


def test_the_profile_leaves_out_name_contact_address_welfare_and_notes(world: World) -> None:
    give_profile_consent(world)
    seeker = world.seekers[PROFILE_SEEKER]
    seeker.birth_year = 1971
    seeker.phone = "086-123-4567"
    seeker.note = "内緒の事情"
    seeker.save()
    r = client_for("naoki").get(reverse("development:profile", args=[seeker.pk]), {"points": "丁寧な仕事ぶり"})
    body = r.content.decode()
    profile = body[body.index('class="profile"'):]
    for secret in (seeker.name, "086-123-4567", "713-8121", "生活保護", "10年近いブランク", "内緒の事情", "1971",
                   "福祉事務所"):
        assert secret not in profile, secret
    assert "製品製造" in profile and "丁寧な仕事ぶり" in profile and "代" in profile


def test_without_the_consent_there_is_no_profile_and_the_page_says_so(world: World) -> None:
    seeker = world.seekers[PROFILE_SEEKER]
    r = client_for("naoki").get(reverse("development:profile", args=[seeker.pk]))
    assert r.status_code == 403 and "同意" in r.content.decode()
    assert AuditEvent.objects.filter(username="naoki", action="denied", subject=f"seekers.Seeker:{seeker.pk}").exists()
    page = client_for("naoki").get(reverse("development:for_seeker", args=[seeker.pk])).content.decode()
    assert reverse("development:profile", args=[seeker.pk]) not in page


@pytest.mark.parametrize("username", USERNAMES)
def test_recording_a_contact_is_open_only_to_those_who_record_visits(world: World, username: str) -> None:
    r = client_for(username).get(reverse("development:contact_create", args=[world.employer.pk]))
    assert r.status_code == (200 if can(world.users[username], "visit.record") else 403)


@pytest.mark.parametrize("username", USERNAMES)
def test_linking_a_posting_is_open_only_to_hello_works_posting_staff(world: World, username: str) -> None:
    visit = EmployerVisit.objects.create(visit_id="V-9", employer=world.employer, visited_on=datetime.date(2025, 3, 1),
                                         by=VisitParty.CENTER)
    r = client_for(username).get(reverse("development:link_posting", args=[visit.pk]))
    assert r.status_code == (200 if can(world.users[username], "posting.edit") else 403)


def test_the_center_can_record_a_need_but_not_receive_a_posting(world: World) -> None:
    page = client_for("sen").get(reverse("development:contact_create", args=[world.employer.pk])).content.decode()
    assert 'name="posting"' not in page
    hana = client_for("hana").get(reverse("development:contact_create", args=[world.employer.pk])).content.decode()
    assert 'name="posting"' in hana


def test_a_contact_for_a_seeker_the_user_cannot_see_is_refused_like_an_unknown_one(world: World) -> None:
    hidden = world.seekers["s_city_private"]  # registered by the city, no consent to Hello Work
    r = client_for("naoki").post(reverse("development:contact_create", args=[world.employer.pk]), {
        "visited_on": "2025-06-01", "method": "visit", "outcome": "need_heard", "seeker_id": hidden.seeker_id})
    assert r.status_code == 200
    assert "見つかりません" in r.content.decode() and hidden.name not in r.content.decode()
    assert not EmployerVisit.objects.filter(for_seeker=hidden).exists()


def test_the_contacts_list_names_a_seeker_only_to_those_who_may_see_them(world: World) -> None:
    seeker = world.seekers[PROFILE_SEEKER]
    EmployerVisit.objects.create(visit_id="V-IND", employer=world.employer, visited_on=timezone.localdate(),
                                 by=VisitParty.HELLO_WORK, for_seeker=seeker)
    assert seeker.name in client_for("naoki").get(reverse("development:contacts")).content.decode()
    sen_page = client_for("sen").get(reverse("development:contacts")).content.decode()
    assert seeker.name not in sen_page and "閲覧権限のない求職者" in sen_page


def test_the_board_counts_everyone_but_names_only_the_visible(world: World) -> None:
    # Nothing fits anyone: the world's only posting is closed.
    world.posting.closes_on = datetime.date(2025, 5, 31)
    world.posting.save()
    sen = client_for("sen")  # the Center sees none of the seekers
    board = sen.get(reverse("development:board"), {"site": "tamashima"}).content.decode()
    assert ">5<" in board.replace(" ", "")  # five seekers want 073 and none has a fitting posting
    targets = sen.get(reverse("development:targets"), {"site": "tamashima", "occupation": "073"}).content.decode()
    assert all(s.name not in targets for s in world.seekers.values())
    naoki = client_for("naoki").get(reverse("development:targets"),
                                    {"site": "tamashima", "occupation": "073"}).content.decode()
    assert world.seekers["s_hw"].name in naoki and world.seekers["s_city_private"].name not in naoki


def test_an_unknown_occupation_or_date_in_the_address_gets_a_japanese_message(world: World) -> None:
    r = client_for("naoki").get(reverse("development:targets"), {"occupation": "999", "as_of": "令和7年2月30日"})
    body = r.content.decode()
    assert r.status_code == 200 and "職業分類にありません" in body and "存在しない日付" in body


def test_the_plan_visits_the_chosen_employers_in_order_from_the_office(world: World) -> None:
    r = client_for("sen").get(reverse("development:plan"), {"e": [world.employer.pk], "site": "tamashima"})
    body = r.content.decode()
    assert r.status_code == 200 and world.employer.name in body and "事務所へ戻る" in body


def test_the_days_plan_gives_each_stop_its_reasons_in_plain_words(world: World) -> None:
    r = client_for("sen").get(reverse("development:plan"), {"site": "tamashima"})
    legs = r.context["legs"]
    assert legs and all(leg["reasons"] for leg in legs)
    for leg in legs:
        first = leg["reasons"][0]
        assert first.startswith("この半年で") and "求人が出る見込み" in first
        # No model terms: no probability, no bare factor, no distance of 0.0km.
        assert not any("%" in line or line.startswith("×") or "0.0km" in line or "通常の見込み" in line
                       for line in leg["reasons"])


def test_the_targets_list_shows_the_postings_expected_not_a_saturated_probability(world: World) -> None:
    r = client_for("naoki").get(reverse("development:targets"), {"site": "tamashima"})
    body = r.content.decode()
    assert "この半年の求人の見込み" in body and "6か月以内に求人を出す確率" not in body
    for t in r.context["result"].targets:
        assert f"<strong>{t.expected_text}</strong>" in body


def test_the_district_promoters_home_links_to_the_days_visit_plan(world: World) -> None:
    assert reverse("development:plan") in client_for("sen").get("/").content.decode()
