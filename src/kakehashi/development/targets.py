"""Which employers to approach, with reasons: for an occupation and area, for the unmet demand as a whole, or
for one seeker (individual job development, 個別求人開拓).

The score is the targeting model's probability that the employer opens a posting for the occupation in the next
six months (``kakehashi.engine.targeting``). Employers are considered when at least one of the seekers in need
could commute to them (their stated limit; ``DEFAULT_REACH_KM`` when they gave none), so that a developed
posting would be one they can take. The reasons are the model's terms, the distance to those seekers, and what
the latest visit recorded.
"""

from __future__ import annotations

import datetime
import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.core.cache import cache
from django.db.models import Max
from django.utils.translation import gettext as _

from kakehashi.accounts.models import Site
from kakehashi.employers.models import EmployerVisit
from kakehashi.engine import targeting as tg
from kakehashi.engine.matching import Match, Transitions
from kakehashi.matching.loading import occupations
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import Outcome, Referral
from kakehashi.seekers.models import Seeker

from .fit import FitIndex, postings_open_on
from .gap import Market, market
from .history import EmployerRow, LoadedHistory, load_history

DEFAULT_REACH_KM = 20.0  # a seeker who states no commute limit: what a car reaches in half an hour
SITE_RADIUS_KM = 15.0  # with nobody in need to measure from: employers this near the site
COEFFICIENT_CACHE_SECONDS = 3600


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


def _fingerprint() -> str:
    posting = Posting.objects.aggregate(n=Max("pk"), d=Max("updated_at"))
    visit = EmployerVisit.objects.aggregate(n=Max("pk"))
    return f"{posting['n']}-{posting['d']}-{visit['n']}"


def forecast_for(as_of: datetime.date) -> tuple[LoadedHistory, tg.Forecast]:
    """The history up to ``as_of`` and the forecast from it. Fitting takes a second or two on a city's records,
    so the coefficients are kept while the records are unchanged."""
    loaded = load_history(as_of=as_of)
    digest = hashlib.sha256(f"{as_of.isoformat()}|{_fingerprint()}".encode()).hexdigest()[:24]
    key = f"kakehashi.development.coefficients.{digest}"
    coefficients = cache.get(key)
    if not isinstance(coefficients, tg.Coefficients):
        coefficients = tg.fit(loaded.history, as_of.toordinal())
        cache.set(key, coefficients, COEFFICIENT_CACHE_SECONDS)
    return loaded, tg.forecast(loaded.history, as_of, coefficients=coefficients)


def model_summary(c: tg.Coefficients) -> list[str]:
    """The fitted coefficients as a reader sees them: what each signal multiplies the expectation by."""
    if not c.fitted:
        return [_("履歴が短いため、係数は推定せず「事業所の求人の多さ × 職種の割合」だけで見込みを出しています。")]
    lines = [_("過去の同じ問い（%(windows)d時点・%(rows)s組）で推定した係数：")
             % {"windows": c.windows, "rows": f"{c.rows:,}"}]
    for t in tg.TERMS:
        lines.append(f"{tg.TERM_LABELS[t]}：{c.beta[t]:+.2f}")
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
        bits = [f"{v.visited_on:%Y-%m-%d} {v.get_by_display()}の{v.get_method_display()}"]
        needs = [o.name for o in v.hiring_need_occupations.all()]
        if needs:
            n = f" {v.hiring_need_openings}人" if v.hiring_need_openings else ""
            bits.append(_("採用ニーズ：%(occ)s%(n)s") % {"occ": "、".join(needs), "n": n})
        if v.hiring_timing:
            bits.append(_("時期：%(t)s") % {"t": v.hiring_timing})
        flags = [label for flag, label in ((v.open_to_trial, _("トライアル雇用可")), (v.open_to_long_gap, _("ブランク可")),
                                           (v.open_to_older, _("中高年可"))) if flag]
        if flags:
            bits.append("・".join(flags))
        out[v.employer_id] = _("最新の訪問記録：") + "、".join(bits)
    return out


