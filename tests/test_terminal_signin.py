"""A seeker's own sign-in at the terminal: staff set a PIN (only its hash kept, audited), the person signs in with
their 求職者ID (全角 accepted) and sees their own recommended postings (audited as read by the person), wrong PINs
lock the sign-in, it ends by itself after a minute without input and on 「終了」, and it opens no staff page."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.hashers import check_password
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.accounts.policy import ROUTES
from kakehashi.audit.models import Action, AuditEvent, AuditPerson
from kakehashi.matching import loading
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.seekers.models import DesiredOccupation, Seeker
from kakehashi.terminal import actions, devices, signin
from kakehashi.terminal.models import TerminalPin
from tests.canaries import plant
from tests.test_policy_routes import arguments
from tests.world import World, client_for

SEEKER_ID = "33010-01234567"
TYPED_ID = "３３０１０－０１２３４５６７"  # the same ID typed in full-width digits


@pytest.fixture
def person(world: World) -> Seeker:
    """A seeker who wants press work; no consent to any other party (seen only by the city's desk)."""
    seeker = Seeker.objects.create(
        seeker_id=SEEKER_ID,
        site=world.tamashima,
        registered_on=datetime.date(2025, 4, 1),
        registered_by="city",
        name="端末 六郎",
        postal_code="713-8121",
        lat=34.54,
        lng=133.67,
    )
    DesiredOccupation.objects.create(seeker=seeker, occupation=Occupation.objects.get(code="073"), rank=1)
    return seeker


@pytest.fixture
def closed(world: World) -> Posting:
    """A press posting past its referral period: matched by occupation, never recommended."""
    today = timezone.localdate()
    return Posting.objects.create(
        posting_id="33010-00999",
        employer=world.employer,
        site=world.tamashima,
        received_on=today - datetime.timedelta(days=200),
        closes_on=today - datetime.timedelta(days=1),
        occupation=Occupation.objects.get(code="073"),
        openings=1,
        postal_code="713-8121",
        lat=34.545,
        lng=133.675,
        title="終わったプレス求人",
    )


def _terminal(world: World) -> Client:
    registered = actions.do_register_terminal(world.tamashima, "入口", acting_user=world.hiro)
    c = Client()
    r = c.post(reverse("terminal:enrol"), {"code": registered.code})
    assert r.status_code == 302 and devices.COOKIE in r.cookies
    return c


def _set_pin(seeker: Seeker, pin: str = "4821") -> None:
    staff = client_for("chika")
    r = staff.post(reverse("terminals:seeker_pin", args=[seeker.pk]), {"pin": pin})
    assert r.status_code == 200 and "PINを設定しました" in r.content.decode()


def _sign_in(c: Client, seeker_id: str = TYPED_ID, pin: str = "４８２１") -> int:
    return c.post(reverse("terminal:signin"), {"seeker_id": seeker_id, "pin": pin}).status_code


def test_staff_set_the_pin_only_its_hash_is_kept_and_the_change_is_audited(
    world: World, person: Seeker
) -> None:
    detail = client_for("chika").get(reverse("seekers:detail", args=[person.pk])).content.decode()
    assert reverse("terminals:seeker_pin", args=[person.pk]) in detail
    _set_pin(person, "４８２１")
    row = TerminalPin.objects.get(seeker=person)
    assert "4821" not in row.pin_hash and check_password("4821", row.pin_hash)
    event = AuditEvent.objects.get(model="terminal.TerminalPin", action=Action.CREATE)
    assert event.staff == world.chika and event.purpose == "端末のPINの設定"
    assert list(event.persons.values_list("seeker_id", flat=True)) == [person.pk]
    _set_pin(person, "135790")
    assert AuditEvent.objects.filter(model="terminal.TerminalPin", action=Action.UPDATE).count() == 1
    assert check_password("135790", TerminalPin.objects.get(seeker=person).pin_hash)


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", "", "１２ ３"])
def test_a_pin_that_is_not_four_to_six_digits_is_refused_and_nothing_is_kept(
    world: World, person: Seeker, pin: str
) -> None:
    r = client_for("chika").post(reverse("terminals:seeker_pin", args=[person.pk]), {"pin": pin})
    assert r.status_code == 400 and "4〜6桁の数字" in r.content.decode()
    assert not TerminalPin.objects.exists()
    assert not AuditEvent.objects.filter(model="terminal.TerminalPin").exists()


def test_staff_who_may_not_edit_seekers_cannot_set_a_pin(world: World, person: Seeker) -> None:
    r = client_for("sen").post(reverse("terminals:seeker_pin", args=[person.pk]), {"pin": "4821"})
    assert r.status_code in (403, 404)
    assert not TerminalPin.objects.exists()


def test_signed_in_with_full_width_digits_the_person_sees_their_own_open_recommendations(
    world: World, person: Seeker, closed: Posting
) -> None:
    _set_pin(person)
    c = _terminal(world)
    assert _sign_in(c) == 302
    page = c.get(reverse("terminal:mine"))
    body = page.content.decode()
    assert page.status_code == 200 and "あなたへのおすすめ求人" in body
    # the same postings, in the same order, as the staff panel's engine gives for this person
    index = loading.build(None, timezone.localdate(), seekers=False)
    records, _info = loading.seeker_records(Seeker.objects.filter(pk=person.pk))
    expected = [index.postings[int(m.id)].posting_id for m in index.engine.match_seeker(records[0], top=10)]
    assert expected and world.posting.posting_id in expected and closed.posting_id not in expected
    shown = [
        line.split('data-posting="')[1].split('"')[0] for line in body.splitlines() if "data-posting=" in line
    ]
    assert shown == expected
    assert closed.posting_id not in body
    # nothing else about the person: no name, no ID
    assert "六郎" not in body and SEEKER_ID not in body
    # the script that signs out after a minute, from the static files (no inline script)
    assert "terminal/idle.js" in body and "<script>" not in body
    event = AuditEvent.objects.get(purpose="端末での本人によるおすすめ求人の閲覧")
    assert event.staff is None and event.action == Action.VIEW
    assert event.detail["terminal"] and event.detail["postings"]
    assert list(AuditPerson.objects.filter(event=event).values_list("seeker_id", "basis")) == [
        (person.pk, "self")
    ]
    signed = AuditEvent.objects.get(model="terminal.TerminalPin", action=Action.LOGIN)
    assert signed.staff is None and signed.detail["terminal"] == event.detail["terminal"]


def test_five_wrong_pins_lock_the_persons_sign_in_for_fifteen_minutes(world: World, person: Seeker) -> None:
    _set_pin(person)
    c = _terminal(world)
    for _ in range(signin.MOST_FAILURES):
        assert _sign_in(c, pin="0000") == 400
    row = TerminalPin.objects.get(seeker=person)
    assert row.locked_until is not None
    assert abs((row.locked_until - timezone.now()) - datetime.timedelta(minutes=15)) < datetime.timedelta(
        minutes=1
    )
    # locked: even the right PIN, at another terminal, opens nothing
    other = _terminal(world)
    r = other.post(reverse("terminal:signin"), {"seeker_id": TYPED_ID, "pin": "4821"})
    assert r.status_code == 400 and "しばらく利用できません" in r.content.decode()
    assert other.get(reverse("terminal:mine")).status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, model="terminal.TerminalPin").count() == 5
    # after the lock has passed, the right PIN works again
    TerminalPin.objects.filter(pk=row.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    assert _sign_in(other) == 302


def test_four_wrong_pins_and_the_right_one_sign_in_and_clear_the_count(world: World, person: Seeker) -> None:
    _set_pin(person)
    c = _terminal(world)
    for _ in range(signin.MOST_FAILURES - 1):
        assert _sign_in(c, pin="9999") == 400
    assert _sign_in(c) == 302
    assert TerminalPin.objects.get(seeker=person).failures == 0


def test_an_unknown_id_or_a_seeker_without_a_pin_gets_the_same_answer(world: World, person: Seeker) -> None:
    c = _terminal(world)
    a = c.post(reverse("terminal:signin"), {"seeker_id": "NO-SUCH", "pin": "4821"}).content.decode()
    b = c.post(reverse("terminal:signin"), {"seeker_id": TYPED_ID, "pin": "4821"}).content.decode()
    assert "求職者IDまたはPINが正しくありません" in a and "求職者IDまたはPINが正しくありません" in b


def test_a_minute_without_input_signs_out(world: World, person: Seeker) -> None:
    _set_pin(person)
    c = _terminal(world)
    assert _sign_in(c) == 302
    assert c.get(reverse("terminal:mine")).status_code == 200
    session = c.session
    state = dict(session[signin.SESSION_KEY])
    state["seen"] -= signin.IDLE_SECONDS + 1
    session[signin.SESSION_KEY] = state
    session.save()
    r = c.get(reverse("terminal:mine"))
    assert r.status_code == 302 and r["Location"] == reverse("terminal:search")
    assert signin.SESSION_KEY not in c.session


def test_ending_signs_out(world: World, person: Seeker) -> None:
    _set_pin(person)
    c = _terminal(world)
    assert _sign_in(c) == 302
    assert c.post(reverse("terminal:signout")).status_code == 302
    assert c.get(reverse("terminal:mine")).status_code == 302
    # おわる (the anonymous visit's end) signs out as well
    assert _sign_in(c) == 302
    c.post(reverse("terminal:end"))
    assert c.get(reverse("terminal:mine")).status_code == 302


def test_the_signed_in_terminal_opens_no_staff_page(world: World, person: Seeker) -> None:
    _set_pin(person)
    c = _terminal(world)
    assert _sign_in(c) == 302
    values = arguments(world, plant(world))
    opened = []
    for name, route in sorted(ROUTES.items()):
        if route.public or name == "home":
            continue
        url = reverse(name, kwargs={arg: values[kind][0] for arg, kind in route.records.items()})
        r = c.get(url)
        if r.status_code == 405:  # a page that only takes a form: sent one
            r = c.post(url)
        if not (r.status_code == 403 or (r.status_code == 302 and r["Location"].startswith("/login/"))):
            opened.append((name, r.status_code))
    assert opened == []
    home = c.get(reverse("home")).content.decode()
    assert "六郎" not in home and SEEKER_ID not in home
    assert c.post(reverse("terminals:seeker_pin", args=[person.pk]), {"pin": "1111"}).status_code in (
        302,
        403,
    )
    assert check_password("4821", TerminalPin.objects.get(seeker=person).pin_hash)
