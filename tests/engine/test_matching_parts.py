"""The matcher's parts on their own: the classification, Japanese text fit, learned transitions, the wording."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kakehashi
from kakehashi.engine.matching import MatchingError, Occupations, Transitions
from kakehashi.engine.matching.reasons import km, money, wage_range, years
from kakehashi.engine.matching.store import TextRows
from kakehashi.engine.matching.textfit import QueryVector, TextModel, bigram_buckets, ranges, shared_phrases

CSV = Path(kakehashi.__file__).parent / "reference" / "data" / "mhlw2022-occupations.csv"
OCC = Occupations.from_csv(CSV)


def test_the_classification_has_99_middle_groups_in_15_major_groups() -> None:
    assert len(OCC) == 99
    assert len(set(OCC.major_codes)) == 15
    assert OCC.name(OCC.parse("073")[0]) == "製品製造・加工処理工（金属製品・食料品等を除く）"
    assert OCC.major_name(OCC.parse("073")[0]) == "製造・修理・塗装・製図等の職業"


def test_codes_are_read_with_or_without_a_minor_group_and_in_full_width() -> None:
    middle = OCC.parse("073")[0]
    assert OCC.parse("073-05") == (middle, 5)
    assert OCC.parse("０７３") == (middle, 0)
    assert OCC.code(middle, 5) == "073-05"
    with pytest.raises(MatchingError, match="中分類にありません"):
        OCC.parse("999")


def test_a_mapping_given_as_a_dict_works_like_the_file() -> None:
    occ = Occupations.from_mapping({"073": "12", "074": "12", "034": "06"})
    major = occ.major_index()
    a, b, c = (occ.parse(x)[0] for x in ("073", "074", "034"))
    assert major[a] == major[b] != major[c]


def test_ranges_concatenates_aranges() -> None:
    starts = np.array([3, 10, 10, 20], dtype=np.int64)
    ends = np.array([5, 10, 12, 21], dtype=np.int64)
    assert ranges(starts, ends).tolist() == [3, 4, 10, 11, 20]


def test_bigrams_do_not_span_punctuation_or_texts() -> None:
    doc, buckets = bigram_buckets(["ＡＢ、c", "de"])  # NFKC: 'ab'; the comma splits; 'c' alone has no pair
    assert doc.tolist() == [0, 1]
    assert len(set(buckets.tolist())) == 2


def test_texts_that_share_telling_words_are_closer_than_those_sharing_boilerplate() -> None:
    texts = [
        "フォークリフトで倉庫内の荷役をする仕事です。未経験歓迎。",
        "レジと品出しの仕事です。未経験歓迎。",
        "介護施設での身体介護の仕事です。未経験歓迎。",
        "溶接と組立の仕事です。未経験歓迎。",
    ]
    model = TextModel.fit(texts)
    rows = model.transform(texts + ["フォークリフトの経験があります"])
    q = QueryVector()
    q.load(rows, len(texts))
    cos = q.dot(rows, np.arange(len(texts), dtype=np.int64))
    assert cos.argmax() == 0
    assert cos[0] > 2 * cos[1:].max()


def test_the_inverted_copy_gives_the_same_cosines_as_reading_row_by_row() -> None:
    rng = np.random.default_rng(0)
    words = ["フォークリフト", "溶接", "検査", "組立", "介護", "事務", "倉庫", "塗装", "配送", "清掃", "調理"]
    texts = ["、".join(rng.choice(words, 4)) + "の仕事" for _ in range(3000)]
    model = TextModel.fit(texts)
    store = TextRows()
    store.append(model.transform(texts[:2500]))
    store.inverted()
    store.append(model.transform(texts[2500:]))  # rows added after the inverted copy was made
    q = QueryVector()
    q.load(model.transform(["溶接と検査の経験"]), 0)
    which = rng.choice(3000, size=2800, replace=False).astype(np.int64)
    by_row = store.dot(q, which)
    by_bigram = store.dot(q, which, by_bigram=True)
    assert np.allclose(by_row, by_bigram, atol=1e-6)
    assert by_row.max() > 0


def test_shared_phrases_name_the_words_both_texts_use() -> None:
    texts = ["フォークリフトを使った倉庫内作業です", "倉庫の事務です", "介護の仕事です"]
    model = TextModel.fit(texts)
    found = shared_phrases("フォークリフトでの倉庫内作業の経験", texts[0], model)
    assert found[0] == "フォークリフト"
    assert "倉庫内作業" in found
    assert shared_phrases("まったく関係のない話", texts[0], model) == []


def test_transitions_need_enough_support_and_share() -> None:
    hires = [("073", "080")] * 6 + [("073", "073")] * 50 + [("073", "034")] * 2 + [("073", "999")] * 9
    t = Transitions.learn(OCC, hires, min_support=5, min_share=0.05)
    a, b, c = (OCC.parse(x)[0] for x in ("073", "080", "034"))
    assert t.count[a, b] == 6 and t.share[a, b] == pytest.approx(6 / 58)
    assert t.count[a, c] == 0  # two hires are not a pattern
    assert t.count[a, a] == 0  # staying in one's trade is no transition
    assert Transitions.learn(OCC, hires, min_support=5, min_share=0.2).count[a, b] == 0


def test_money_and_distances_are_written_as_every_page_writes_them() -> None:
    assert money(200_000, "month") == "200,000円"
    assert money(205_000, "month") == "205,000円"
    assert money(1_000, "hour") == "1,000円"
    assert wage_range(200_000, 240_000, "month") == "月給 200,000円〜240,000円"
    assert wage_range(1_000, 1_200, "hour") == "時給 1,000円〜1,200円"
    assert wage_range(200_000, 200_000, "month") == "月給 200,000円"
    assert wage_range(200_000, None, "month") == "月給 200,000円〜"
    assert wage_range(None, None, "month") is None
    assert km(10.0) == "10km" and km(7.5) == "7.5km"
    assert years(3.0) == "3年" and years(0.5) == "6か月" and years(8.6) == "8年7か月"
