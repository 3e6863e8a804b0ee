"""English is a real choice: the language switcher turns the interface, messages and form errors into English
and back, and the English catalogue keeps up with the Japanese strings in the source."""

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kakehashi.accounts.models import Staff
from kakehashi.audit.models import AuditEvent
from kakehashi.seekers.models import Seeker
from tests.second_factor import sign_in
from tests.test_forms import seeker_form
from tests.world import World

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "kakehashi"
CATALOGUE = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
HOW_TO_FIX = ("cd src/kakehashi && ../../.venv/bin/kakehashi makemessages -l en, give every entry its English "
              "in locale/en/LC_MESSAGES/django.po, then ../../.venv/bin/kakehashi compilemessages (see docs/i18n.md)")


def signed_in(username: str = "hana") -> Client:
    return sign_in(Client(), Staff.objects.get(username=username))


def choose(c: Client, language: str) -> None:
    """What the switcher in base.html does: post the language to /i18n/setlang/ and follow ``next``."""
    r = c.post(reverse("set_language"), {"language": language, "next": reverse("home")})
    assert r.status_code == 302 and r["Location"] == reverse("home")


def english(japanese: str, **params: object) -> str:
    """The catalogue's English for a Japanese source string; fails when there is none."""
    with translation.override("en"):
        text = translation.gettext(japanese)
    assert text != japanese, f"no English for {japanese!r}"
    return text % params if params else text


def page(c: Client, url: str) -> str:
    r = c.get(url)
    assert r.status_code == 200
    return r.content.decode()


def test_it_shows_the_home_page_in_english_once_english_is_chosen(world: World) -> None:
    c = signed_in()
    choose(c, "en")
    body = page(c, reverse("home"))
    assert '<html lang="en">' in body
    assert english("%(name)s さんの今日の業務", name=world.hana.display_name) in body
    for ja in ("支援中の求職者（閲覧できる範囲）", "求職者一覧へ", "結果待ちの紹介", "ログアウト"):
        assert english(ja) in body
        assert ja not in body


def test_it_shows_the_seeker_list_and_a_seeker_in_english(world: World) -> None:
    c = signed_in()
    choose(c, "en")
    body = page(c, reverse("seekers:list"))
    assert english("氏名・ふりがな・ID") in body and "氏名・ふりがな・ID" not in body
    assert world.seekers["s_welfare"].name in body  # the people stay as they are written
    body = page(c, reverse("seekers:detail", args=[world.seekers["s_welfare"].pk]))
    for ja in ("基本情報", "求職者ID", "求職ニーズ", "相談・支援の経過"):
        assert english(ja) in body
        assert ja not in body
    assert english("支援中") in body  # a model choice label, translated through gettext_lazy


def test_it_explains_a_bad_postal_code_in_english_and_saves_nothing(world: World) -> None:
    c = signed_in()
    choose(c, "en")
    before = (Seeker.objects.count(), AuditEvent.objects.filter(action="create").count())
    r = c.post(reverse("seekers:create"), seeker_form(site=str(world.tamashima.pk), postal_code="999-9999"))
    body = r.content.decode()
    assert r.status_code == 200
    assert english("郵便番号「%(code)s」は存在しません。", code="999-9999") in body
    assert english("入力内容を確認してください。保存されていません。") in body
    assert "存在しません" not in body
    assert (Seeker.objects.count(), AuditEvent.objects.filter(action="create").count()) == before


def test_it_goes_back_to_japanese_when_japanese_is_chosen_again(world: World) -> None:
    c = signed_in()
    choose(c, "en")
    assert english("基本情報") in page(c, reverse("seekers:detail", args=[world.seekers["s_welfare"].pk]))
    choose(c, "ja")
    body = page(c, reverse("home"))
    assert '<html lang="ja">' in body
    assert "支援中の求職者（閲覧できる範囲）" in body and english("支援中の求職者（閲覧できる範囲）") not in body
    body = page(c, reverse("seekers:detail", args=[world.seekers["s_welfare"].pk]))
    assert "基本情報" in body and english("基本情報") not in body
    r = c.post(reverse("seekers:create"), seeker_form(site=str(world.tamashima.pk), postal_code="999-9999"))
    assert "郵便番号「999-9999」は存在しません" in r.content.decode()


