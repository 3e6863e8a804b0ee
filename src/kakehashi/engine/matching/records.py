"""What the matcher is told about one posting or one seeker.

Plain values, no Django: the web app fills these from its models, the benchmark from generated data. Field names
and values follow interchange v1 (``postings.csv``, ``seekers.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

RecordId = int | str

FULL_TIME = "full_time"
PART_TIME = "part_time"
ANY = "any"
MONTH = "month"
HOUR = "hour"


@dataclass(frozen=True, slots=True)
class PostingRecord:
    """An open posting (求人). Coordinates are degrees; ``None`` where the place could not be located."""

    posting_id: RecordId
    employer_id: RecordId
    occupation: str
    lat: float | None
    lng: float | None
    employment: str | None = None  # full_time / part_time; None = not stated
    wage_min: int | None = None  # yen, in wage_unit
    wage_max: int | None = None
    wage_unit: str | None = None  # month / hour
    required_qualifications: tuple[str, ...] = ()
    experience_required: bool = False
    trial_employment_ok: bool = False
    is_open: bool = True  # False once closed (締切) or filled (充足)
    title: str = ""
    description: str = ""
    openings: int = 1  # positions (人) still to fill: a posting for five people can take more seekers


@dataclass(frozen=True, slots=True)
class SeekerRecord:
    """A job seeker (求職者) and what they are looking for.

    ``desired_occupations`` is in order of preference; the first three count. ``experience`` maps an occupation
    code to years. ``long_gap`` marks a long time out of work, for which trial employment (トライアル雇用) helps.
    ``note`` is free text: what they want and what they have done.
    """

    seeker_id: RecordId
    desired_occupations: tuple[str, ...]
    lat: float | None
    lng: float | None
    max_commute_km: float | None = None  # None = no limit stated
    employment: str = ANY  # full_time / part_time / any
    min_wage: int | None = None  # yen, in wage_unit
    wage_unit: str | None = None
    qualifications: frozenset[str] = frozenset()
    experience: Mapping[str, float] = field(default_factory=dict)
    long_gap: bool = False
    note: str = ""
