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
