"""What the engine writes in Japanese is said again in English: the targeting model's explanations
(``development.wording``) and the readers' refusals of typed dates and numbers (``core.reading``).

The engine keeps writing Japanese; each form it writes must be one the wording modules know, or an English page
would show it as the engine wrote it. The first tests hold without the English catalogue: they ask the engine for
every sentence it can write and check its form is listed."""

from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from django import forms
from django.core.management import call_command
from django.utils import timezone, translation

from kakehashi.audit.log import record
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.core import reading
from kakehashi.core.forms import JapaneseDateField
from kakehashi.development import wording
from kakehashi.engine import calendar
from kakehashi.engine import targeting as tg
from kakehashi.engine import text as jtext
from kakehashi.interchange import cells
from kakehashi.interchange.errors import CellError
from tests.engine.test_targeting import START, YEAR, planted, steady
from tests.world import World

JAPANESE = re.compile(r"[\u3005\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uff66-\uff9f]")


def every_sentence(fc: tg.Forecast, pairs: list[tuple[int, int]]) -> set[str]:
    out: set[str] = set()
    for e, o in pairs:
        why = fc.explain(e, o, threshold=0.0)
        out.update(why.facts)
        out.update(r.text for r in why.modifiers)
        out.add(tg._sentence(fc, "ever", e, o))
    return out


