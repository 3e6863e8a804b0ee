"""Matching seekers and postings: who fits whom, why, and what does not fit.

No Django here: the web app turns its records into :class:`PostingRecord` and :class:`SeekerRecord`, builds a
:class:`MatchingEngine` once, keeps it current as postings change, and asks it either way::

    occupations = Occupations.from_csv(path_to_mhlw2022_occupations_csv)
    engine = MatchingEngine(occupations, postings, seekers, transitions=Transitions.learn(occupations, hires))
    for m in engine.match_seeker(seeker_id, top=10):
        print(m.id, m.score, m.reasons, m.unmet)

See ``docs/matching.md`` for how scores are made, how near-ties are spread and what the benchmark shows.
"""

from .engine import Match, MatchingEngine, Weights
from .errors import MatchingError
from .occupations import Occupations
from .records import ANY, FULL_TIME, HOUR, MONTH, PART_TIME, PostingRecord, RecordId, SeekerRecord
from .transitions import Transitions

__all__ = [
    "ANY",
    "FULL_TIME",
    "HOUR",
    "MONTH",
    "PART_TIME",
    "Match",
    "MatchingEngine",
    "MatchingError",
    "Occupations",
    "PostingRecord",
    "RecordId",
    "SeekerRecord",
    "Transitions",
    "Weights",
]
