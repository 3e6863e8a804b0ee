"""The visibility rules, stated once in ``visible_to``, checked for every role and agency."""

import pytest

from kakehashi.accounts import policy
from kakehashi.seekers.models import Consultation, Seeker
from tests.world import World

ALL = {"s_city_consent", "s_city_private", "s_hw", "s_welfare", "s_withdrawn"}

EXPECTED = {
    # Hello Work: its own seekers, and the city's only while consent to share with Hello Work stands.
    "hana": {"s_hw", "s_city_consent", "s_welfare"},
    "naoki": {"s_hw", "s_city_consent", "s_welfare"},
    "hiro": {"s_hw", "s_city_consent", "s_welfare"},
    # The city: the seekers it registered; Hello Work's need a consent to the city, which s_hw has not given.
    "chika": {"s_city_consent", "s_city_private", "s_welfare", "s_withdrawn"},
    "mayor_m": {"s_city_consent", "s_city_private", "s_welfare", "s_withdrawn"},
    # The Center: nobody has consented to share with it.
    "sen": set(),
    "seiko": set(),
    # Caseworkers: the seekers their own office referred.
    "fuku": {"s_welfare"},
    "fukum": {"s_welfare"},
    "mizu": set(),
    "admin": ALL,
}


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_each_user_sees_exactly_the_seekers_the_rules_allow(world: World, username: str) -> None:
    user = world.users[username]
    ids = set(Seeker.objects.visible_to(user).values_list("seeker_id", flat=True))
    expected = {world.seekers[k].seeker_id for k in EXPECTED[username]}
    assert ids == expected


def test_the_center_never_sees_consultation_notes_even_with_consent(world: World) -> None:
    from kakehashi.seekers.models import Consent

    Consent.objects.create(seeker=world.seekers["s_welfare"], party="center", given_on="2025-04-01")
    assert Seeker.objects.visible_to(world.sen).filter(pk=world.seekers["s_welfare"].pk).exists()
    assert not Consultation.objects.visible_to(world.sen).exists()
    assert not policy.sees_welfare(world.sen)


def test_hello_work_sees_job_consultations_but_not_the_citys_life_consultations(world: World) -> None:
    kinds = set(Consultation.objects.visible_to(world.hana).values_list("kind", flat=True))
    assert kinds == {"job"}
    assert set(Consultation.objects.visible_to(world.fuku).values_list("kind", flat=True)) == {"job", "life"}


# --- one request asks the database once per seeker --------------------------------------------------------------

def test_a_seeker_loaded_for_a_user_is_not_asked_about_again_in_the_same_request(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kakehashi.accounts.viewing import person_ids_visible
    from kakehashi.audit import scope

    hana, seeker = world.users["hana"], world.seekers["s_hw"]
    with scope.opened(hana, "test"):
        Seeker.objects.visible_to(hana).get(pk=seeker.pk)
        with CaptureQueriesContext(connection) as asked:
            assert person_ids_visible(hana, {seeker.pk}) == {seeker.pk}
        assert len(asked) == 0
        hidden = world.seekers["s_city_private"]
        assert person_ids_visible(hana, {hidden.pk}) == set()
        with CaptureQueriesContext(connection) as asked:
            assert person_ids_visible(hana, {hidden.pk, seeker.pk}) == {seeker.pk}
        assert len(asked) == 0
    # Outside a request nothing is remembered: each call asks the database.
    with CaptureQueriesContext(connection) as asked:
        assert person_ids_visible(hana, {seeker.pk}) == {seeker.pk}
    assert len(asked) == 1


def test_a_consent_given_during_the_request_is_seen_at_once(world: World) -> None:
    import datetime

    from kakehashi.accounts.viewing import person_ids_visible
    from kakehashi.audit import scope
    from kakehashi.seekers.models import Consent, ConsentPurpose

    sen, seeker = world.users["sen"], world.seekers["s_hw"]
    with scope.opened(sen, "test"):
        assert person_ids_visible(sen, {seeker.pk}) == set()
        consent = Consent.objects.create(seeker=seeker, party="center", purpose=ConsentPurpose.SHARE,
                                         given_on=datetime.date(2025, 4, 1))
        assert person_ids_visible(sen, {seeker.pk}) == {seeker.pk}
        consent.delete()
        assert person_ids_visible(sen, {seeker.pk}) == set()


def test_rows_joined_by_or_from_outside_the_rule_are_not_taken_as_visible(world: World) -> None:
    from kakehashi.accounts.viewing import person_ids_visible
    from kakehashi.audit import scope

    sen, seeker = world.users["sen"], world.seekers["s_hw"]
    with scope.opened(sen, "test"):
        list(Seeker.objects.visible_to(sen) | Seeker.objects.filter(pk=seeker.pk))
        list(Seeker.objects.visible_to(sen).order_by().union(Seeker.objects.filter(pk=seeker.pk).order_by()))
        assert person_ids_visible(sen, {seeker.pk}) == set()
