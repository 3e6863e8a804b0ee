"""Which employers to approach, with reasons: for an occupation and area, for the unmet demand as a whole, or
for one seeker (individual job development, 個別求人開拓).

This module reads the records and writes the reasons; the engine scores and ranks. The score is the targeting
model's probability that the employer opens a posting for the occupation in the next six months, and the lists
are ranked by ``kakehashi.engine.targeting`` (``rank_for_need``, ``rank_for_occupations``, ``rank_for_seeker``:
employers within the commute of the seekers in need, ``DEFAULT_REACH_KM`` for those who gave no limit). The
occupations related to a seeker come from the table matching uses (``kakehashi.engine.relations``). The reasons
are the model's terms said the way a promoter would say them (``plain_reasons``), the distance to those seekers,
and what the latest visit recorded.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.utils.translation import gettext as _

from kakehashi.accounts.models import Site
from kakehashi.core.stamps import Stamp, digest, read_stamps
from kakehashi.core.units import years_label
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.engine import relations as rel
from kakehashi.engine import targeting as tg
from kakehashi.engine.matching import Match, MatchingError
from kakehashi.matching.loading import occupations, transitions
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker

from . import stored, wording
from .fit import FitIndex, postings_open_on
from .gap import Market, market
from .history import EmployerRow, LoadedHistory, load_history

COEFFICIENT_CACHE_SECONDS = 3600
FORECAST_CACHE_SECONDS = 3600


@dataclass
class Target:
    """One employer to approach."""

    employer: EmployerRow
    occupation: str
    occupation_name: str
    expected: float
    score: float
    reasons: list[str]
    distance_km: float | None = None
    reach: int = 0
    value: float = 0.0  # what the list is ordered by (the score, or for a seeker the weighted score)

    @property
    def expected_text(self) -> str:
        """The postings expected in the next six months as the list shows them (「約3件」; see ``postings_text``)."""
        return postings_text(self.expected)

    def as_dict(self) -> dict[str, object]:
        return {"employer_id": self.employer.employer_id, "name": self.employer.name,
                "occupation": self.occupation, "score": round(self.score, 4),
                "expected_postings": round(self.expected, 3),
                "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
                "reasons": self.reasons}


@dataclass
class TargetList:
    """The ranked employers for one question, with who is in need and how the model was fitted."""

    as_of: datetime.date
    site: Site | None
    occupation: str
    occupation_label: str
    area: str
    need: list[int]  # pks of the seekers in need the list is for
    need_is_unmet: bool  # False when nobody lacks a fit and the list is for everyone wanting the occupation
    targets: list[Target]
    coefficients: tg.Coefficients
    model_lines: list[str] = field(default_factory=list)


COEFFICIENTS = "coefficients"
# What the fitted coefficients are kept under: postings (added or edited) and visits (added). The model learns
# from years of postings, so a hire or an employer's edit does not refit it; the history and the forecast from
# it follow every change (``HISTORY_STAMPS``).
COEFFICIENT_STAMPS = (
    Stamp(Posting, ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(EmployerVisit, ("MAX", "pk")),
)
# The records the history is read from: employers, postings and referrals (each stamps its last change), visits
# and the hiring needs recorded on them (a visit is recorded, never edited; a need is a row of its own), and the
# occupations.
HISTORY_STAMPS = (
    Stamp(Employer, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(Posting, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(Referral, ("COUNT", "pk"), ("MAX", "pk"), ("MAX", "updated_at")),
    Stamp(EmployerVisit, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(EmployerVisit.hiring_need_occupations.through, ("COUNT", "pk"), ("MAX", "pk")),
    Stamp(Occupation, ("COUNT", "pk"), ("MAX", "pk")),
)


def _versions() -> tuple[str, str]:
    """The version of the coefficients' records and of the history's, from one statement (``core.stamps``)."""
    row = read_stamps(COEFFICIENT_STAMPS + HISTORY_STAMPS)
    n = sum(len(s.figures) for s in COEFFICIENT_STAMPS)
    return stored.version_of(COEFFICIENTS, row[:n]), digest(row[n:])


def _fingerprint() -> str:
    """Changes when a posting is added or edited or a visit recorded: what the coefficients are kept under."""
    return _versions()[0]


def _history_fingerprint() -> str:
    """Changes whenever a record the history is read from is added, changed or removed."""
    return _versions()[1]


def _encode_coefficients(c: tg.Coefficients) -> dict[str, object]:
    return {"intercept": c.intercept, "beta": c.beta, "rows": c.rows, "windows": c.windows}


def _decode_coefficients(d: dict[str, Any]) -> tg.Coefficients:
    return tg.Coefficients(intercept=float(d["intercept"]), beta={t: float(v) for t, v in d["beta"].items()},
                           rows=int(d["rows"]), windows=int(d["windows"]))


def coefficients_for(as_of: datetime.date, loaded: LoadedHistory | None = None, *, version: str | None = None,
                     refresh: bool = False) -> tg.Coefficients:
    """The coefficients fitted on the history up to ``as_of``: from this process's cache, else from the database
    (``development.stored``: every worker's, kept over restarts), else fitted (a second or two on a city's
    records) and kept in both."""
    version = version or _fingerprint()
    key = f"kakehashi.development.coefficients.{as_of.isoformat()}.{version}"
    found = None if refresh else cache.get(key)
    if isinstance(found, tg.Coefficients):
        return found

    def compute() -> tg.Coefficients:
        history = (loaded if loaded is not None else load_history(as_of=as_of)).history
        return tg.fit(history, as_of.toordinal())

    coefficients = stored.get_or_compute(COEFFICIENTS, as_of, version, compute, _encode_coefficients,
                                         _decode_coefficients, refresh=refresh)
    cache.set(key, coefficients, COEFFICIENT_CACHE_SECONDS)
    return coefficients


def coefficients_are_fresh(as_of: datetime.date) -> bool:
    """Whether the database holds the coefficients for ``as_of`` and the records as they are now."""
    return stored.is_fresh(COEFFICIENTS, as_of, _fingerprint())


def forecast_for(as_of: datetime.date) -> tuple[LoadedHistory, tg.Forecast]:
    """The history up to ``as_of`` and the forecast from it. Fitting takes a second or two on a city's records,
    so the coefficients are kept while the postings and visits are unchanged (``coefficients_for``); the history
    and the forecast (half a second to read and compute) are kept until any record they are read from changes
    (``HISTORY_STAMPS``)."""
    coefficient_version, history_version = _versions()
    key = f"kakehashi.development.forecast.{as_of.isoformat()}.{history_version}"
    found = cache.get(key)
    hit_history, hit_forecast = found if isinstance(found, tuple) and len(found) == 2 else (None, None)
    if isinstance(hit_history, LoadedHistory) and isinstance(hit_forecast, tg.Forecast):
        return hit_history, hit_forecast
    loaded = load_history(as_of=as_of)
    coefficients = coefficients_for(as_of, loaded, version=coefficient_version)
    result = (loaded, tg.forecast(loaded.history, as_of, coefficients=coefficients))
    cache.set(key, result, FORECAST_CACHE_SECONDS)
    return result


def model_summary(c: tg.Coefficients) -> list[str]:
    """The fitted coefficients as a reader sees them: what each signal multiplies the expectation by."""
    if not c.fitted:
        return [_("履歴が短いため、係数は推定せず「事業所の求人の多さ × 職種の割合」だけで見込みを出しています。")]
    lines = [_("過去の同じ問い（%(windows)d時点・%(rows)s組）で推定した係数：")
             % {"windows": c.windows, "rows": f"{c.rows:,}"}]
    for t in tg.TERMS:
        lines.append(f"{wording.term_label(t)}：{c.beta[t]:+.2f}")
    return lines


# -- the reasons in a promoter's words ----------------------------------------------------------------------------
#
# The model's own figures are a probability and factors (×3.1, 半年1.07件). A promoter plans in postings and in
# "more or less than usual", so the reasons say the expected number of postings, rounded to what the model can tell
# (「約3件」, 「1件未満」), each factor against the employer's usual (「普段の約3倍」「普段より約3割多い」), and distances
# to what a map would show (「1km未満」「約2.4km」).
#
# The probability of at least one posting, 1 − e^(−λ), is not shown: it saturates. The leading employers of a
# city expect three postings or more, and 1 − e^(−3) is already 95 %, so the leading targets and the stops of a
# visit plan all read 94–97 % (the demo year's Tamashima) and the figure tells none of them apart. The expected number keeps telling them apart (約3件
# against 約8件) and is what a promoter counts in; the rank in the list is its order.


def postings_text(expected: float) -> str:
    """0.3 → 「1件未満」, 1.07 → 「約1件」, 2.5 → 「約3件」: the expected postings of six months, in whole postings
    (halves up), as the model cannot tell a tenth of a posting."""
    if expected < 0.5:
        return _("1件未満")
    return _("約%(n)d件") % {"n": math.floor(expected + 0.5)}


def factor_text(factor: float) -> str:
    """A modifier against the employer's usual: 3.1 → 「普段の約3倍」, 1.3 → 「普段より約3割多い」, 0.7 → 「普段より約3割
    少ない」, 0.5 → 「普段の約半分」, 0.2 → 「普段の約5分の1」."""
    if factor >= 1.95:
        return _("普段の約%(n)d倍") % {"n": math.floor(factor + 0.5)}
    if factor >= 1.0:
        return _("普段より約%(n)d割多い") % {"n": max(1, math.floor((factor - 1) * 10 + 0.5))}
    if factor > 0.55:
        return _("普段より約%(n)d割少ない") % {"n": max(1, math.floor((1 - factor) * 10 + 0.5))}
    parts = math.floor(1 / max(factor, 1e-9) + 0.5)
    return _("普段の約半分") if parts <= 2 else _("普段の約%(n)d分の1") % {"n": parts}


def km_text(km: float) -> str:
    """0.04 → 「1km未満」, 2.43 → 「約2.4km」, 12.6 → 「約13km」: a straight-line distance as precise as it is
    (places are known to the postal code), never 「0.0km」."""
    if km < 1.0:
        return _("1km未満")
    if km < 10.0:
        return _("約%(km)skm") % {"km": f"{km:.1f}"}
    return _("約%(km)dkm") % {"km": math.floor(km + 0.5)}


def plain_reasons(why: tg.Explanation, occupation: str) -> list[str]:
    """The model's explanation of one (employer, occupation) as a promoter says it: how many postings to expect in
    the next six months, each thing that makes that more or less than usual (strongest first), then the usual
    and the facts it rests on."""
    lines = [_("この半年で%(occ)sの求人が出る見込み %(n)s") % {"occ": occupation, "n": postings_text(why.expected)}]
    lines += [_("%(what)s → 求人が出る見込みは%(how)s") % {"what": wording.said(r.text), "how": factor_text(r.factor)}
              for r in why.modifiers]
    lines.append(_("普段なら半年で%(n)s") % {"n": postings_text(why.usual)})
    lines += [wording.said(fact) for fact in why.facts]
    return lines


def _visit_summaries(employer_pks: list[int], as_of: datetime.date) -> dict[int, str]:
    """The latest visit of each employer (by ``as_of``) as one line: date, party, the need it recorded, the
    openness flags."""
    out: dict[int, str] = {}
    for v in (EmployerVisit.objects.filter(employer_id__in=employer_pks, visited_on__lte=as_of)
              .order_by("employer_id", "-visited_on", "-pk")
              .prefetch_related("hiring_need_occupations")):
        if v.employer_id in out:
            continue
        bits = [_("%(day)s %(party)sの%(method)s") % {"day": f"{v.visited_on:%Y-%m-%d}", "party": v.get_by_display(),
                                                    "method": v.get_method_display()}]
        needs = [o.name for o in v.hiring_need_occupations.all()]
        if needs:
            n = _(" %(n)d人") % {"n": v.hiring_need_openings} if v.hiring_need_openings else ""
            bits.append(_("採用ニーズ：%(occ)s%(n)s") % {"occ": wording.listing(needs), "n": n})
        if v.hiring_timing:
            bits.append(_("時期：%(t)s") % {"t": v.hiring_timing})
        flags = [label for flag, label in ((v.open_to_trial, _("トライアル雇用可")), (v.open_to_long_gap, _("ブランク可")),
                                           (v.open_to_older, _("中高年可"))) if flag]
        if flags:
            bits.append(wording.listing(flags, "・"))
        out[v.employer_id] = _("最新の訪問記録：") + wording.listing(bits)
    return out


def _seeker_points(pks: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Latitudes, longitudes and commute limits (NaN: none stated) of the seekers, in the order returned."""
    rows = list(Seeker.objects.filter(pk__in=pks).values_list("pk", "lat", "lng", "max_commute_km"))
    lat = np.array([r[1] if r[1] is not None else np.nan for r in rows], dtype=np.float64)
    lng = np.array([r[2] if r[2] is not None else np.nan for r in rows], dtype=np.float64)
    limit = np.array([r[3] if r[3] is not None else np.nan for r in rows], dtype=np.float64)
    return lat, lng, limit, [r[0] for r in rows]


