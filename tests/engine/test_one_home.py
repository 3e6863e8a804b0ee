"""One distance and one table of related occupations for matching and employer targeting, and the targeting
ranks the apps ask for."""

import datetime
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import kakehashi
from kakehashi.engine import geo
from kakehashi.engine import relations as rel
from kakehashi.engine import targeting as tg
from kakehashi.engine.matching import MatchingEngine, Occupations, SeekerRecord, Transitions

OCC = Occupations.from_csv(Path(kakehashi.__file__).parent / "reference" / "data" / "mhlw2022-occupations.csv")
START = datetime.date(2020, 4, 1).toordinal()


def test_a_degree_of_latitude_is_about_111_km_and_an_unknown_place_is_no_distance() -> None:
    assert float(geo.haversine_km(34.0, 133.0, 35.0, 133.0)) == pytest.approx(111.195, abs=0.001)
    assert float(geo.haversine_km(34.5, 133.6, 34.6, 133.8)) == float(geo.haversine_km(34.6, 133.8, 34.5, 133.6))
    assert math.isnan(float(geo.haversine_km(float("nan"), 133.0, 35.0, 133.0)))
    assert not (geo.haversine_km(float("nan"), 133.0, 35.0, 133.0) <= 1e9)  # never within any limit


def test_kept_cosines_give_exactly_the_same_distance() -> None:
    rng = np.random.default_rng(1)
    lat1, lat2 = np.radians(rng.uniform(34, 35, 50)), np.radians(rng.uniform(34, 35, 50))
    lng1, lng2 = np.radians(rng.uniform(133, 134, 50)), np.radians(rng.uniform(133, 134, 50))
    plain = geo.great_circle_km(lat1, lng1, lat2, lng2)
    kept = geo.great_circle_km(lat1, lng1, lat2, lng2, cos_lat1=np.cos(lat1), cos_lat2=np.cos(lat2))
    assert np.array_equal(plain, kept)
    in_degrees = geo.haversine_km(np.degrees(lat1), np.degrees(lng1), np.degrees(lat2), np.degrees(lng2))
    assert np.allclose(plain, in_degrees, rtol=1e-12, atol=0)


def test_matching_scores_by_the_same_table_targeting_proposes_from() -> None:
    learned = Transitions.learn(OCC, [("073", "080")] * 6 + [("073", "073")] * 10, min_support=5)
    table = rel.Relations.build(OCC, learned)
    engine = MatchingEngine(OCC, [], [SeekerRecord(seeker_id="s", desired_occupations=("073",), lat=None, lng=None,
                                                   max_commute_km=None)], transitions=learned)
    assert np.array_equal(engine.relations.share, table.share)
    assert np.array_equal(engine.relations.kind, table.kind)


def test_a_seekers_related_occupations_are_their_wishes_experience_moves_and_major_group() -> None:
    i = {c: OCC.parse(c)[0] for c in ("073", "074", "080", "034", "075")}
    learned = Transitions.learn(OCC, [("073", "080")] * 6 + [("073", "073")] * 10, min_support=5)
    related = rel.Relations.build(OCC, learned).for_seeker([i["073"], i["074"]], [i["034"]])
    by = {r.occupation: r for r in related}
    assert by[i["073"]].share == 1.0 and by[i["034"]].share == 1.0  # first wish, experience
    assert by[i["034"]].bases == (rel.Basis(rel.OCC_EXPERIENCE, i["034"]),)
    assert by[i["074"]].share == pytest.approx(0.85)  # second wish (above its 0.4 as 073's major group)
    move = by[i["080"]]
    assert move.share == pytest.approx(0.45 + 0.15 * min((6 / 16) / 0.3, 1.0))
    assert move.bases[0].kind == rel.OCC_TRANSITION and move.bases[0].placements == 6
    same_major = by[i["075"]]
    assert same_major.share == pytest.approx(0.4) and {b.base for b in same_major.bases} == {i["073"], i["074"]}
    assert [r.share for r in related] == sorted((r.share for r in related), reverse=True)


def small_forecast(needs: Sequence[tuple[int, int, int]] = ()) -> tg.Forecast:
    """Three employers posting for occupation 0 (employer 1 most), one for occupation 1."""
    postings = [(e, 0, START + d) for e, every in ((0, 60), (1, 20), (2, 90)) for d in range(5, 700, every)]
    postings += [(3, 1, START + d) for d in range(5, 700, 30)]
    h = tg.History.build(occupation_names=["職業0", "職業1"], division_names=["繊維工業"], division=[0] * 4,
                         section=[0] * 4, employees=[20] * 4, postings=postings, needs=list(needs), hires=[],
                         start_day=START)
    return tg.forecast(h, START + 700)


LAT = np.array([34.55, 34.55 + 5 / 111.195, 34.55 + 40 / 111.195, 34.55])  # 0 km, 5 km, 40 km, 0 km north
LNG = np.full(4, 133.70)


def test_employers_are_ranked_for_seekers_in_need_only_within_someones_reach() -> None:
    fc = small_forecast()
    wanted = np.array([[True, False], [True, False]])
    ranked = tg.rank_for_need(fc, LAT, LNG, seeker_lat=np.array([34.55, 34.55]), seeker_lng=np.array([133.7, 133.7]),
                              seeker_limit_km=np.array([10.0, np.nan]), wanted=wanted)
    assert 2 not in ranked.employer.tolist()  # 40 km: beyond 10 km and beyond the 20 km given to "no limit"
    assert ranked.employer.tolist()[0] == 1  # posts most for the wanted occupation
    assert set(ranked.occupation.tolist()) == {0}  # only the wanted occupation counts
    assert ranked.reach[0] == 2 and ranked.distance_km[0] == pytest.approx(5.0, abs=0.01)


def test_for_one_seeker_a_heard_need_comes_first_and_nearness_counts() -> None:
    fc = small_forecast(needs=[(0, 0, START + 690)])
    ranked = tg.rank_for_seeker(fc, LAT, LNG, home=(34.55, 133.70), limit_km=None, related=[(0, 1.0)])
    assert ranked.employer.tolist()[0] == 0 and bool(ranked.lead[0])
    assert 2 not in ranked.employer.tolist()  # 40 km, beyond the default reach
    assert ranked.value[1] == pytest.approx(float(ranked.score[1]) * (1 - 0.5 * 5 / tg.DEFAULT_REACH_KM), rel=1e-3)
