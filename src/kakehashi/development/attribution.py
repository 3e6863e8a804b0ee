"""What drove each developed posting: a Center visit, a need the city recorded, a navigator's individual job
development, or Hello Work's own development — and the figures by source.

The postings counted are those of INTERCHANGE.md's rule (``developed`` set, ``received_on`` in the period, the
posting's site), so the sources always add up to 開拓求人件数 and 開拓求人数. Each posting goes to exactly one
source:

1. a contact that named the posting as its result and was made **for a seeker** → individual development;
2. otherwise the **earliest** contact that named it, traced back to the need it followed up: the visit its
   ``DevelopmentContact.follows``, or — for a contact recorded without one (an import) — the latest visit by
   the Center or the city that recorded a hiring need for the posting's occupation at the same employer in the
   six months before the contact;
3. the party of the visit so found: the Center → Center visit, the city → city-recorded need, Hello Work →
   Hello Work's development;
4. no contact names it → "no record of the development".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from kakehashi.accounts.models import Site
from kakehashi.employers.models import EmployerVisit, VisitParty
from kakehashi.postings.models import Posting

from .models import Source

NEED_WINDOW_DAYS = 182
SOURCE_OF_PARTY: dict[str, str] = {VisitParty.CENTER: Source.CENTER_VISIT, VisitParty.CITY: Source.CITY_NEED,
                                   VisitParty.HELLO_WORK: Source.HELLO_WORK}


@dataclass(frozen=True)
class Attribution:
    """The source of one developed posting, the contact that produced it and the visit the source rests on."""

    posting_id: int
    source: str
    contact_id: int | None
    origin_id: int | None


@dataclass(frozen=True)
class SourceFigures:
    """Developed postings (件) and openings (人) from one source."""

    source: str
    label: str
    postings: int
    openings: int


@dataclass(frozen=True)
class _Visit:
    pk: int
    employer_id: int
    visited_on: datetime.date
    by: str
    for_seeker_id: int | None
    follows_id: int | None


def _visits(ids: set[int]) -> dict[int, _Visit]:
    rows = EmployerVisit.objects.filter(pk__in=ids).values_list(
        "pk", "employer_id", "visited_on", "by", "for_seeker_id", "development__follows_id")
    return {r[0]: _Visit(*r) for r in rows}


def attribute(postings: list[tuple[int, int, str, datetime.date]]) -> dict[int, Attribution]:
    """Attribute postings given as ``(pk, employer pk, occupation code, received_on)``."""
    pks = [p[0] for p in postings]
    naming: dict[int, list[_Visit]] = defaultdict(list)
    rows = EmployerVisit.objects.filter(resulting_posting_id__in=pks).values_list(
        "resulting_posting_id", "pk", "employer_id", "visited_on", "by", "for_seeker_id", "development__follows_id")
    for posting_id, pk, employer_id, on, by, seeker_id, follows_id in rows:
        naming[posting_id].append(_Visit(pk, employer_id, on, by, seeker_id, follows_id))
    # The chain of follow-ups, loaded a level at a time (chains are short: a need, a call, a visit).
    known: dict[int, _Visit] = {v.pk: v for vs in naming.values() for v in vs}
    missing = {v.follows_id for v in known.values() if v.follows_id and v.follows_id not in known}
    while missing:
        found = _visits(missing)
        known.update(found)
        missing = {v.follows_id for v in found.values() if v.follows_id and v.follows_id not in known}
    # Needs recorded by the Center or the city, for contacts recorded without a follows link.
    employers = {p[1] for p in postings}
    earliest = min((v.visited_on for vs in naming.values() for v in vs), default=None)
    needs: dict[tuple[int, str], list[tuple[datetime.date, int, str]]] = defaultdict(list)
    if earliest is not None:
        through = EmployerVisit.hiring_need_occupations.through.objects.filter(
            employervisit__employer_id__in=employers,
            employervisit__by__in=[VisitParty.CENTER, VisitParty.CITY],
            employervisit__visited_on__gte=earliest - datetime.timedelta(days=NEED_WINDOW_DAYS),
        ).values_list("employervisit__employer_id", "occupation_id", "employervisit__visited_on",
                      "employervisit_id", "employervisit__by")
        for employer_id, occ, on, visit_id, by in through:
            needs[(employer_id, occ)].append((on, visit_id, by))

    def origin(v: _Visit) -> _Visit:
        seen = {v.pk}
        while v.follows_id and v.follows_id in known and v.follows_id not in seen:
            v = known[v.follows_id]
            seen.add(v.pk)
        return v

    result = {}
    for pk, employer_id, occupation, _received in postings:
        contacts = sorted(naming.get(pk, []), key=lambda v: (v.visited_on, v.pk))
        if not contacts:
            result[pk] = Attribution(pk, Source.UNRECORDED, None, None)
            continue
        for_seeker = next((v for v in contacts if v.for_seeker_id), None)
        if for_seeker is not None:
            result[pk] = Attribution(pk, Source.INDIVIDUAL, for_seeker.pk, for_seeker.pk)
            continue
        first = contacts[0]
        root = origin(first)
        if root.for_seeker_id:
            result[pk] = Attribution(pk, Source.INDIVIDUAL, first.pk, root.pk)
            continue
        if root.pk == first.pk and root.by == VisitParty.HELLO_WORK:
            window_start = first.visited_on - datetime.timedelta(days=NEED_WINDOW_DAYS)
            heard = [n for n in needs.get((employer_id, occupation), [])
                     if window_start <= n[0] <= first.visited_on and n[1] != first.pk]
            if heard:
                _on, visit_id, by = max(heard)
                result[pk] = Attribution(pk, SOURCE_OF_PARTY[by], first.pk, visit_id)
                continue
        result[pk] = Attribution(pk, SOURCE_OF_PARTY.get(root.by, Source.HELLO_WORK), first.pk, root.pk)
    return result


@dataclass(frozen=True)
class Developed:
    """What attribution and the figures read of a developed posting."""

    pk: int
    employer_id: int
    occupation_id: str
    received_on: datetime.date
    openings: int


def developed_postings(site: Site | str | None, start: datetime.date, end: datetime.date) -> list[Developed]:
    """The developed postings of INTERCHANGE.md's counting rule: ``developed``, received in [start, end], at the
    site (every site when ``site`` is None), oldest first."""
    qs = Posting.objects.developed_between(start, end)
    if isinstance(site, Site):
        qs = qs.filter(site=site)
    elif site:
        qs = qs.filter(site__code=site)
    return [Developed(*row) for row in qs.order_by("received_on", "pk").values_list(
        "pk", "employer_id", "occupation_id", "received_on", "openings")]


def attribute_developed(postings: list[Developed]) -> dict[int, Attribution]:
    """``attribute`` for the rows ``developed_postings`` returns."""
    return attribute([(p.pk, p.employer_id, p.occupation_id, p.received_on) for p in postings])


def figures_by_source(postings: list[Developed], sources: dict[int, Attribution]) -> list[SourceFigures]:
    """Developed postings (件) and openings (人) by source, one row per source in ``Source`` order."""
    count: dict[str, int] = defaultdict(int)
    openings: dict[str, int] = defaultdict(int)
    for p in postings:
        source = sources[p.pk].source
        count[source] += 1
        openings[source] += p.openings
    return [SourceFigures(s.value, str(s.label), count[s.value], openings[s.value]) for s in Source]


def developed_by_source(site: Site | str | None, start: datetime.date, end: datetime.date) -> list[SourceFigures]:
    """Developed postings (件) and openings (人) by source for a site (a ``Site`` or its code; None: all sites)
    and the period ``start``–``end`` (both included), one row per source in ``Source`` order. The rows add up to
    the 開拓求人件数 / 開拓求人数 of the same site and period."""
    postings = developed_postings(site, start, end)
    return figures_by_source(postings, attribute_developed(postings))
