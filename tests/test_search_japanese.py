"""Search finds Japanese names as a desk types them: any kana, any width, any spacing; phone numbers either way."""

import datetime
import importlib
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from kakehashi.accounts.models import Site
from kakehashi.employers.models import Employer
from kakehashi.engine.text import fold, reading, search_key, search_needles
from kakehashi.reference.models import Industry
from kakehashi.seekers.models import Seeker
from tests.test_forms import seeker_form
from tests.test_interchange import run_import
from tests.world import World, client_for

SPELLINGS = ["ミホン", "ﾐﾎﾝ", "見本幸子", "見本　幸子", "みほん", "見本 幸子", "ｻﾁｺ", "さちこ", "ミホン　サチコ"]


@pytest.fixture
def mihon(world: World) -> Seeker:
    """The demo's success case, held by Hello Work (so the counselor hana sees her)."""
    return Seeker.objects.create(seeker_id="DEMO-SUCCESS", site=world.tamashima, registered_on=datetime.date(2025, 4, 1),
                                 registered_by="hello_work", name="見本 幸子", name_kana="ミホン サチコ",
                                 phone="086-422-1234", postal_code="713-8121")


def listed(username: str, q: str) -> str:
    r = client_for(username).get(reverse("seekers:list"), {"q": q})
    assert r.status_code == 200
    return r.content.decode()


# --- the folding, on its own ---------------------------------------------------------------------------------

def test_every_spelling_folds_to_what_the_key_holds() -> None:
    key = search_key("DEMO-SUCCESS", "見本 幸子", "ミホン サチコ", phone="086-422-1234")
    assert key == "demo-success 見本幸子 ミホンサチコ 0864221234"
    for typed in SPELLINGS:
        assert fold(typed) in key, typed
    assert fold("ＡＢＣ工業") == "abc工業"


def test_a_phone_number_is_looked_for_by_its_digits_too() -> None:
    assert search_needles("086-422-1234") == ["086-422-1234", "0864221234"]
    assert search_needles("（０８６）４２２ー１２３４") == ["(086)422ー1234", "0864221234"]
    assert search_needles("0864221234") == ["0864221234"]
    assert search_needles("見本") == ["見本"]
    assert search_needles("　 ") == []


def test_a_reading_is_kept_in_katakana() -> None:
    assert reading("みほん　さちこ") == "ミホン サチコ"
    assert reading("ﾐﾎﾝ  ｻﾁｺ") == "ミホン サチコ"
    assert reading("ガッコウ・ヴィラ") == "ガッコウ・ヴィラ"
    assert reading("") == ""
    for bad in ("見本", "mihon", "ミホン1"):
        with pytest.raises(ValueError, match="かなではありません"):
            reading(bad)


# --- the seeker list -----------------------------------------------------------------------------------------

def test_the_four_spellings_and_hiragana_find_mihon_sachiko(world: World, mihon: Seeker) -> None:
    for typed in SPELLINGS:
        page = listed("hana", typed)
        assert "見本 幸子" in page, typed
        assert "玉島 三郎" not in page, typed


def test_a_phone_number_finds_her_with_or_without_hyphens(world: World, mihon: Seeker) -> None:
    for typed in ("086-422-1234", "0864221234", "０８６－４２２－１２３４", "422-1234", "086 422 1234"):
        assert "見本 幸子" in listed("hana", typed), typed
    assert "見本 幸子" not in listed("hana", "086-999-0000")


def test_part_of_an_id_finds_the_seeker_in_any_case(world: World, mihon: Seeker) -> None:
    assert "見本 幸子" in listed("hana", "demo-succ")
    assert "玉島 三郎" in listed("hana", "s-hw")


def test_search_finds_only_the_seekers_the_user_may_see(world: World) -> None:
    # S-CITY-2 is the city's, with no consent to Hello Work
    assert "倉敷 二郎" not in listed("hana", "倉敷二郎")
    assert "倉敷 二郎" in listed("chika", "倉敷　二郎")


def test_an_anonymised_seeker_is_still_found_by_the_whole_id(world: World, mihon: Seeker) -> None:
    Seeker.objects.filter(pk=mihon.pk).update(name="", name_kana="", phone="", search_key="")  # as retention does
    assert "DEMO-SUCCESS" in listed("hana", "DEMO-SUCCESS")


def test_the_key_follows_an_edit_on_the_form(world: World, mihon: Seeker) -> None:
    r = client_for("hana").post(reverse("seekers:edit", args=[mihon.pk]), seeker_form(
        site=str(world.tamashima.pk), name="見本 幸江", name_kana="みほん ゆきえ", phone="086-422-1234"))
    assert r.status_code == 302
    mihon.refresh_from_db()
    assert (mihon.name_kana, mihon.search_key) == ("ミホン ユキエ", "demo-success 見本幸江 ミホンユキエ 0864221234")
    assert "見本 幸江" in listed("hana", "ﾕｷｴ")