def test_every_sentence_the_targeting_model_writes_has_its_form_in_the_wording() -> None:
    fc = tg.forecast(planted(4), START + 3 * YEAR)
    rng = np.random.default_rng(1)
    pairs = [(int(e), int(o)) for e, o in zip(rng.integers(0, 300, 60), rng.integers(0, 12, 60), strict=True)]
    top = np.argsort(-fc.expected, axis=None)[:20]
    pairs += [(int(i) // 12, int(i) % 12) for i in top]
    sentences = every_sentence(fc, pairs)
    # A need heard on a visit, with and without the timing the employer gave, hires, and an employer of no known
    # industry or size.
    as_of = START + 2 * YEAR
    h = tg.History.build(
        occupation_names=["縫製工", "調理人", "介護職員"], division_names=["繊維工業"],
        division=[0, 0, -1, 0], section=[0, 0, -1, 0], employees=[20, 5, None, 400],
        postings=[p for e in (0, 1, 3) for p in steady(e, 0, 90, as_of)],
        hires=[(0, 0, as_of - 30), (3, 0, as_of - 60)],
        needs=[(1, 0, as_of - 3), (0, 1, as_of - 2)], need_timing=["来春", ""], start_day=START)
    fc2 = tg.forecast(h, as_of)
    sentences |= every_sentence(fc2, [(e, o) for e in range(4) for o in range(3)])
    unknown = {s for s in sentences if not any(p.fullmatch(s) for p, _m in wording._PATTERNS)}
    assert not unknown, unknown
    assert len(sentences) > 30
    assert set(wording.TERMS) == set(tg.TERMS)
    assert all(wording.TERMS[t] == tg.TERM_LABELS[t] for t in tg.TERMS)


def test_a_sentence_of_another_form_and_any_sentence_in_japanese_come_back_as_written() -> None:
    sentence = "昨年の同時期（12月〜6月）にこの職種の求人 1件（これまでのペースなら 0.3件）"
    with translation.override("ja"):
        assert wording.said(sentence) == sentence
        assert wording.area_label(wording.UNKNOWN_AREA) == "地区不明"
        assert wording.listing(["A", "B"]) == "A、B"
    with translation.override("en"):
        assert wording.said("何かほかの文") == "何かほかの文"
        assert wording.listing(["A", "B"], "・") == "A, B"
        assert wording.area_label("水島") == "水島"


def test_the_targeting_model_is_explained_in_english_with_names_kept() -> None:
    with translation.override("en"):
        assert wording.said("昨年の同時期（12月〜6月）にこの職種の求人 1件（これまでのペースなら 0.3件）") == (
            "Postings for this occupation in the same months last year (Dec – Jun): 1 (0.3 at the usual pace)")
        assert wording.said("事業所全体の求人 過去2年で7件（従業員10〜29人・繊維工業の事業所は平均 半年0.9件）") == (
            "All the employer's postings: 7 in the past 2 years (employers of 10–29 employees in 繊維工業 "
            "average 0.9 per six months)")
        assert wording.said("業種不明の求人の5%が縫製工（この事業所での実績はなし）") == (
            "5% of the postings in unknown industry are for 縫製工 (none from this employer so far)")
        assert wording.term_label("hires") == "Hires in this occupation"
        assert wording.area_label(wording.UNKNOWN_AREA) == "Area unknown"


def refusal(read: object, text: str) -> jtext.ReadError:
    with pytest.raises(jtext.ReadError) as caught:
        read(text)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize(("read", "text"), [
    (calendar.parse_date, "平成元年1月7日"), (calendar.parse_date, "2026-02-30"), (calendar.parse_date, "あした"),
    (jtext.parse_int, "十二"), (jtext.parse_int, "1" * 40), (jtext.parse_float, "五.五"), (jtext.parse_flag, "たぶん"),
])
def test_every_refusal_of_the_readers_has_its_form_and_is_japanese_as_stored(read: object, text: str) -> None:
    error = refusal(read, text)
    assert error.form in reading.FORMS
    assert str(error) == error.form % error.values
    with translation.override("ja"):
        assert reading.said(error) == str(error)


def test_an_era_year_past_the_era_s_end_is_read_with_a_note_said_in_either_language() -> None:
    day, note = calendar.read_date("平成32年4月1日")
    assert day == datetime.date(2020, 4, 1)
    assert note.form in reading.FORMS  # type: ignore[attr-defined]  # a Note
    notes: list[str] = []
    with translation.override("ja"):
        assert cells.date("平成32年4月1日", notes) == day
    assert notes == ["「平成32年4月1日」は平成の終わり（2019-04-30）より後の日付のため、令和2年4月1日（2020-04-01）として読みました"]
    with translation.override("en"):
        cells.date("平成32年4月1日", notes)
    assert notes[1] == '"平成32年4月1日" is after the end of the Heisei era (2019-04-30): read as Reiwa 2, 4/1 (2020-04-01)'


def test_a_date_a_form_or_an_import_refuses_is_said_in_english() -> None:
    with translation.override("en"):
        assert reading.said(refusal(calendar.parse_date, "平成元年1月7日")) == (
            '"平成元年1月7日" is before the Heisei era began')
        with pytest.raises(forms.ValidationError) as caught:
            JapaneseDateField().clean("2026-02-30")
        assert caught.value.messages == ['"2026-02-30" is not a date that exists']
        with pytest.raises(CellError) as cell:
            cells.integer("十二")
        assert str(cell.value) == '"十二" is not a whole number'
    with translation.override("ja"):
        with pytest.raises(forms.ValidationError) as caught:
            JapaneseDateField().clean("あした")
        assert caught.value.messages == ["「あした」は日付として読めません（例：2025-04-01、令和7年4月1日、R7.4.1）"]


def test_the_audit_export_in_english_says_its_headers_labels_and_purposes_in_english(
        world: World, tmp_path: Path) -> None:
    seeker = world.seekers["s_hw"]
    record(world.hana, Action.VIEW, "seekers.Seeker", [seeker.pk], purpose="求職者詳細", persons={seeker.pk: "holder"})
    day = timezone.localdate().isoformat()
    books = {}
    for language in ("ja", "en"):
        path = tmp_path / f"audit-{language}.xlsx"
        call_command("audit", "export", "--from", day, "--to", day, "--format", "xlsx", "--output", str(path),
                     "--language", language, stdout=io.StringIO(), stderr=io.StringIO())
        books[language] = openpyxl.load_workbook(path)
    assert books["ja"].sheetnames == ["操作記録", "第三者提供記録"]
    assert books["en"].sheetnames == ["Access log", "Provisions to third parties"]
    ja, en = books["ja"]["操作記録"], books["en"]["Access log"]
    assert [c.value for c in ja[1]][9] == "目的" and [c.value for c in en[1]][9] == "Purpose"
    for ws in books["en"].worksheets:
        assert not [c.value for c in ws[1] if JAPANESE.search(str(c.value))]
    ja_rows = [r for r in ja.iter_rows(min_row=2, values_only=True) if r[9] == "求職者詳細"]
    en_rows = [r for r in en.iter_rows(min_row=2, values_only=True) if r[9] == "Job seeker details"]
    assert len(ja_rows) == len(en_rows) == 1
    assert en_rows[0][8] == f"{seeker.seeker_id} (holding agency)"
    # stored in Japanese whatever the export's language
    assert AuditEvent.objects.filter(purpose="求職者詳細").count() == 1