def _seeker_points(pks: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    rows = list(Seeker.objects.filter(pk__in=pks).values_list("pk", "lat", "lng", "max_commute_km"))
    lat = np.array([r[1] if r[1] is not None else np.nan for r in rows], dtype=np.float64)
    lng = np.array([r[2] if r[2] is not None else np.nan for r in rows], dtype=np.float64)
    limit = np.array([r[3] if r[3] is not None else DEFAULT_REACH_KM for r in rows], dtype=np.float64)
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
    n_e = len(loaded.employers)
    if chosen:
        pks = list(chosen)
        lat_s, lng_s, limit, order = _seeker_points(pks)
        dist = tg.haversine_km(lat_e[:, None], lng_e[:, None], lat_s[None, :], lng_s[None, :])
        reach_mask = dist <= limit[None, :]
        reach = reach_mask.sum(axis=1)
        nearest = np.where(reach_mask, dist, np.inf).min(axis=1, initial=np.inf)
        # Expected postings that would meet a need: occupations some reachable seeker lacks.
        wanted = np.zeros((len(order), len(codes)), dtype=np.float64)
        for j, pk in enumerate(order):
            wanted[j, list(chosen[pk])] = 1.0
        reachable_occ = (reach_mask.astype(np.float64) @ wanted) > 0  # (employers, occupations)
        expected = (fc.expected * reachable_occ).sum(axis=1)
        best = np.argmax(fc.expected * reachable_occ, axis=1)
        candidates = np.flatnonzero(reach > 0)
    else:
        candidates = np.arange(n_e)
        if occ_set:
            idx = sorted(occ_set)
            expected = fc.expected[:, idx].sum(axis=1)
            best = np.array(idx)[np.argmax(fc.expected[:, idx], axis=1)]
        else:
            expected = np.zeros(n_e)
            best = np.zeros(n_e, dtype=np.int64)
        reach = np.zeros(n_e, dtype=np.int64)
        nearest = np.full(n_e, np.inf)
        if site is not None and site.lat is not None and site.lng is not None:
            d_site = tg.haversine_km(lat_e, lng_e, site.lat, site.lng)
            candidates = np.flatnonzero(d_site <= SITE_RADIUS_KM)
            nearest = d_site
    score = -np.expm1(-expected)
    ranked = sorted(candidates.tolist(), key=lambda e: (-score[e], nearest[e], e))[:top]
    visits = _visit_summaries([loaded.employers[e].pk for e in ranked], as_of)
    targets = []
    for e in ranked:
        o = int(best[e])
        why = fc.explain(e, o)
        reasons = ([_("見込みの高い職種：%(occ)s（半年で求人を出す確率 %(p)d%%）")
                    % {"occ": loaded.history.occupation_names[o], "p": round(100 * why.probability)}]
                   if not occupation or len(occ_set) > 1 else [])
        reasons += why.lines()
        if chosen and reach[e]:
            reasons.append(_("対象の求職者 %(n)d人の通勤圏内（最寄りの人まで %(d).1fkm）")
                           % {"n": int(reach[e]), "d": float(nearest[e])})
        elif math.isfinite(float(nearest[e])):
            reasons.append(_("拠点から %(d).1fkm") % {"d": float(nearest[e])})
        if loaded.employers[e].pk in visits:
            reasons.append(visits[loaded.employers[e].pk])
        targets.append(Target(loaded.employers[e], codes[o], loaded.history.occupation_names[o], float(expected[e]),
                              float(score[e]), reasons,
                              float(nearest[e]) if math.isfinite(float(nearest[e])) else None,
                              int(reach[e]), float(score[e])))
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


def _transitions() -> Transitions:
    """Moves seen in past placements: the occupations people wanted or had done → the one they were hired in."""
    pairs: list[tuple[str, str]] = []
    for seeker_id, hired in Referral.objects.filter(outcome=Outcome.HIRED).values_list(
            "seeker_id", "posting__occupation_id"):
        pairs.append((str(seeker_id), hired))
    seekers = {pk for pk, _h in pairs}
    known: dict[str, set[str]] = defaultdict(set)
    for sid, occ in Seeker.objects.filter(pk__in=[int(s) for s in seekers]).values_list(
            "pk", "desired_occupations__occupation_id"):
        if occ:
            known[str(sid)].add(occ)
    for sid, occ in Seeker.objects.filter(pk__in=[int(s) for s in seekers]).values_list(
            "pk", "experiences__occupation_id"):
        if occ:
            known[str(sid)].add(occ)
    moves = [(had, hired) for sid, hired in pairs for had in known.get(sid, ())]
    return Transitions.learn(occupations(), moves)


def related_occupations(seeker: Seeker) -> list[Related]:
    """The seeker's wishes and experience, the occupations people with them were hired in, and the rest of the
    same major group (weaker), strongest first."""
    occs = occupations()
    names = dict(Occupation.objects.values_list("code", "name"))
    majors = dict(Occupation.objects.values_list("code", "major_code"))
    major_names = dict(Occupation.objects.values_list("major_code", "major_name"))
    out: dict[str, Related] = {}

    def add(code: str, weight: float, why: str) -> None:
        if code not in names:
            return
        old = out.get(code)
        if old is None or old.weight < weight:
            out[code] = Related(code, names[code], weight, why)
        elif old.weight == weight and why not in old.why:
            out[code] = Related(code, names[code], weight, f"{old.why}・{why}")

    for d in seeker.desired_occupations.order_by("rank"):
        add(d.occupation_id, max(0.6, 1.0 - 0.1 * (d.rank - 1)), _("第%(n)d希望") % {"n": d.rank})
    own = [(x.occupation_id, x.years) for x in seeker.experiences.all()]
    for code, years in own:
        add(code, 1.0, _("経験 %(y)s年") % {"y": f"{years:g}"})
    transitions = _transitions()
    bases = [c for c, _y in own] + [d.occupation_id for d in seeker.desired_occupations.all()]
    for base in bases:
        try:
            i = occs.parse(base)[0]
        except ValueError:
            continue
        for j in np.flatnonzero(transitions.share[i] > 0).tolist():
            share = float(transitions.share[i, j])
            add(occs.codes[j], 0.5 + 0.3 * min(share / 0.3, 1.0),
                _("%(from)sの経験者・希望者が就職した実績 %(n)d件") % {"from": names.get(base, base),
                                                                     "n": int(transitions.count[i, j])})
    for base in bases[:2]:
        for code, major in majors.items():
            if major == majors.get(base) and code != base:
                add(code, 0.35, _("%(from)sと同じ大分類（%(major)s）") % {"from": names.get(base, base),
                                                                      "major": major_names.get(major, major)})
    return sorted(out.values(), key=lambda r: (-r.weight, r.code))


def targets_for_seeker(seeker: Seeker, *, as_of: datetime.date, top: int = 10) -> SeekerTargets:
    """Employers near the seeker's home in trades where their experience transfers: first those with an open
    hiring need recorded for such a trade, then the rest, each group by the chance that they open such a post
    (weighted by how closely the trade relates, and halved at the commute limit)."""
    index = FitIndex(postings_open_on(as_of))
    fitting = [(index.postings[int(m.id)], m) for m in index.ranked_for(seeker)]
    related = related_occupations(seeker)
    loaded, fc = forecast_for(as_of)
    limit = seeker.max_commute_km or DEFAULT_REACH_KM
    lat_e, lng_e = loaded.coordinates()
    if seeker.lat is not None and seeker.lng is not None:
        dist = tg.haversine_km(lat_e, lng_e, seeker.lat, seeker.lng)
    else:
        dist = np.full(len(loaded.employers), np.nan)
    near = np.flatnonzero(dist <= limit) if np.isfinite(dist).any() else np.arange(len(loaded.employers))
    idx = [loaded.occupation_index[r.code] for r in related if r.code in loaded.occupation_index]
    weights = np.array([r.weight for r in related if r.code in loaded.occupation_index])
    targets: list[Target] = []
    if idx and len(near):
        prob = -np.expm1(-fc.expected[np.ix_(near, np.array(idx, dtype=np.int64))]) * weights[None, :]
        closeness = 1.0 - 0.5 * np.nan_to_num(dist[near] / limit, nan=1.0)
        # An employer that told a visitor it needs someone in one of these trades, and has not posted for it
        # yet, is a direct lead: such employers come first, the occupation of the need named.
        need = fc.facts.need[np.ix_(near, np.array(idx, dtype=np.int64))]
        lead = np.asarray(need.any(axis=1), dtype=np.bool_)
        best = np.where(lead, np.argmax(np.where(need, prob, -1.0), axis=1), prob.argmax(axis=1))
        value = prob[np.arange(len(near)), best] * closeness
        order = np.lexsort((-value, ~lead))[:top]
        visits = _visit_summaries([loaded.employers[near[k]].pk for k in order], as_of)
        by_code = {r.code: r for r in related}
        for k in order.tolist():
            e, o = int(near[k]), idx[int(best[k])]
            rel = by_code[loaded.occupation_codes[o]]
            why = fc.explain(e, o)
            reasons = [_("%(occ)s：%(why)s（半年で求人を出す確率 %(p)d%%）")
                       % {"occ": loaded.history.occupation_names[o], "why": rel.why, "p": round(100 * why.probability)}]
            if lead[k]:
                reasons.insert(0, _("この職種の採用ニーズを訪問で聴取済み（まだ求人は出ていない）"))
            reasons += why.lines()
            if math.isfinite(float(dist[e])):
                reasons.append(_("自宅から %(d).1fkm（通勤の上限 %(l)skm）") % {"d": float(dist[e]), "l": f"{limit:g}"})
            if loaded.employers[e].pk in visits:
                reasons.append(visits[loaded.employers[e].pk])
            targets.append(Target(loaded.employers[e], loaded.occupation_codes[o], loaded.history.occupation_names[o],
                                  float(fc.expected[e, o]), why.probability, reasons,
                                  float(dist[e]) if math.isfinite(float(dist[e])) else None, 1, float(value[k])))
    return SeekerTargets(seeker, as_of, fitting[:10], related, targets, limit)
