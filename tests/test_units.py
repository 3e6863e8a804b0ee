"""Years and yen are written one way on every page: 「8年7か月」, 「月給 150,000円」."""

import pytest
from django.urls import reverse

from kakehashi.core.units import wage_label, years_label, yen_label
from kakehashi.engine.matching.reasons import wage_range
from kakehashi.engine.units import years_months, years_text
from kakehashi.seekers.models import Consent, Experience
from tests.world import World, client_for


@pytest.mark.parametrize(("years", "text"), [(8.6, "8年7か月"), (3, "3年"), (0.5, "6か月"), (0, "0か月"),
                                             (10.99, "11年"), (1.04, "1年"), (2.25, "2年3か月")])
def test_years_are_written_in_years_and_months(years: float, text: str) -> None:
    assert years_text(years) == text == years_label(years)


def test_rounding_is_to_the_nearest_month_and_never_below_zero() -> None:
    assert years_months(8.6) == (8, 7) and years_months(-1) == (0, 0)


def test_yen_and_wages() -> None:
    assert yen_label(150000) == "150,000円" and yen_label(1000.4) == "1,000円"
    assert wage_label(150000, "month") == "月給 150,000円"
    assert wage_label(1050, "hour") == "時給 1,050円"
    assert wage_label(150000, "") == "150,000円"
    assert (yen_label(None), wage_label(None, "month"), years_label(None), years_label("x")) == ("", "", "", "")


@pytest.mark.parametrize(("amount", "unit"), [(150_000, "month"), (205_000, "month"), (1_050, "hour")])
def test_the_matching_reasons_write_a_wage_as_the_pages_do(amount: int, unit: str) -> None:
    assert wage_range(amount, amount, unit) == wage_label(amount, unit)
    assert wage_range(amount, amount * 2, unit) == f"{wage_label(amount, unit)}〜{yen_label(amount * 2)}"


def test_an_experience_reads_in_years_and_months(world: World) -> None:
    experience = Experience(seeker=world.seekers["s_hw"], occupation_id="073", years=8.6)
    assert str(experience) == "073 8年7か月"


def test_the_seeker_page_shows_experience_gap_and_wage_the_one_way(world: World) -> None:
    s = world.seekers["s_hw"]
    s.min_wage, s.wage_unit, s.gap_years = 150000, "month", 2
    s.save()
    Experience.objects.create(seeker=s, occupation_id="073", years=8.6)
    page = client_for("hana").get(reverse("seekers:detail", args=[s.pk])).content.decode()
    assert "月給 150,000円以上" in page and "8年7か月" in page and "2年" in page
    assert "8.6" not in page and "150000" not in page


def test_the_posting_pages_show_the_wage_the_one_way(world: World) -> None:
    detail = client_for("hana").get(reverse("postings:detail", args=[world.posting.pk])).content.decode()
    listing = client_for("hana").get(reverse("postings:list")).content.decode()
    for page in (detail, listing):
        assert "月給 170,000円〜200,000円" in page


def test_the_anonymised_profile_writes_years_the_same_way(world: World) -> None:
    s = world.seekers["s_hw"]
    s.min_wage, s.gap_years = 180000, 10
    s.save()
    Consent.objects.create(seeker=s, party="hello_work", purpose="development_profile", given_on=s.registered_on)
    Experience.objects.create(seeker=s, occupation_id="073", years=8.6)
    page = client_for("naoki").get(reverse("development:profile", args=[s.pk])).content.decode()
    assert "8年7か月" in page and "約10年" in page and "月給 180,000円以上" in page
