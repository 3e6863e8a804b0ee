"""Every code in the staff forms is picked by searching plain words (「溶接」→ 067, 071), never from a long select."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from kakehashi.employers.models import EmployerVisit
from kakehashi.reference import pickers
from kakehashi.seekers.models import Seeker
from tests.test_forms import seeker_form
from tests.world import USERNAMES, World, client_for


def options(username: str, kind: str, q: str) -> list[str]:
    r = client_for(username).get(reverse("reference:codes"), {"kind": kind, "q": q})
    assert r.status_code == 200
    return re.findall(r'role="option"[^>]*data-code="([^"]+)"', r.content.decode())


# --- the search ----------------------------------------------------------------------------------------------

def test_plain_words_find_the_occupation_codes(db: None) -> None:
    found, total = pickers.find(pickers.KINDS["occupation"], "溶接")
    assert [(c.code, c.hint) for c in found] == [("071", "溶接"), ("067", "溶接ロボット")] and total == 2
    assert [c.code for c in pickers.find(pickers.KINDS["occupation"], "ﾌｫｰｸﾘﾌﾄ")[0]] == ["089", "095"]
    assert [c.code for c in pickers.find(pickers.KINDS["occupation"], "０７１")[0]] == ["071"]
    assert {"050", "051"} <= {c.code for c in pickers.find(pickers.KINDS["occupation"], "介護")[0]}
    assert pickers.find(pickers.KINDS["occupation"], "溶接 工")[0][0].code == "071"  # every word must match


def test_industries_are_found_by_the_names_of_the_groups_under_them(db: None) -> None:
    assert [c.code for c in pickers.find(pickers.KINDS["industry"], "コンビニ")[0]] == ["56"]
    assert [c.code for c in pickers.find(pickers.KINDS["industry"], "介護")[0]] == ["85"]
    assert pickers.find(pickers.KINDS["industry"], "E")[0][0].code == "E"  # a section by its letter


def test_every_word_of_the_occupation_list_names_an_existing_code(db: None) -> None:
    codes = {e.code for e in pickers.KINDS["occupation"].entries()}
    assert set(pickers.occupation_words()) == codes


@pytest.mark.parametrize("username", USERNAMES)
def test_the_endpoint_answers_every_signed_in_user(world: World, username: str) -> None:
    assert options(username, "occupation", "溶接") == ["071", "067"]


def test_the_endpoint_lists_all_occupations_when_nothing_is_typed_but_no_towns(world: World) -> None:
    assert len(options("hana", "occupation", "")) == 99
    assert options("hana", "town", "") == []
    assert len(options("hana", "town", "玉島阿賀崎")) == 6


def test_the_endpoint_says_so_when_nothing_answers(world: World) -> None:
    body = client_for("hana").get(reverse("reference:codes"), {"kind": "occupation", "q": "宇宙飛行"}).content.decode()
    assert "「宇宙飛行」に当てはまるものはありません" in body
    for kind, q in (("nothing", "溶接"), ("occupation", "\x00" * 500), ("town", "<script>")):
        r = client_for("hana").get(reverse("reference:codes"), {"kind": kind, "q": q})
        assert r.status_code == 200 and "<script>" not in r.content.decode()


def test_the_endpoint_is_closed_to_anyone_not_signed_in(db: None) -> None:
    r = Client().get(reverse("reference:codes"), {"kind": "occupation", "q": "溶接"})
    assert r.status_code == 302 and "login" in r["Location"]


# --- the forms -----------------------------------------------------------------------------------------------

PICKERS = [
    ("hana", lambda w: reverse("seekers:create"), ["desired_1", "desired_2", "desired_3", "experience_1"]),
    ("naoki", lambda w: reverse("employers:create"), ["industry"]),
    ("naoki", lambda w: reverse("employers:visit_create", args=[w.employer.pk]), ["hiring_need_occupations"]),
    ("naoki", lambda w: reverse("development:contact_create", args=[w.employer.pk]),
     ["occupation", "hiring_need_occupations"]),
    ("hana", lambda w: reverse("postings:create"), ["occupation"]),
    ("hana", lambda w: reverse("postings:list"), ["occupation"]),  # a list's filter picks as a form does
    ("hana", lambda w: reverse("seekers:list"), ["occupation"]),
]


@pytest.mark.parametrize(("username", "url", "fields"), PICKERS)
def test_every_code_field_is_a_search_box_and_no_select(world: World, username: str, url: object,
                                                       fields: list[str]) -> None:
    page = client_for(username).get(url(world)).content.decode()  # type: ignore[operator]  # url: a callable of the world, typed object in the parameters
    for name in fields:
        assert f'name="{name}__typed"' in page and f'<select name="{name}"' not in page, name
        assert f'<label for="id_{name}"' in page and f'id="id_{name}" name="{name}__typed"' in page
    assert "multiple" not in re.findall(r"<select[^>]*>", page)
    assert '<script src="/static/kakehashi/picker.js"></script>' in page and "picker.css" in page
    assert 'role="combobox"' in page and 'aria-controls="id_' in page


def test_an_edit_shows_the_chosen_codes_as_ticked_boxes(world: World) -> None:
    s = world.seekers["s_hw"]
    page = client_for("hana").get(reverse("seekers:edit", args=[s.pk])).content.decode()
    assert '<input type="checkbox" name="desired_1" value="073" checked>' in page
    assert "073 製品製造・加工処理工（金属製品・食料品等を除く）" in page


def test_a_chosen_code_is_sent_as_a_select_would_send_it(world: World) -> None:
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(site=str(world.tamashima.pk), desired_1="071",
                                                                        desired_2="097"))
    assert r.status_code == 302
    assert Seeker.objects.get(name="新規 花子").desired_occupation_codes() == ["071", "097"]


def test_words_typed_without_choosing_are_read_when_the_form_is_sent(world: World) -> None:
    """No script, or Enter before choosing: one code answers and is taken."""
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(
        site=str(world.tamashima.pk), desired_1="", desired_1__typed="溶接工", experience_1="", experience_1_years=""))
    assert r.status_code == 302
    assert Seeker.objects.get(name="新規 花子").desired_occupation_codes() == ["071"]


def test_words_that_answer_several_codes_come_back_naming_them(world: World) -> None:
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(
        site=str(world.tamashima.pk), desired_1="", desired_1__typed="溶接"))
    body = r.content.decode()
    assert r.status_code == 200 and not Seeker.objects.filter(name="新規 花子").exists()
    assert "「溶接」に当てはまる職種が2件あります（071 製品製造・加工処理工（金属製品）、067 生産設備オペレーター（金属製品））" in body
    assert 'name="desired_1__typed" value="溶接"' in body  # kept, to narrow down
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(
        site=str(world.tamashima.pk), desired_1="", desired_1__typed="宇宙飛行"))
    assert "「宇宙飛行」に当てはまる職種はありません" in r.content.decode()


def test_a_multiple_picker_adds_the_typed_code_to_the_ticked_ones(world: World) -> None:
    r = client_for("naoki").post(reverse("employers:visit_create", args=[world.employer.pk]), {
        "visited_on": "2025-05-20", "method": "visit", "hiring_need_occupations": ["071"],
        "hiring_need_occupations__typed": "梱包"})
    assert r.status_code == 302
    visit = EmployerVisit.objects.get(employer=world.employer)
    assert sorted(visit.hiring_need_occupations.values_list("code", flat=True)) == ["071", "097"]


def test_unticking_every_code_clears_the_field(world: World) -> None:
    visit_url = reverse("employers:visit_create", args=[world.employer.pk])
    r = client_for("naoki").post(visit_url, {"visited_on": "2025-05-20", "method": "visit",
                                             "hiring_need_occupations__typed": ""})
    assert r.status_code == 302
    assert not EmployerVisit.objects.get(employer=world.employer).hiring_need_occupations.exists()


def test_the_industry_is_picked_by_words_on_the_employer_form(world: World) -> None:
    r = client_for("naoki").post(reverse("employers:create"), {
        "employer_id": "E-77", "name": "倉敷コンビニ", "industry__typed": "コンビニ", "postal_code": "713-8121"})
    assert r.status_code == 302


# --- the lists' filters --------------------------------------------------------------------------------------

def test_a_list_is_filtered_by_the_code_chosen_or_the_words_typed(world: World) -> None:
    hana = client_for("hana")
    for query in ({"occupation": "073", "open": "0"}, {"occupation__typed": "０７３", "open": "0"}):
        page = hana.get(reverse("postings:list"), query).content.decode()
        assert world.posting.posting_id in page, query
        assert 'name="occupation" value="073" checked' in page  # the filter shows what it filters by
    other = hana.get(reverse("postings:list"), {"occupation": "071", "open": "0"}).content.decode()
    assert world.posting.posting_id not in other
    wants_press = Seeker.objects.restrict(world.hana).filter(desired_occupations__occupation_id="073").first()
    assert wants_press is not None
    assert wants_press.seeker_id in hana.get(reverse("seekers:list"), {"occupation__typed": "073"}).content.decode()
    assert wants_press.seeker_id not in hana.get(reverse("seekers:list"), {"occupation__typed": "071"}).content.decode()


def test_words_that_answer_several_codes_filter_nothing_and_say_why(world: World) -> None:
    page = client_for("hana").get(reverse("postings:list"), {"occupation__typed": "溶接", "open": "0"})
    text = page.content.decode()
    assert page.status_code == 200 and "「溶接」に当てはまる職種が2件あります" in text
    assert world.posting.posting_id in text  # nothing was filtered out