def test_a_visitor_whose_browser_asks_for_no_language_gets_japanese(db: None) -> None:
    body = page(Client(), reverse("login"))
    assert '<html lang="ja">' in body and "パスワード" in body


def test_an_english_browser_still_gets_japanese_until_english_is_chosen(world: World) -> None:
    # Japanese first: the office PC's browser language does not decide; the switcher does.
    c = Client(headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="ja">' in page(c, reverse("login"))
    sign_in(c, Staff.objects.get(username="hana"))
    choose(c, "en")
    assert '<html lang="en">' in page(c, reverse("home"))
    choose(c, "ja")
    assert '<html lang="ja">' in page(c, reverse("home"))


# The catalogue itself. A small reader for the .po format, so that the checks need no gettext tools.

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    line: int = 0


def read_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete ``#~`` entries left out), header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                entries.append(current)
                current = None
            if line.startswith("#,") and "fuzzy" in line:
                current = current or Entry(line=number)
                current.fuzzy = True
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            text = ast.literal_eval(line)
        else:
            if keyword in ("msgctxt", "msgid") and current is not None and current.msgstr:
                entries.append(current)
                current = None
            current = current or Entry(line=number)
            text = ast.literal_eval(rest)
            index = int(m[1]) if (m := re.fullmatch(r"msgstr\[(\d+)\]", keyword)) else 0
            target = ("msgstr" if keyword.startswith("msgstr") else keyword, index)
            if target[0] == "msgstr":
                current.msgstr[index] = ""
            else:
                setattr(current, target[0], "")
        assert current is not None, f"{path}:{number}: text outside an entry"
        if target[0] == "msgstr":
            current.msgstr[target[1]] += text
        else:
            setattr(current, target[0], (getattr(current, target[0]) or "") + text)
    if current is not None:
        entries.append(current)
    return entries


def untranslated(entries: list[Entry]) -> list[str]:
    return [f"  line {e.line}: {e.msgid!r}" + (" (fuzzy)" if e.fuzzy else "")
            for e in entries if e.msgid and (e.fuzzy or not e.msgstr or not all(e.msgstr.values()))]


def test_the_english_catalogue_has_english_for_every_entry() -> None:
    entries = read_po(CATALOGUE)
    assert len(entries) > 1, f"{CATALOGUE} has no entries"
    missing = untranslated(entries)
    assert not missing, (f"{len(missing)} entries of {CATALOGUE.relative_to(PACKAGE.parent.parent)} have no "
                         "English (or are marked fuzzy):\n" + "\n".join(missing) + f"\nTo fix: {HOW_TO_FIX}")


def test_the_compiled_catalogue_is_the_po_file_compiled() -> None:
    with COMPILED.open("rb") as f:
        catalog = gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]  # the parsed .mo, by key
    stale = []
    for e in read_po(CATALOGUE):
        if not e.msgid or e.fuzzy:
            continue
        key = f"{e.msgctxt}\x04{e.msgid}" if e.msgctxt is not None else e.msgid
        compiled = ({i: catalog.get((key, i)) for i in e.msgstr} if e.msgid_plural is not None
                    else {0: catalog.get(key)})
        if compiled != e.msgstr:
            stale.append(f"  line {e.line}: {e.msgid!r}")
    assert not stale, (f"{COMPILED.name} differs from {CATALOGUE.name} for {len(stale)} entries:\n"
                       + "\n".join(stale[:20]) + "\nRecompile: cd src/kakehashi && ../../.venv/bin/kakehashi "
                       "compilemessages (or msgfmt --check -o django.mo django.po)")


@pytest.mark.skipif(shutil.which("xgettext") is None or shutil.which("msgmerge") is None,
                    reason="needs GNU gettext (xgettext, msgmerge) to extract the strings from the source")
def test_every_translatable_string_in_the_source_has_english(tmp_path: Path, settings: object,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # Extract from a copy, so that the committed catalogue is never rewritten by a test run.
    copy = tmp_path / "kakehashi"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "*.mo"))
    settings.LOCALE_PATHS = [copy / "locale"]  # type: ignore[attr-defined]  # pytest-django's settings proxy
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], verbosity=0, no_obsolete=True)
    missing = untranslated(read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert not missing, (f"{len(missing)} translatable strings in the source have no English in the catalogue "
                         "(new or changed since the last makemessages):\n" + "\n".join(missing)
                         + f"\nTo fix: {HOW_TO_FIX}")