def _occupation_label(code: str) -> str:
    if not code:
        return _("未充足の求人ニーズ全体")
    occ = Occupation.objects.filter(code=code).first()
    if occ is not None:
        return f"{occ.code} {occ.name}"
    major = Occupation.objects.filter(major_code=code).first()
    return f"{code} {major.major_name}" if major is not None else code


def targets_for(*, site: Site | None, occupation: str = "", area: str = "", as_of: datetime.date,
                top: int = 20, found: Market | None = None) -> TargetList:
    """Employers to approach for ``occupation`` (a middle or major group code; empty: the whole unmet demand)
    among the seekers of ``site`` living in ``area`` (empty: every area)."""
    loaded, fc = forecast_for(as_of)
    m = found if found is not None else market(as_of)
    occ_set = set(loaded.occupations_of(occupation)) if occupation else set()
    codes = loaded.occupation_codes
    # Seekers in need: those in scope wanting the occupation(s) and without a fitting posting in them.
    need: dict[int, set[int]] = defaultdict(set)  # seeker pk → occupation indices they lack a fit in
    wanting: dict[int, set[int]] = defaultdict(set)
    for s in m.seekers:
        if (site is not None and s.site_id != site.pk) or (area and s.area != area):
            continue
        wished = {loaded.occupation_index[o] for o in s.fits if o in loaded.occupation_index}
        relevant = wished & occ_set if occupation else wished
        if not relevant:
            continue
        wanting[s.pk] = relevant
        if occupation:
            if not any(s.fits[codes[i]] for i in relevant):
                need[s.pk] = relevant
        else:
            lacking = {i for i in relevant if not s.fits[codes[i]]}
            if lacking:
                need[s.pk] = lacking
    need_is_unmet = bool(need)
    chosen = need if need else wanting
    lat_e, lng_e = loaded.coordinates()
    if chosen:
        lat_s, lng_s, limit, order = _seeker_points(list(chosen))
        wanted = np.zeros((len(order), len(codes)), dtype=np.bool_)
        for j, pk in enumerate(order):
            wanted[j, list(chosen[pk])] = True
        ranked = tg.rank_for_need(fc, lat_e, lng_e, seeker_lat=lat_s, seeker_lng=lng_s, seeker_limit_km=limit,
                                  wanted=wanted, top=top)
    else:
        here = (site.lat, site.lng) if site is not None and site.lat is not None and site.lng is not None else None
        ranked = tg.rank_for_occupations(fc, lat_e, lng_e, sorted(occ_set), site=here, top=top)
    visits = _visit_summaries([loaded.employers[int(e)].pk for e in ranked.employer], as_of)
    targets = []
    for k in range(len(ranked)):
        e, o = int(ranked.employer[k]), int(ranked.occupation[k])
        distance = float(ranked.distance_km[k])
        why = fc.explain(e, o)
        # The expectation and the strongest reason first: a visit plan shows the first two lines.
        plain = plain_reasons(why, loaded.history.occupation_names[o])
        told = 1 + len(why.modifiers)  # the expectation and what moves it; the usual and its facts follow
        reasons = plain[:told]
        if chosen and ranked.reach[k]:
            reasons.append(_("求職者 %(n)d人の通勤圏内（いちばん近い人まで %(d)s）")
                           % {"n": int(ranked.reach[k]), "d": km_text(distance)})
        elif math.isfinite(distance):
            reasons.append(_("拠点から%(d)s") % {"d": km_text(distance)})
        reasons += plain[told:]
        if loaded.employers[e].pk in visits:
            reasons.append(visits[loaded.employers[e].pk])
        targets.append(Target(loaded.employers[e], codes[o], loaded.history.occupation_names[o],
                              float(ranked.expected[k]), float(ranked.score[k]), reasons,
                              distance if math.isfinite(distance) else None, int(ranked.reach[k]),
                              float(ranked.value[k])))
    return TargetList(as_of, site, occupation, _occupation_label(occupation), area, sorted(chosen), need_is_unmet,
                      targets, fc.coefficients, model_summary(fc.coefficients))