def test_the_key_is_kept_by_save_with_update_fields_and_by_bulk_create(world: World, mihon: Seeker) -> None:
    mihon.phone = "086-522-0000"
    mihon.save(update_fields=["phone"])
    assert Seeker.objects.get(pk=mihon.pk).search_key.endswith(" 0865220000")
    Seeker.objects.bulk_create([Seeker(seeker_id="S-BULK", site=world.tamashima, registered_on=datetime.date(2025, 4, 1),
                                       name="一括 太郎", name_kana="イッカツ タロウ", postal_code="713-8121")])
    assert Seeker.objects.get(seeker_id="S-BULK").search_key == "s-bulk 一括太郎 イッカツタロウ"


def test_the_data_migration_fills_the_keys_of_stored_rows(world: World, mihon: Seeker) -> None:
    Seeker.objects.update(search_key="")
    Employer.objects.update(search_key="")
    for module in ("kakehashi.seekers.migrations.0005_fill_search_key",
                   "kakehashi.employers.migrations.0004_fill_search_key"):
        fill = importlib.import_module(module).Migration.operations[0]
        fill.code(apps, SimpleNamespace(connection=connection))
    assert Seeker.objects.get(pk=mihon.pk).search_key == "demo-success 見本幸子 ミホンサチコ 0864221234"
    assert Employer.objects.get(pk=world.employer.pk).search_key == "e-1 玉島縫製株式会社"
    assert not Seeker.objects.filter(search_key="").exists()


# --- the ふりがな field ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["みほん　さちこ", "ﾐﾎﾝ ｻﾁｺ", "ミホン サチコ"])
def test_the_reading_is_stored_in_katakana_however_it_was_typed(world: World, typed: str) -> None:
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(
        site=str(world.tamashima.pk), name="見本 幸子", name_kana=typed))
    assert r.status_code == 302
    assert Seeker.objects.get(name="見本 幸子").name_kana == "ミホン サチコ"


@pytest.mark.parametrize("typed", ["見本 幸子", "mihon", "ミホン 3"])
def test_a_reading_that_is_not_kana_is_refused_in_japanese(world: World, typed: str) -> None:
    r = client_for("hana").post(reverse("seekers:create"), seeker_form(
        site=str(world.tamashima.pk), name="見本 幸子", name_kana=typed))
    assert r.status_code == 200
    assert "ふりがなはひらがなかカタカナで入力してください" in r.content.decode()
    assert not Seeker.objects.filter(name="見本 幸子").exists()


# --- employers -----------------------------------------------------------------------------------------------

def employers_listed(q: str) -> str:
    r = client_for("sen").get(reverse("employers:list"), {"q": q})
    assert r.status_code == 200
    return r.content.decode()


def test_employer_search_folds_the_same_way(world: World) -> None:
    Employer.objects.create(employer_id="E-2", name="水島 機工 株式会社", name_kana="ミズシマ キコウ",
                            industry=Industry.objects.get(code="11"), postal_code="712-8061", phone="086-444-5555")
    for typed in ("みずしま", "ﾐｽﾞｼﾏ", "水島機工", "水島　機工", "0864445555", "086-444-5555", "e-2"):
        page = employers_listed(typed)
        assert "水島 機工 株式会社" in page, typed
        assert "玉島縫製株式会社" not in page, typed


def test_imported_employers_are_found_by_name_and_phone(world: World, tmp_path: Path) -> None:
    (tmp_path / "employers.csv").write_text(
        "employer_id,name,industry,postal_code,phone\r\nE-100,ﾐﾎﾝ工業,E,713-8121,086-411-2222\r\n", encoding="utf-8")
    run_import(tmp_path)
    assert Employer.objects.get(employer_id="E-100").search_key == "e-100 ミホン工業 0864112222"
    for typed in ("みほん工業", "0864112222"):
        assert "ミホン工業" in employers_listed(typed) or "ﾐﾎﾝ工業" in employers_listed(typed), typed
    # a re-import with a new phone moves the key; the same file again changes nothing
    (tmp_path / "employers.csv").write_text(
        "employer_id,name,industry,postal_code,phone\r\nE-100,ﾐﾎﾝ工業,E,713-8121,086-411-3333\r\n", encoding="utf-8")
    run_import(tmp_path)
    assert Employer.objects.get(employer_id="E-100").search_key == "e-100 ミホン工業 0864113333"


def test_imported_seekers_are_found_by_their_id(world: World, tmp_path: Path) -> None:
    site = Site.objects.get(code="tamashima")
    (tmp_path / "seekers.csv").write_text(
        "seeker_id,site,registered_on,postal_code,desired_occupations\r\n"
        f"S-IMP-7,{site.code},2025-04-01,713-8121,073\r\n", encoding="utf-8")
    run_import(tmp_path)
    assert Seeker.objects.get(seeker_id="S-IMP-7").search_key == "s-imp-7"
    assert "S-IMP-7" in listed("hana", "imp-7")
