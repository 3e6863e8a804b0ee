"""Every view, for every user of the test base: allowed, denied, and with and without consent."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kakehashi.accounts.policy import can
from kakehashi.audit.models import AuditEvent
from kakehashi.seekers.models import Consent, Seeker
from tests.test_visibility import EXPECTED
from tests.world import USERNAMES, World, client_for


@pytest.mark.parametrize("username", USERNAMES)
def test_lists_and_home_open_for_every_signed_in_user(world: World, username: str) -> None:
    c = client_for(username)
    for name in ("home", "seekers:list", "employers:list", "postings:list", "referrals:list"):
        assert c.get(reverse(name)).status_code == 200, name


@pytest.mark.parametrize("url", ["/", "/seekers/", "/employers/", "/postings/", "/referrals/"])
def test_anonymous_users_get_the_login_page(db: None, url: str) -> None:
    r = Client().get(url)
    if url == "/":
        assert r.status_code == 200 and "ログイン" in r.content.decode()
    else:
        assert r.status_code == 302 and r["Location"].startswith("/login/")


@pytest.mark.parametrize("username", USERNAMES)
def test_seeker_pages_follow_the_visibility_rules_and_deny_without_leaking(world: World, username: str) -> None:
    c = client_for(username)
    user = world.users[username]
    for key, seeker in world.seekers.items():
        r = c.get(reverse("seekers:detail", args=[seeker.pk]))
        if key in EXPECTED[username]:
            assert r.status_code == 200
            assert seeker.name in r.content.decode()
        else:
            assert r.status_code == 404
            assert seeker.name not in r.content.decode()
            assert AuditEvent.objects.filter(username=username, action="denied", model="seekers.Seeker",
                                             object_ids=[str(seeker.pk)]).exists()
        r = c.get(reverse("seekers:edit", args=[seeker.pk]))
        expected = (200 if key in EXPECTED[username] else 404) if can(user, "seeker.edit") else 403
        assert r.status_code == expected, (key, r.status_code)


def test_an_unknown_seeker_and_a_hidden_one_look_the_same(world: World) -> None:
    c = client_for("sen")
    hidden = c.get(reverse("seekers:detail", args=[world.seekers["s_hw"].pk]))
    missing = c.get(reverse("seekers:detail", args=[999999]))
    assert hidden.status_code == missing.status_code == 404
    # Only the CSRF tokens and the requested path (in the language switcher) may differ.
    noise = re.compile(rb'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"|/seekers/\d+/')
    assert noise.sub(b"", hidden.content) == noise.sub(b"", missing.content)


def test_consent_opens_and_withdrawal_closes_a_city_record_to_hello_work(world: World) -> None:
    seeker = world.seekers["s_city_private"]
    url = reverse("seekers:detail", args=[seeker.pk])
    hana = client_for("hana")
    assert hana.get(url).status_code == 404
    chika = client_for("chika")
    r = chika.post(reverse("seekers:consent_add", args=[seeker.pk]),
                   {"party": "hello_work", "purpose": "share", "given_on": "令和7年4月1日"})
    assert r.status_code == 302
    assert hana.get(url).status_code == 200
    consent = Consent.objects.get(seeker=seeker, party="hello_work")
    chika.post(reverse("seekers:consent_withdraw", args=[seeker.pk, consent.pk]), {"withdrawn_on": "2025-06-01"})
    assert hana.get(url).status_code == 404


def test_the_center_sees_a_consenting_seeker_without_welfare_status_barriers_or_notes(world: World) -> None:
    seeker = world.seekers["s_welfare"]
    Consent.objects.create(seeker=seeker, party="center", given_on="2025-04-01")
    body = client_for("sen").get(reverse("seekers:detail", args=[seeker.pk])).content.decode()
    assert seeker.name in body
    assert "10年近いブランク" not in body and "生活保護" not in body and "家計の立て直し" not in body
    fuku_body = client_for("fuku").get(reverse("seekers:detail", args=[seeker.pk])).content.decode()
    assert "10年近いブランク" in fuku_body and "家計の立て直し" in fuku_body


@pytest.mark.parametrize("username", USERNAMES)
def test_write_pages_are_open_only_to_roles_that_may_write(world: World, username: str) -> None:
    c = client_for(username)
    user = world.users[username]
    pages = [
        ("seeker.edit", reverse("seekers:create")),
        ("employer.edit", reverse("employers:create")),
        ("employer.edit", reverse("employers:edit", args=[world.employer.pk])),
        ("visit.record", reverse("employers:visit_create", args=[world.employer.pk])),
        ("posting.edit", reverse("postings:create")),
        ("posting.edit", reverse("postings:edit", args=[world.posting.pk])),
        ("referral.edit", reverse("referrals:create")),
    ]
    for capability, url in pages:
        assert c.get(url).status_code == (200 if can(user, capability) else 403), url


@pytest.mark.parametrize("username", USERNAMES)
def test_employer_and_posting_pages_are_open_to_all_staff(world: World, username: str) -> None:
    c = client_for(username)
    assert c.get(reverse("employers:detail", args=[world.employer.pk])).status_code == 200
    assert c.get(reverse("postings:detail", args=[world.posting.pk])).status_code == 200


@pytest.mark.parametrize("username", USERNAMES)
def test_a_referral_is_seen_with_its_seeker(world: World, username: str) -> None:
    r = client_for(username).get(reverse("referrals:detail", args=[world.referral.pk]))
    assert r.status_code == (200 if "s_welfare" in EXPECTED[username] else 404)


def test_a_posting_shows_referrals_the_user_may_not_see_only_as_a_count(world: World) -> None:
    body = client_for("mizu").get(reverse("postings:detail", args=[world.posting.pk])).content.decode()
    assert "福祉 四子" not in body and "ほか 1 件" in body


def test_managers_see_the_audit_trail_and_counselors_do_not(world: World) -> None:
    seeker = world.seekers["s_hw"]
    url = reverse("seekers:detail", args=[seeker.pk])
    client_for("hana").get(url)
    assert "監査ログ" in client_for("hiro").get(url).content.decode()
    assert "監査ログ" not in client_for("hana").get(url).content.decode()


def test_reading_a_seeker_is_audited(world: World) -> None:
    seeker = world.seekers["s_hw"]
    client_for("hana").get(reverse("seekers:detail", args=[seeker.pk]))
    event = AuditEvent.objects.filter(action="view", subject=f"seekers.Seeker:{seeker.pk}").get()
    assert (event.username, event.agency, event.role) == ("hana", "hw-kurashiki-chuo", "job_counselor")
    assert event.at.tzinfo is not None


def test_seekers_never_exist_outside_the_world(world: World) -> None:
    assert Seeker.objects.count() == len(world.seekers)
