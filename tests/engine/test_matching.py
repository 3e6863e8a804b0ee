"""The matching engine on small hand-made cases: hard conditions, the order of results, reasons, updates."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kakehashi
from kakehashi.engine.matching import (
    FULL_TIME,
    HOUR,
    MONTH,
    PART_TIME,
    Match,
    MatchingEngine,
    MatchingError,
    Occupations,
    PostingRecord,
    SeekerRecord,
    Transitions,
)

CSV = Path(kakehashi.__file__).parent / "reference" / "data" / "mhlw2022-occupations.csv"
OCC = Occupations.from_csv(CSV)
HOME = (34.55, 133.70)  # 玉島, roughly
KM_PER_DEG = math.pi * 6371.0088 / 180  # north–south, exactly as the great-circle distance measures it


def north(km: float) -> tuple[float, float]:
    return HOME[0] + km / KM_PER_DEG, HOME[1]


def seeker(**kw: Any) -> SeekerRecord:
    base: dict[str, Any] = dict(
        seeker_id="s1",
        desired_occupations=("073",),
        lat=HOME[0],
        lng=HOME[1],
        max_commute_km=10.0,
        employment=FULL_TIME,
        min_wage=180_000,
        wage_unit=MONTH,
        qualifications=frozenset({"フォークリフト"}),
        experience={},
        long_gap=False,
        note="",
    )
    base.update(kw)
    return SeekerRecord(**base)


def posting(pid: int, km: float = 2.0, **kw: Any) -> PostingRecord:
    lat, lng = north(km)
    base: dict[str, Any] = dict(
        posting_id=pid,
        employer_id=f"e{pid}",
        occupation="073",
        lat=lat,
        lng=lng,
        employment=FULL_TIME,
        wage_min=200_000,
        wage_max=240_000,
        wage_unit=MONTH,
    )
    base.update(kw)
    return PostingRecord(**base)


def ids(matches: list[Match]) -> list[Any]:
    return [m.id for m in matches]


def engine(
    postings: list[PostingRecord], seekers: list[SeekerRecord] | None = None, **kw: Any
) -> MatchingEngine:
    return MatchingEngine(OCC, postings, seekers if seekers is not None else [seeker()], **kw)


# -- hard conditions ------------------------------------------------------------------------------------------


def test_it_leaves_out_postings_beyond_the_commute_limit() -> None:
    e = engine([posting(1, km=9.9), posting(2, km=10.1)])
    assert ids(e.match_seeker("s1")) == [1]


def test_it_leaves_out_the_wrong_employment_type_but_not_an_unstated_one() -> None:
    e = engine([posting(1), posting(2, employment=PART_TIME), posting(3, employment=None)])
    assert sorted(ids(e.match_seeker("s1"))) == [1, 3]
    anyone = engine([posting(1), posting(2, employment=PART_TIME)], [seeker(employment="any")])
    assert sorted(ids(anyone.match_seeker("s1"))) == [1, 2]


def test_it_leaves_out_wages_that_cannot_reach_the_floor_in_the_same_unit() -> None:
    e = engine(
        [
            posting(1, wage_min=150_000, wage_max=170_000),  # even the top is below 18万: out
            posting(2, wage_min=160_000, wage_max=190_000),  # the top reaches it: in, with the low end noted
            posting(3, wage_min=1_000, wage_max=1_200, wage_unit=HOUR),  # another unit: not comparable, in
        ]
    )
    found = {m.id: m for m in e.match_seeker("s1")}
    assert sorted(found) == [2, 3]
    assert "賃金の下限 160,000円は希望 180,000円以上を下回る" in found[2].unmet
    assert "賃金の単位が希望と異なる（希望 月給 180,000円以上）" in found[3].unmet


def test_it_leaves_out_postings_whose_required_qualification_is_missing() -> None:
    e = engine(
        [
            posting(1, required_qualifications=("フォークリフト",)),
            posting(2, required_qualifications=("玉掛け",)),
        ]
    )
    matches = e.match_seeker("s1")
    assert ids(matches) == [1]
    assert "必要資格 フォークリフト ✓" in matches[0].reasons


def test_it_leaves_out_postings_that_require_experience_the_seeker_lacks() -> None:
    e = engine(
        [posting(1, experience_required=True), posting(2, occupation="074", experience_required=True)],
        [seeker(desired_occupations=("073", "074"), experience={"073": 3})],
    )
    matches = e.match_seeker("s1")
    assert ids(matches) == [1]
    assert "経験必須 ✓（製品製造・加工処理工（金属製品・食料品等を除く） 3年）" in matches[0].reasons


def test_it_leaves_out_closed_postings() -> None:
    e = engine([posting(1), posting(2, is_open=False)])
    assert ids(e.match_seeker("s1")) == [1]


def test_flagged_mode_shows_what_breaks_and_scores_it_lower() -> None:
    e = engine(
        [
            posting(1),
            posting(2, km=14.0),
            posting(3, employment=PART_TIME),
            posting(4, wage_min=150_000, wage_max=170_000),
            posting(5, required_qualifications=("玉掛け",)),
            posting(6, experience_required=True),
            posting(7, is_open=False),
        ]
    )
    found = {m.id: m for m in e.match_seeker("s1", flagged=True)}
    assert found[1].unmet == ()
    assert found[2].unmet == ("通勤 14.0km（上限 10km を超える）",)
    assert found[3].unmet == ("雇用形態 パート（希望 フルタイム）",)
    assert found[4].unmet == ("月給 150,000円〜170,000円（希望 180,000円以上に届かない）",)
    assert found[5].unmet == ("必要資格 玉掛け（未取得）",)
    assert found[6].unmet == ("経験必須（製品製造・加工処理工（金属製品・食料品等を除く）の経験なし）",)
    assert found[7].unmet == ("募集終了",)
    assert ids(e.match_seeker("s1", flagged=True))[0] == 1
    for pid in range(2, 8):
        assert found[pid].score <= round(found[pid].fit) - 20


def test_it_keeps_to_the_commute_limit_for_the_other_direction_too() -> None:
    e = engine(
        [posting(1)],
        [
            seeker(seeker_id="near", max_commute_km=5.0),
            seeker(seeker_id="far", lat=north(8)[0], max_commute_km=5.0),
            seeker(seeker_id="no-limit", lat=north(60)[0], max_commute_km=None),
        ],
    )
    assert sorted(ids(e.match_posting(1))) == ["near", "no-limit"]


def test_a_place_that_is_not_known_is_not_excluded_but_said() -> None:
    e = engine([posting(1, lat=None, lng=None)])
    (m,) = e.match_seeker("s1")
    assert "通勤距離 不明（所在地が未登録）" in m.unmet


# -- the order of results -------------------------------------------------------------------------------------


def test_the_first_wish_ranks_above_the_second_and_a_related_occupation_above_an_unrelated_one() -> None:
    e = engine(
        [
            posting(1, occupation="074"),
            posting(2, occupation="073"),
            posting(3, occupation="075"),
            posting(4, occupation="034"),
        ],
        [seeker(desired_occupations=("073", "074"))],
    )
    matches = e.match_seeker("s1")
    assert ids(matches) == [2, 1, 3, 4]
    assert matches[0].reasons[0] == "希望職種と一致（第1希望）"
    assert matches[1].reasons[0] == "希望職種と一致（第2希望）"
    assert matches[2].reasons[0] == "関連職種（第1希望と同じ大分類：製造・修理・塗装・製図等の職業）"
    assert "希望職種外（第1希望：製品製造・加工処理工（金属製品・食料品等を除く））" in matches[3].unmet


def test_a_minor_group_matches_its_middle_group_and_another_minor_group_ranks_lower() -> None:
    e = engine(
        [posting(1, occupation="073-02"), posting(2, occupation="073-05"), posting(3, occupation="073")],
        [seeker(desired_occupations=("073-05",))],
    )
    found = {m.id: m for m in e.match_seeker("s1")}
    assert found[2].reasons[0] == found[3].reasons[0] == "希望職種と一致（第1希望）"
    assert found[1].reasons[0] == "希望職種と同じ中分類（第1希望）"
    assert found[1].fit < found[2].fit


def test_learned_transitions_relate_occupations_once_there_is_enough_support() -> None:
    # Pressers (073) hired as sewing-machine operators (080): the success case's kind of move.
    hires = [("073", "080")] * 6 + [("073", "073")] * 10
    p = [posting(1, occupation="080"), posting(2, occupation="034")]
    learned = engine(p, transitions=Transitions.learn(OCC, hires, min_support=5))
    found = {m.id: m for m in learned.match_seeker("s1")}
    assert (
        found[1].reasons[0]
        == "関連職種（製品製造・加工処理工（金属製品・食料品等を除く）の希望者が就職した実績 6件）"
    )
    assert found[1].fit > found[2].fit
    thin = engine(p, transitions=Transitions.learn(OCC, hires[:4] + hires[6:], min_support=5))
    assert (
        {m.id: m for m in thin.match_seeker("s1")}[1].reasons[0].startswith("関連職種（第1希望と同じ大分類")
    )


def test_a_closer_posting_ranks_higher_and_says_how_far() -> None:
    e = engine([posting(1, km=8.0), posting(2, km=4.2)])
    matches = e.match_seeker("s1")
    assert ids(matches) == [2, 1]
    assert "通勤 4.2km（上限 10km）" in matches[0].reasons
    assert "月給 200,000円〜240,000円（希望 180,000円以上）" in matches[0].reasons


def test_shared_words_in_the_texts_raise_the_score_and_are_named() -> None:
    note = "フォークリフトでの倉庫内作業の経験があります。"
    e = engine(
        [
            posting(1, title="製造スタッフ", description="部品の組立と検査をお願いします。"),
            posting(2, title="倉庫スタッフ", description="フォークリフトを使った倉庫内作業です。"),
        ],
        [seeker(note=note)],
    )
    matches = e.match_seeker("s1")
    assert ids(matches) == [2, 1]
    text_reason = [r for r in matches[0].reasons if r.startswith("仕事内容が近い")]
    assert text_reason and "フォークリフト" in text_reason[0]


def test_trial_employment_counts_for_seekers_with_a_long_gap_only() -> None:
    p = [posting(1, trial_employment_ok=True), posting(2, trial_employment_ok=False)]
    gap = {m.id: m for m in engine(p, [seeker(long_gap=True)]).match_seeker("s1")}
    assert "トライアル雇用可（ブランクがあっても応募しやすい）" in gap[1].reasons
    assert gap[1].fit - gap[2].fit == pytest.approx(5.0, abs=0.01)
    plain = {m.id: m for m in engine(p, [seeker(long_gap=False)]).match_seeker("s1")}
    assert plain[1].fit == pytest.approx(plain[2].fit, abs=0.01)


def test_a_pair_scores_the_same_and_reads_the_same_either_way() -> None:
    e = engine(
        [posting(1, description="フォークリフト作業")], [seeker(note="フォークリフトの経験があります")]
    )
    (from_seeker,) = e.match_seeker("s1")
    (from_posting,) = e.match_posting(1)
    assert (from_seeker.score, from_seeker.fit, from_seeker.reasons) == (
        from_posting.score,
        from_posting.fit,
        from_posting.reasons,
    )


def test_scores_are_whole_points_out_of_a_hundred() -> None:
    e = engine([posting(i, km=0.5 * i) for i in range(1, 15)])
    for m in e.match_seeker("s1"):
        assert isinstance(m.score, int) and 0 <= m.score <= 100
        assert m.score == math.floor(m.fit + 0.5)


# -- fair exposure ----------------------------------------------------------------------------------------------


def test_one_employer_fills_at_most_three_places() -> None:
    e = engine(
        [posting(i, km=1 + 0.1 * i, employer_id="big") for i in range(8)]
        + [posting(100 + i, km=6 + 0.1 * i) for i in range(8)]
    )
    employers = [("big" if m.id < 100 else m.id) for m in e.match_seeker("s1")]
    assert employers.count("big") == 3
    assert len(employers) == 10


def test_equal_scores_are_ordered_by_a_seeded_hash_the_same_way_every_time() -> None:
    same = [posting(i, lat=HOME[0], lng=HOME[1] + 0.02) for i in range(30)]
    seekers = [seeker(seeker_id=f"s{i}") for i in range(5)]
    a, b = engine(same, seekers), engine(same, seekers)
    first = [ids(a.match_seeker(f"s{i}")) for i in range(5)]
    assert first == [ids(b.match_seeker(f"s{i}")) for i in range(5)]
    # Different seekers see different postings first, and a new seed (e.g. tomorrow's date) rotates them again.
    assert len({tuple(r) for r in first}) == 5
    assert ids(engine(same, seekers, seed=20261128).match_seeker("s0")) != first[0]


def test_among_ties_the_posting_fewer_seekers_compete_for_comes_first() -> None:
    # Two postings alike in every way but openings: thirty nearby seekers want the trade; one posting takes twenty.
    same = dict(lat=HOME[0], lng=HOME[1] + 0.02, employer_id="e")
    seekers = [seeker(seeker_id=f"s{i}") for i in range(30)]
    e = engine([posting(1, openings=1, **same), posting(2, openings=20, **same)], seekers, employer_cap=0)
    assert all(ids(e.match_seeker(f"s{i}")) == [2, 1] for i in range(30))


# -- agreement with scoring everything ----------------------------------------------------------------------------


def random_world(
    n_postings: int, n_seekers: int, seed: int, spread: float = 0.08
) -> tuple[list[PostingRecord], list[SeekerRecord]]:
    rng = np.random.default_rng(seed)
    codes = ["073", "074", "075", "080", "034", "038", "050", "095"]
    words = ["フォークリフト", "溶接", "検査", "組立", "介護", "事務", "倉庫", "塗装", "配送", "清掃"]
    postings = []
    for i in range(n_postings):
        postings.append(
            PostingRecord(
                posting_id=i,
                employer_id=int(rng.integers(0, n_postings // 4 + 1)),
                occupation=str(rng.choice(codes)),
                lat=HOME[0] + rng.normal(0, spread),
                lng=HOME[1] + rng.normal(0, spread),
                employment=str(rng.choice([FULL_TIME, PART_TIME])),
                wage_min=int(rng.integers(15, 30)) * 10_000,
                wage_max=int(rng.integers(30, 35)) * 10_000,
                wage_unit=MONTH,
                required_qualifications=("玉掛け",) if rng.random() < 0.2 else (),
                experience_required=bool(rng.random() < 0.1),
                trial_employment_ok=bool(rng.random() < 0.3),
                title=str(rng.choice(words)),
                description="と".join(rng.choice(words, 3)) + "の仕事です",
            )
        )
    seekers = []
    for i in range(n_seekers):
        wishes = tuple(str(c) for c in rng.choice(codes, size=int(rng.integers(0, 4)), replace=False))
        seekers.append(
            SeekerRecord(
                seeker_id=f"s{i}",
                desired_occupations=wishes,
                lat=HOME[0] + rng.normal(0, spread),
                lng=HOME[1] + rng.normal(0, spread),
                max_commute_km=None if rng.random() < 0.2 else float(rng.choice([5, 10, 20, 30, 150])),
                employment=str(rng.choice(["any", FULL_TIME, PART_TIME])),
                min_wage=int(rng.integers(15, 28)) * 10_000 if rng.random() < 0.7 else None,
                wage_unit=MONTH,
                qualifications=frozenset({"玉掛け"}) if rng.random() < 0.5 else frozenset(),
                experience={str(rng.choice(codes)): float(rng.integers(1, 6))} if rng.random() < 0.5 else {},
                long_gap=bool(rng.random() < 0.2),
                note="".join(rng.choice(words, 2)) + "の経験があります",
            )
        )
    return postings, seekers


def first_stage(m: Match) -> bool:
    """Whether a match comes from the main search rather than the fill-in: a wished or related occupation, or one
    the seeker has worked in, at any distance the seeker accepts."""
    return any(r.startswith(("希望職種", "関連職種", "経験のある職種")) for r in m.reasons)


@pytest.mark.parametrize("spread", [0.08, 0.6])  # a town, and a region wider than the 30 km distance scale
def test_stopping_early_gives_the_same_results_as_scoring_everything(spread: float) -> None:
    postings, seekers = random_world(600, 60, seed=1, spread=spread)
    e = MatchingEngine(OCC, postings, seekers)
    queries = [(e.match_seeker, s.seeker_id) for s in seekers] + [
        (e.match_posting, p.posting_id) for p in postings[:60]
    ]
    for match, rid in queries:
        short, full = match(rid, top=10), match(rid, top=10_000)
        # Wished, related and worked-in occupations first; unrelated ones only fill the list when the others are
        # fewer than ten.
        if sum(map(first_stage, full)) >= 10:
            assert short == [m for m in full if first_stage(m)][:10]
        else:
            assert short == full[:10]


def test_nothing_in_the_results_breaks_a_hard_condition() -> None:
    postings, seekers = random_world(600, 60, seed=2)
    e = MatchingEngine(OCC, postings, seekers)
    for s in seekers:
        for m in e.match_seeker(s.seeker_id, top=50):
            assert not [
                u
                for u in m.unmet
                if u.startswith(("通勤 ", "雇用形態", "必要資格", "経験必須", "募集終了"))
                or u.endswith("に届かない）")
            ]


# -- keeping the index current --------------------------------------------------------------------------------------


def test_removing_and_replacing_postings_changes_the_results() -> None:
    e = engine([posting(1, km=1.0), posting(2, km=3.0)])
    assert ids(e.match_seeker("s1")) == [1, 2]
    e.remove_postings([1])
    assert ids(e.match_seeker("s1")) == [2]
    e.add_postings([posting(2, km=12.0)])  # moved out of reach
    assert ids(e.match_seeker("s1")) == []
    e.add_postings([posting(3, km=1.0)])
    assert ids(e.match_seeker("s1")) == [3]
    assert e.posting_count == 2


def test_many_changes_leave_the_index_as_if_built_afresh() -> None:
    postings, seekers = random_world(3000, 30, seed=3)
    # Without texts, so that word weights (fitted when an index is built) play no part in the comparison.
    postings = [replace(p, title="", description="") for p in postings]
    seekers = [replace(s, note="") for s in seekers]
    e = MatchingEngine(OCC, postings[:2000], seekers)
    e.remove_postings(range(0, 2000, 2))  # enough to compact
    e.add_postings(postings[2000:])  # enough to merge the added entries
    moved = [replace(p, lat=HOME[0], lng=HOME[1]) for p in postings[2001:2400:3]]
    e.add_postings(moved)
    kept = {p.posting_id: p for p in postings[1:2000:2] + postings[2000:]}
    kept.update({p.posting_id: p for p in moved})
    fresh = MatchingEngine(OCC, kept.values(), seekers)
    assert e.posting_count == fresh.posting_count == len(kept)
    for s in seekers:
        assert e.match_seeker(s.seeker_id) == fresh.match_seeker(s.seeker_id)


def test_a_seeker_not_in_the_index_can_be_matched_from_their_record() -> None:
    postings, seekers = random_world(400, 10, seed=4)
    e = MatchingEngine(OCC, postings, seekers)
    for s in seekers:
        assert e.match_seeker(s) == e.match_seeker(s.seeker_id)


def test_an_unknown_id_or_code_is_an_error_in_japanese() -> None:
    e = engine([posting(1)])
    with pytest.raises(MatchingError, match="索引にありません"):
        e.match_seeker("nobody")
    with pytest.raises(MatchingError, match="職業分類コード「999」"):
        e.add_postings([posting(2, occupation="999")])


# -- batches --------------------------------------------------------------------------------------------------------


def test_the_batch_gives_what_single_queries_give_with_one_worker_or_two() -> None:
    postings, seekers = random_world(300, 300, seed=5)
    e = MatchingEngine(OCC, postings, seekers)
    single = [(s.seeker_id, e.match_seeker(s.seeker_id)) for s in seekers]
    assert list(e.match_all_seekers(workers=1)) == single
    assert list(e.match_all_seekers(workers=2)) == single
    by_posting = list(e.match_all_postings(workers=2))
    assert [pid for pid, _ in by_posting] == [p.posting_id for p in postings]
    assert by_posting[7][1] == e.match_posting(7)