# -- individual job development -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Related:
    """An occupation worth developing for a seeker, how strongly (0–1) and why."""

    code: str
    name: str
    weight: float
    why: str


@dataclass
class SeekerTargets:
    seeker: Seeker
    as_of: datetime.date
    fitting: list[tuple[Posting, Match]]
    related: list[Related]
    targets: list[Target]
    limit_km: float


def related_occupations(seeker: Seeker) -> list[Related]:
    """The occupations the seeker's wishes and experience relate to, strongest first — the table matching
    scores by (``kakehashi.engine.relations``), with the moves learned from every placement — each with the
    reasons for its weight."""
    occs = occupations()
    table = rel.Relations.build(occs, transitions())

    def index(code: str) -> int | None:
        try:
            return occs.parse(code)[0]
        except MatchingError:
            return None  # a code no longer in the classification relates to nothing

    wishes = [(i, d.rank) for d in seeker.desired_occupations.order_by("rank")
              if (i := index(d.occupation_id)) is not None]
    own = [(i, x.years) for x in seeker.experiences.all() if (i := index(x.occupation_id)) is not None]
    years = dict(reversed(own))
    names = dict(Occupation.objects.values_list("code", "name"))

    def why(b: rel.Basis) -> str:
        base = occs.codes[b.base]
        if b.kind == rel.OCC_EXACT:
            return _("第%(n)d希望") % {"n": wishes[b.rank][1]}
        if b.kind == rel.OCC_EXPERIENCE:
            return _("経験 %(y)s") % {"y": years_label(years.get(b.base, 0))}
        if b.kind == rel.OCC_TRANSITION:
            return _("%(from)sの希望者が就職した実績 %(n)d件") % {"from": names.get(base, base), "n": b.placements}
        return _("%(from)sと同じ大分類（%(major)s）") % {"from": names.get(base, base),
                                                     "major": occs.major_name(b.base)}

    out = []
    for r in table.for_seeker([i for i, _r in wishes], [i for i, _y in own]):
        code = occs.codes[r.occupation]
        if code in names:
            out.append(Related(code, names[code], r.share, "・".join(dict.fromkeys(why(b) for b in r.bases))))
    return out


