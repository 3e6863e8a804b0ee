"""The employers' history as the targeting engine reads it: employers, postings, hires and the hiring needs
recorded on visits, up to an as-of date, turned into arrays of indices.

The history is counts about employers, not personal records: hires are counted per employer and occupation,
never listed, so it is the same for every user (as the progress figures are).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np

from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.engine import targeting as tg
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry, Occupation
from kakehashi.referrals.models import Referral


@dataclass(frozen=True)
class EmployerRow:
    """What the pages need of an employer, by its index in the history."""

    pk: int
    employer_id: str
    name: str
    industry: str
    area: str
    lat: float | None
    lng: float | None
    employees: int | None


@dataclass
class LoadedHistory:
    """A :class:`~kakehashi.engine.targeting.History` with the way back from indices to records."""

    history: tg.History
    employers: list[EmployerRow]
    employer_index: dict[int, int]  # Employer pk → index
    occupation_codes: list[str]
    occupation_index: dict[str, int]
    majors: dict[str, list[int]]  # major group code → indices of its middle groups
    as_of: datetime.date

    def occupations_of(self, code: str) -> list[int]:
        """A middle group ('073') or a whole major group ('12') as indices; [] for an unknown code."""
        if code in self.occupation_index:
            return [self.occupation_index[code]]
        return list(self.majors.get(code, []))

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        lat = np.array([e.lat if e.lat is not None else np.nan for e in self.employers], dtype=np.float64)
        lng = np.array([e.lng if e.lng is not None else np.nan for e in self.employers], dtype=np.float64)
        return lat, lng


def last_record_day() -> datetime.date | None:
    """The latest day anything was posted — where a backtest on a database ends."""
    return Posting.objects.order_by("-received_on").values_list("received_on", flat=True).first()


def _industry_tree() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """code → its division (2-digit code, '' for a section), code → section letter, division → name."""
    rows: dict[str, tuple[int, str, str | None, str]] = {
        c: (lvl, sec, parent, name)
        for c, lvl, sec, parent, name in Industry.objects.values_list("code", "level", "section", "parent_id", "name")
    }
    division_of: dict[str, str] = {}
    for code, (level, _sec, parent, _name) in rows.items():
        c, lvl, par = code, level, parent
        while lvl > 2 and par is not None:
            c = par
            lvl, _s, par, _n = rows.get(par, (2, "", None, ""))
        division_of[code] = c if lvl == 2 else ""
    section_of = {code: sec for code, (_l, sec, _p, _n) in rows.items()}
    names = {code: name for code, (lvl, _s, _p, name) in rows.items() if lvl == 2}
    return division_of, section_of, names


def load_history(*, as_of: datetime.date) -> LoadedHistory:
    """Everything recorded on or before ``as_of``, for every employer."""
    occupations = list(Occupation.objects.order_by("code").values_list("code", "name", "major_code"))
    occupation_codes = [c for c, _n, _m in occupations]
    occupation_index = {c: i for i, c in enumerate(occupation_codes)}
    majors: dict[str, list[int]] = {}
    for i, (_c, _n, major) in enumerate(occupations):
        majors.setdefault(major, []).append(i)
    division_of, section_of, division_names = _industry_tree()
    divisions = sorted(division_names)
    division_index = {d: i for i, d in enumerate(divisions)}
    sections = sorted({s for s in section_of.values() if s})
    section_index = {s: i for i, s in enumerate(sections)}

    employers: list[EmployerRow] = []
    division: list[int] = []
    section: list[int] = []
    employees: list[float | None] = []
    for pk, eid, name, industry_id, area, lat, lng, size in (
        Employer.objects.order_by("pk").values_list("pk", "employer_id", "name", "industry_id", "town__area",
                                                    "lat", "lng", "employees")
    ):
        div = division_of.get(industry_id, "")
        employers.append(EmployerRow(pk, eid, name, division_names.get(div, ""), area or "", lat, lng, size))
        division.append(division_index.get(div, -1))
        section.append(section_index.get(section_of.get(industry_id, ""), -1))
        employees.append(size)
    employer_index = {e.pk: i for i, e in enumerate(employers)}

    def triples(rows: list[tuple[int, str, datetime.date | None]]) -> list[tuple[int, int, int]]:
        return [(employer_index[e], occupation_index[o], d.toordinal()) for e, o, d in rows
                if e in employer_index and o in occupation_index and d is not None]

    postings = triples(list(Posting.objects.filter(received_on__lte=as_of)
                            .values_list("employer_id", "occupation_id", "received_on")))
    hires = triples(list(Referral.objects.placements_between(None, as_of)
                         .values_list("posting__employer_id", "posting__occupation_id", "outcome_on")))
    need_rows = list(
        EmployerVisit.hiring_need_occupations.through.objects.filter(employervisit__visited_on__lte=as_of)
        .values_list("employervisit__employer_id", "occupation_id", "employervisit__visited_on",
                     "employervisit__hiring_timing")
    )
    needs = triples([(e, o, d) for e, o, d, _t in need_rows])
    timing = [t for e, o, _d, t in need_rows if e in employer_index and o in occupation_index]
    first = [d for d in (
        Posting.objects.order_by("received_on").values_list("received_on", flat=True).first(),
        EmployerVisit.objects.order_by("visited_on").values_list("visited_on", flat=True).first(),
    ) if d is not None]
    history = tg.History.build(
        occupation_names=[f"{c} {n}" for c, n, _m in occupations],
        division_names=[division_names[d] for d in divisions],
        division=division, section=section, employees=employees,
        postings=postings, hires=hires, needs=needs, need_timing=timing,
        start_day=min(first).toordinal() if first else None,
    )
    return LoadedHistory(history, employers, employer_index, occupation_codes, occupation_index, majors, as_of)