def targets_for_seeker(seeker: Seeker, *, as_of: datetime.date, top: int = 10) -> SeekerTargets:
    """Employers near the seeker's home in trades where their experience transfers: first those with an open
    hiring need recorded for such a trade, then the rest, each group by the chance that they open such a post
    (weighted by how closely the trade relates, and halved at the commute limit) — ``tg.rank_for_seeker``."""
    # The fitting postings are of the occupations the seeker wishes (``FitIndex.ranked_for``): only those are read.
    wished = Posting.objects.filter(occupation_id__in=seeker.desired_occupations.values("occupation_id"))
    index = FitIndex(postings_open_on(as_of, wished))
    fitting = [(index.postings[int(m.id)], m) for m in index.ranked_for(seeker)]
    related = related_occupations(seeker)
    loaded, fc = forecast_for(as_of)
    lat_e, lng_e = loaded.coordinates()
    home = (seeker.lat, seeker.lng) if seeker.lat is not None and seeker.lng is not None else None
    by_code = {r.code: r for r in related}
    ranked = tg.rank_for_seeker(
        fc, lat_e, lng_e, home=home, limit_km=seeker.max_commute_km,
        related=[(loaded.occupation_index[r.code], r.weight) for r in related if r.code in loaded.occupation_index],
        top=top)
    limit = seeker.max_commute_km or tg.DEFAULT_REACH_KM
    visits = _visit_summaries([loaded.employers[int(e)].pk for e in ranked.employer], as_of)
    targets: list[Target] = []
    for k in range(len(ranked)):
        e, o = int(ranked.employer[k]), int(ranked.occupation[k])
        distance = float(ranked.distance_km[k])
        why = fc.explain(e, o)
        plain = plain_reasons(why, loaded.history.occupation_names[o])
        reasons = [_("%(occ)s：%(why)s（この半年で求人が出る見込み %(n)s）")
                   % {"occ": loaded.history.occupation_names[o], "why": by_code[loaded.occupation_codes[o]].why,
                      "n": postings_text(why.expected)}]
        if ranked.lead[k]:
            reasons.insert(0, _("この職種の採用ニーズを訪問で聞いている（まだ求人は出ていない）"))
        reasons += plain[1:]
        if math.isfinite(distance):
            reasons.append(_("自宅から%(d)s（通勤の上限 %(l)skm）") % {"d": km_text(distance), "l": f"{limit:g}"})
        if loaded.employers[e].pk in visits:
            reasons.append(visits[loaded.employers[e].pk])
        targets.append(Target(loaded.employers[e], loaded.occupation_codes[o], loaded.history.occupation_names[o],
                              float(ranked.expected[k]), float(ranked.score[k]), reasons,
                              distance if math.isfinite(distance) else None, 1, float(ranked.value[k])))
    return SeekerTargets(seeker, as_of, fitting[:10], related, targets, limit)
