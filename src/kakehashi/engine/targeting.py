"""Employer targeting: which employers are likely to open a posting for an occupation in the next six months,
and why — a transparent log-linear model, its baselines and its backtest; which of them to approach for the
seekers in need or for one seeker (``rank_for_need``, ``rank_for_occupations``, ``rank_for_seeker``); and the
driving order of a day's visits.

No Django here: the web app turns its records into a :class:`History` (employers, past postings, hires and the
hiring needs recorded on visits, as arrays of small integers) and asks::

    fc = forecast(history, as_of)                 # fit on what was known by as_of, predict the next 6 months
    fc.expected[e, o]                             # expected postings of employer e for occupation o
    fc.score()[e, o]                              # probability of at least one (1 - exp(-expected))
    fc.explain(e, o)                              # the terms of the model as Japanese reasons

The model
---------
For employer *e*, occupation *o* and the six months after the as-of date, the expected number of new postings is

    log λ(e, o) = b0 + Σ_k b_k · x_k(e, o)

with one term per thing a district promoter would look at (see ``TERMS``):

- ``activity``: log of the employer's posting rate (all occupations, per six months), a Gamma–Poisson posterior
  mean that shrinks its own, decayed, count toward the rate of employers of its size class and industry;
- ``mix``: log of the employer's share of postings in *o*, shrunk toward its industry's mix (JSIC division →
  occupations, itself shrunk toward the section's and the overall mix, all learned from postings);
- ``ever``: 1 if the employer has posted for *o* at all (in the last five years) — a firm that has the trade;
- ``season``: log of how much more (or less) *o* is posted in the calendar months ahead than on average;
- ``momentum``: the employer's postings in the last six months against its usual rate;
- ``recent`` / ``last_year``: its postings for *o* in the last six months / in the same months a year ago,
  against the usual rate of the pair; these three are log((n + ½) / (usual + ½)): 0 when as usual, and near 0
  when too few postings are expected either way to tell;
- ``need``: an *open* hiring need for *o* recorded on a visit in the last six months — one the employer has not
  yet posted for; ``need_other``: open needs only for other occupations;
- ``hires``: log(1 + hires in *o* in the last year).

The coefficients are fitted by ridge-penalised Poisson regression on the same question asked at earlier dates
(as of six, twelve, eighteen months before, each answered by what followed), so they say how much each signal
was worth in this installation's own history. With too little history for that, the model is the shrunk rate
alone (activity × mix).

Reasons follow the formula: the *usual* expectation of the pair, ``exp(b0 + activity, mix and ever terms)``, with
the facts it rests on (the employer's postings, its size and industry, the industry's mix), then each modifier
that applies as a factor, ``exp(b_k · x_k)`` — 1 when the signal is absent or as usual — with its sentence
("×3.2 訪問で…の採用ニーズを聴取、まだ求人は出ていない"). The usual expectation times the factors is the
prediction.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .geo import haversine_km

IntArr = npt.NDArray[np.int64]
FloatArr = npt.NDArray[np.float64]
BoolArr = npt.NDArray[np.bool_]

TERMS = ("activity", "mix", "ever", "season", "momentum", "recent", "last_year", "need", "need_other", "hires")
# Pseudo-count of a ratio "observed against usual" (recent, last year): a pair with too few postings either way to
# tell reads as usual (0), not as a deficit.
PSEUDO = 0.5
# The terms that make the usual expectation of a pair; the others are modifiers shown as factors.
BASE_TERMS = ("activity", "mix", "ever")
TERM_LABELS = {
    "activity": "事業所の求人の多さ（規模・業種）",
    "mix": "この職種の求人実績・業種で多い職種",
    "ever": "この職種の求人を出したことがある",
    "season": "時期（季節性）",
    "momentum": "直近の求人の勢い",
    "recent": "直近6か月のこの職種の求人",
    "last_year": "昨年同時期のこの職種の求人",
    "need": "訪問で聴取した採用ニーズ（この職種）",
    "need_other": "訪問で聴取した採用ニーズ（他の職種）",
    "hires": "この職種の採用実績",
}
# Size classes by number of employees (統計の従業者規模区分): 1–4, 5–9, 10–29, 30–99, 100–299, 300+; unknown last.
SIZE_EDGES = (5.0, 10.0, 30.0, 100.0, 300.0)
SIZE_LABELS = ("1〜4人", "5〜9人", "10〜29人", "30〜99人", "100〜299人", "300人以上", "規模不明")


class TargetingError(ValueError):
    """Records the model cannot use (an index out of range, arrays of different lengths); Japanese message."""


@dataclass(frozen=True)
class Settings:
    """The model's fixed choices. Priors are pseudo-counts: how much evidence an employer needs before its own
    record outweighs what its size and industry suggest."""

    horizon_days: int = 182  # "the next six months"
    half_life_days: float = 3 * 365.0  # a posting three years ago counts half of one today
    lookback_days: int = 5 * 365
    activity_prior: float = 1.0  # six-month periods of the group's rate
    group_prior: float = 3.0  # employers' worth of the overall rate, for size classes and industries
    mix_prior: float = 3.0  # postings' worth of the industry mix
    industry_prior: float = 20.0  # postings' worth of the section (or overall) mix, for an industry
    season_prior: float = 5.0  # postings' worth of "no season"
    need_days: int = 182  # a need heard more than six months ago has been met or has lapsed
    hire_days: int = 365
    train_windows: int = 3
    min_train_history_days: int = 60
    ridge: float = 5.0


@dataclass(frozen=True)
class History:
    """What was recorded about employers, as arrays. Days are ``date.toordinal()``; employer and occupation
    values are indices (0 … n−1) into the per-employer arrays and ``occupation_names``."""

    occupation_names: tuple[str, ...]
    division_names: tuple[str, ...]
    division: IntArr  # per employer: index into division_names, −1 unknown
    section: IntArr  # per employer: industry section index, −1 unknown
    employees: FloatArr  # per employer: NaN unknown
    posting_employer: IntArr
    posting_occupation: IntArr
    posting_day: IntArr
    hire_employer: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    hire_occupation: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    hire_day: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    need_employer: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    need_occupation: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    need_day: IntArr = field(default_factory=lambda: np.zeros(0, np.int64))
    need_timing: tuple[str, ...] = ()  # the timing the employer gave (「来春」), per need; may be empty
    start_day: int | None = None  # first day the records cover; default: the earliest record

    def __post_init__(self) -> None:
        n_e, n_o = self.n_employers, self.n_occupations
        for name in ("section", "employees"):
            if len(getattr(self, name)) != n_e:
                raise TargetingError(f"事業所の配列（{name}）の長さが事業所数と違います")
        for kind in ("posting", "hire", "need"):
            e, o, d = (getattr(self, f"{kind}_{x}") for x in ("employer", "occupation", "day"))
            if not len(e) == len(o) == len(d):
                raise TargetingError(f"{kind} の配列の長さがそろっていません")
            if len(e) and (e.min() < 0 or e.max() >= n_e):
                raise TargetingError(f"{kind} の事業所番号が範囲外です")
            if len(o) and (o.min() < 0 or o.max() >= n_o):
                raise TargetingError(f"{kind} の職業番号が範囲外です")
        if self.need_timing and len(self.need_timing) != len(self.need_employer):
            raise TargetingError("need_timing の長さが採用ニーズの数と違います")

    @classmethod
    def build(
        cls,
        *,
        occupation_names: Sequence[str],
        division_names: Sequence[str],
        division: Sequence[int],
        section: Sequence[int],
        employees: Sequence[float | None],
        postings: Sequence[tuple[int, int, int]] = (),
        hires: Sequence[tuple[int, int, int]] = (),
        needs: Sequence[tuple[int, int, int]] = (),
        need_timing: Sequence[str] = (),
        start_day: int | None = None,
    ) -> History:
        """From plain sequences: events are ``(employer, occupation, day)`` triples."""

        def triples(rows: Sequence[tuple[int, int, int]]) -> tuple[IntArr, IntArr, IntArr]:
            arr = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
            return arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()

        pe, po, pd = triples(postings)
        he, ho, hd = triples(hires)
        ne, no, nd = triples(needs)
        return cls(
            occupation_names=tuple(occupation_names),
            division_names=tuple(division_names),
            division=np.asarray(division, dtype=np.int64),
            section=np.asarray(section, dtype=np.int64),
            employees=np.array([math.nan if x is None else float(x) for x in employees], dtype=np.float64),
            posting_employer=pe, posting_occupation=po, posting_day=pd,
            hire_employer=he, hire_occupation=ho, hire_day=hd,
            need_employer=ne, need_occupation=no, need_day=nd,
            need_timing=tuple(need_timing),
            start_day=start_day,
        )

    @property
    def n_employers(self) -> int:
        return len(self.division)

    @property
    def n_occupations(self) -> int:
        return len(self.occupation_names)

    def first_day(self) -> int:
        if self.start_day is not None:
            return self.start_day
        days = [int(a.min()) for a in (self.posting_day, self.hire_day, self.need_day) if len(a)]
        return min(days) if days else 0

    def counts(self, start: int, end: int, kind: str = "posting") -> FloatArr:
        """Events of ``kind`` with ``start < day <= end``, per (employer, occupation)."""
        e, o, d = (getattr(self, f"{kind}_{x}") for x in ("employer", "occupation", "day"))
        keep = (d > start) & (d <= end)
        flat = np.bincount(e[keep] * self.n_occupations + o[keep],
                           minlength=self.n_employers * self.n_occupations)
        return flat.reshape(self.n_employers, self.n_occupations).astype(np.float64)


@dataclass(frozen=True)
class Reason:
    """One term of the model for one (employer, occupation): its factor against the average pair and a sentence."""

    term: str
    factor: float
    text: str


@dataclass(frozen=True)
class Coefficients:
    """The fitted model: intercept, one coefficient per term, and how many pairs and windows it was fitted on."""

    intercept: float
    beta: dict[str, float]
    rows: int
    windows: int

    @property
    def fitted(self) -> bool:
        return self.windows > 0


@dataclass
class _Facts:
    """Everything known at one as-of date, per employer and per (employer, occupation)."""

    as_of: int
    horizon: int
    span_days: int
    rate: FloatArr  # (e,) expected postings per six months, all occupations
    prior_rate: FloatArr  # (e,) the same for the employer's size class and industry
    size_class: IntArr  # (e,)
    mix: FloatArr  # (e, o)
    industry_mix: FloatArr  # (e, o)
    own: FloatArr  # (e, o) postings within the span shown in reasons (up to two years)
    ever: FloatArr  # (e, o) postings within the lookback
    own_total: FloatArr  # (e,)
    season: FloatArr  # (o,)
    recent_total: FloatArr  # (e,)
    recent: FloatArr  # (e, o)
    last_year: FloatArr  # (e, o)
    last_year_seen: bool
    need: BoolArr  # (e, o)
    need_latest: IntArr  # (e, o) row of the latest need, −1 none
    need_other: BoolArr  # (e,)
    hires: FloatArr  # (e, o)

    def column(self, term: str, e: IntArr | slice = slice(None), o: IntArr | slice = slice(None)) -> FloatArr:
        """The term's values for employers ``e`` × occupations ``o`` (all by default), as a 2-d array."""
        rate = self.rate[e][:, None]
        if term == "activity":
            v = np.log(rate) + 0.0 * self.mix[e][:, o]
        elif term == "mix":
            v = np.log(self.mix[e][:, o])
        elif term == "ever":
            v = (self.ever[e][:, o] > 0).astype(np.float64)
        elif term == "season":
            v = np.log(self.season[o])[None, :] + 0.0 * rate
        elif term == "momentum":
            v = np.log((self.recent_total[e][:, None] + PSEUDO) / (rate + PSEUDO)) + 0.0 * self.mix[e][:, o]
        elif term == "recent":
            base = rate * self.mix[e][:, o]
            v = np.log((self.recent[e][:, o] + PSEUDO) / (base + PSEUDO))
        elif term == "last_year":
            base = rate * self.mix[e][:, o]
            v = np.log((self.last_year[e][:, o] + PSEUDO) / (base + PSEUDO)) if self.last_year_seen else 0.0 * base
        elif term == "need":
            v = self.need[e][:, o].astype(np.float64)
        elif term == "need_other":
            v = (self.need_other[e][:, None] & ~self.need[e][:, o]).astype(np.float64)
        elif term == "hires":
            v = np.log1p(self.hires[e][:, o])
        else:
            raise KeyError(term)
        return np.asarray(v, dtype=np.float64)


def _to_datetime64(days: IntArr) -> npt.NDArray[np.datetime64]:
    epoch = datetime.date(1970, 1, 1).toordinal()
    return (days - epoch).astype("datetime64[D]")


def day_of_year(days: IntArr) -> IntArr:
    """1…365 (a leap year's last day counts as the 365th: a season is weeks wide, one day does not matter)."""
    d = _to_datetime64(days)
    doy = (d - d.astype("datetime64[Y]")).astype(np.int64) + 1
    return np.asarray(np.minimum(doy, 365), dtype=np.int64)


def _size_class(employees: FloatArr) -> IntArr:
    cls = np.searchsorted(np.array(SIZE_EDGES), np.nan_to_num(employees, nan=0.0), side="right").astype(np.int64)
    return np.asarray(np.where(np.isfinite(employees) & (employees > 0), cls, len(SIZE_EDGES) + 1), dtype=np.int64)


def _group_rate(groups: IntArr, count: FloatArr, expected: FloatArr, prior: float, n_groups: int) -> FloatArr:
    """Per group: (observed + prior) / (expected + prior), in units of the expected count per employer —
    a group's rate against what was expected of its members, shrunk toward 1 by ``prior`` employers."""
    known = groups >= 0
    obs = np.bincount(groups[known], weights=count[known], minlength=n_groups)
    exp = np.bincount(groups[known], weights=expected[known], minlength=n_groups)
    per_employer = float(expected.mean()) if len(expected) else 0.0
    ratio = (obs + prior * per_employer) / (exp + prior * per_employer)
    return np.asarray(np.where(np.isfinite(ratio), ratio, 1.0), dtype=np.float64)


def _shrunk_mix(groups: IntArr, n_groups: int, weighted: FloatArr, parent: FloatArr, prior: float) -> FloatArr:
    """Each group's occupation mix: its own (decayed) postings plus ``prior`` postings' worth of its parent's."""
    counts = np.zeros((n_groups, weighted.shape[1]))
    known = groups >= 0
    np.add.at(counts, groups[known], weighted[known])
    return np.asarray((counts + prior * parent) / (counts.sum(axis=1, keepdims=True) + prior), dtype=np.float64)


def _facts(h: History, as_of: int, s: Settings) -> _Facts:
    n_e, n_o = h.n_employers, h.n_occupations
    H = s.horizon_days
    start = max(h.first_day(), as_of - s.lookback_days + 1)
    # Decayed counts: a posting's weight halves every half-life.
    keep = (h.posting_day <= as_of) & (h.posting_day >= start)
    age = (as_of - h.posting_day[keep]).astype(np.float64)
    w = 0.5 ** (age / s.half_life_days)
    flat = np.bincount(h.posting_employer[keep] * n_o + h.posting_occupation[keep], weights=w, minlength=n_e * n_o)
    weighted = np.asarray(flat.reshape(n_e, n_o), dtype=np.float64)
    # Exposure in six-month periods, with the same decay: what a steady employer would have accumulated.
    ages = np.arange(0, max(as_of - start + 1, 1), dtype=np.float64)
    exposure = float((0.5 ** (ages / s.half_life_days)).sum()) / H if as_of >= start else 0.0

    total = weighted.sum(axis=1)
    size = _size_class(h.employees)
    if exposure > 0:
        overall = float(total.sum()) / (n_e * exposure) if n_e else 0.0
    else:
        overall = 0.0
    overall = max(overall, 1e-4)
    # Size first, then the industry against what size predicts (one backfitting step), both shrunk.
    base = np.full(n_e, overall * exposure)
    f_size = _group_rate(size, total, base, s.group_prior, len(SIZE_EDGES) + 2)
    base = base * f_size[size]
    n_div = max(len(h.division_names), int(h.division.max()) + 1 if n_e else 0)
    f_div = _group_rate(h.division, total, base, s.group_prior, max(n_div, 1))
    prior_rate = overall * f_size[size] * np.where(h.division >= 0, f_div[np.maximum(h.division, 0)], 1.0)
    rate = (total + s.activity_prior * prior_rate) / (exposure + s.activity_prior)

    # Industry mix: division → section → overall, each shrunk toward the next.
    per_occ = weighted.sum(axis=0)
    overall_mix = (per_occ + 0.5) / (per_occ.sum() + 0.5 * n_o)
    n_sec = int(h.section.max()) + 1 if n_e and h.section.max() >= 0 else 0
    sec_mix = _shrunk_mix(h.section, n_sec, weighted, np.broadcast_to(overall_mix, (n_sec, n_o)), s.industry_prior)
    # A division's parent is the section most of its employers are in.
    div_parent = np.broadcast_to(overall_mix, (n_div, n_o)).copy()
    for d in range(n_div):
        secs = h.section[(h.division == d) & (h.section >= 0)]
        if len(secs):
            div_parent[d] = sec_mix[int(np.bincount(secs).argmax())]
    div_mix = _shrunk_mix(h.division, n_div, weighted, div_parent, s.industry_prior)
    industry_mix = np.asarray(overall_mix[None, :].repeat(n_e, axis=0))
    has_sec = h.section >= 0
    industry_mix[has_sec] = sec_mix[h.section[has_sec]]
    has_div = h.division >= 0
    industry_mix[has_div] = div_mix[h.division[has_div]]
    mix = (weighted + s.mix_prior * industry_mix) / (total[:, None] + s.mix_prior)

    # Season: postings of o in the calendar days ahead, against their share of the days observed.
    first = h.first_day()
    seen = np.arange(first, as_of + 1, dtype=np.int64)
    cover = np.bincount(day_of_year(seen), minlength=366).astype(np.float64) if len(seen) else np.zeros(366)
    ahead = np.zeros(366, dtype=np.bool_)
    ahead[day_of_year(np.arange(as_of + 1, as_of + H + 1, dtype=np.int64))] = True
    past = (h.posting_day <= as_of) & (h.posting_day >= first)
    occ_all = np.bincount(h.posting_occupation[past], minlength=n_o).astype(np.float64)
    in_window = past & ahead[day_of_year(h.posting_day)]
    occ_in = np.bincount(h.posting_occupation[in_window], minlength=n_o).astype(np.float64)
    share_days = float(cover[ahead].sum() / cover.sum()) if cover.sum() > 0 else 0.0
    season = (occ_in + s.season_prior) / (occ_all * share_days + s.season_prior)

    span = min(730, as_of - first + 1)
    own = h.counts(as_of - span, as_of)
    recent = h.counts(as_of - H, as_of)
    last_year_seen = as_of - 365 >= first
    last_year = h.counts(as_of - 365, as_of - 365 + H) if last_year_seen else np.zeros((n_e, n_o))
    # A need is open until the employer posts for that occupation: a need already met predicts nothing more.
    last_post = np.full(n_e * n_o, -1, dtype=np.int64)
    upto = h.posting_day <= as_of
    np.maximum.at(last_post, h.posting_employer[upto] * n_o + h.posting_occupation[upto], h.posting_day[upto])
    need = np.zeros((n_e, n_o), dtype=np.bool_)
    need_latest = np.full((n_e, n_o), -1, dtype=np.int64)
    recent_needs = np.flatnonzero((h.need_day <= as_of) & (h.need_day > as_of - s.need_days))
    for i in recent_needs[np.argsort(h.need_day[recent_needs], kind="stable")].tolist():
        e, o = int(h.need_employer[i]), int(h.need_occupation[i])
        if h.need_day[i] > last_post[e * n_o + o]:
            need[e, o] = True
            need_latest[e, o] = i
    need_other = np.asarray(need.any(axis=1), dtype=np.bool_)
    hires = h.counts(as_of - s.hire_days, as_of, "hire")
    return _Facts(
        as_of=as_of, horizon=H, span_days=span, rate=rate, prior_rate=prior_rate, size_class=size, mix=mix,
        industry_mix=industry_mix, own=own, ever=weighted, own_total=own.sum(axis=1), season=np.asarray(season, dtype=np.float64),
        recent_total=recent.sum(axis=1), recent=recent, last_year=last_year, last_year_seen=last_year_seen,
        need=need, need_latest=need_latest, need_other=need_other, hires=hires,
    )


def _design(f: _Facts, occupations: IntArr | None = None) -> FloatArr:
    o: IntArr | slice = slice(None) if occupations is None else occupations
    return np.stack([f.column(t, slice(None), o).ravel() for t in TERMS], axis=1)


def _fit_poisson(X: FloatArr, y: FloatArr, ridge: float, iterations: int = 50) -> tuple[float, FloatArr]:
    """Ridge-penalised Poisson regression by Newton's method with step halving; the intercept is not penalised.
    Features are standardised for the fit; the coefficients returned are in the original units."""
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    A = np.hstack([np.ones((len(X), 1)), (X - mean) / std])
    penalty = np.full(A.shape[1], ridge)
    penalty[0] = 0.0
    beta = np.zeros(A.shape[1])
    beta[0] = math.log(max(float(y.mean()), 1e-6))

    def objective(b: FloatArr) -> float:
        eta = np.clip(A @ b, -30.0, 20.0)
        return float((y * eta - np.exp(eta)).sum() - 0.5 * (penalty * b * b).sum())

    current = objective(beta)
    for _ in range(iterations):
        eta = np.clip(A @ beta, -30.0, 20.0)
        mu = np.exp(eta)
        grad = A.T @ (y - mu) - penalty * beta
        hess = (A * mu[:, None]).T @ A + np.diag(penalty)
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(beta)), grad)
        t = 1.0
        while t > 1e-4:
            trial = beta + t * step
            value = objective(trial)
            if value >= current - 1e-12:
                break
            t /= 2.0
        beta, improvement = trial, value - current
        current = value
        if float(np.abs(t * step).max()) < 1e-7 or abs(improvement) < 1e-10:
            break
    coef = beta[1:] / std
    return float(beta[0] - (coef * mean).sum()), coef


def _train_dates(h: History, as_of: int, s: Settings) -> list[int]:
    first = h.first_day()
    dates = [as_of - k * s.horizon_days for k in range(1, s.train_windows + 1)]
    return [d for d in dates if d - first >= s.min_train_history_days]


def fit(h: History, as_of: int, s: Settings | None = None) -> Coefficients:
    """Fit the coefficients on what was known by ``as_of``: the question asked at earlier dates, each answered
    by the postings of the six months after it (all of them on or before ``as_of``)."""
    s = s or Settings()
    dates = _train_dates(h, as_of, s)
    # Occupations never posted by as_of teach nothing and would only add zeros.
    seen = np.flatnonzero(np.bincount(h.posting_occupation[h.posting_day <= as_of], minlength=h.n_occupations) > 0)
    if not dates or len(seen) == 0:
        return _prior_coefficients()
    Xs, ys = [], []
    for d in dates:
        f = _facts(h, d, s)
        Xs.append(_design(f, seen))
        ys.append(h.counts(d, d + s.horizon_days)[:, seen].ravel())
    X, y = np.vstack(Xs), np.concatenate(ys)
    if float(y.sum()) == 0.0:
        return _prior_coefficients()
    intercept, coef = _fit_poisson(X, y, s.ridge * len(dates))
    return Coefficients(
        intercept=intercept,
        beta={t: float(c) for t, c in zip(TERMS, coef.tolist(), strict=True)},
        rows=len(y),
        windows=len(dates),
    )


def _prior_coefficients() -> Coefficients:
    """Without history to fit on: the shrunk rate alone, λ = rate × mix."""
    beta = dict.fromkeys(TERMS, 0.0)
    beta["activity"] = beta["mix"] = 1.0
    return Coefficients(intercept=0.0, beta=beta, rows=0, windows=0)


@dataclass
class Forecast:
    """The expected postings of every (employer, occupation) in the six months after ``as_of``."""

    history: History
    as_of: int
    coefficients: Coefficients
    expected: FloatArr
    facts: _Facts

    def score(self) -> FloatArr:
        """Probability of at least one new posting (Poisson): 1 − exp(−expected)."""
        return np.asarray(-np.expm1(-self.expected), dtype=np.float64)

    def combined(self, occupations: Sequence[int]) -> FloatArr:
        """Expected postings per employer over several occupations (a major group, the whole unmet demand)."""
        idx = np.asarray(list(occupations), dtype=np.int64)
        return np.asarray(self.expected[:, idx].sum(axis=1), dtype=np.float64)

    def terms(self, e: int, o: int) -> dict[str, float]:
        """Each term's value for one pair times its coefficient (its part of log λ)."""
        ei, oi = np.array([e]), np.array([o])
        return {t: self.coefficients.beta[t] * float(self.facts.column(t, ei, oi)[0, 0]) for t in TERMS}

    def explain(self, e: int, o: int, *, threshold: float = math.log(1.1)) -> Explanation:
        """Why this pair: the usual expectation (from the base terms, with their facts) and each modifier that
        moves it by more than ``threshold`` (log), largest first. ``usual × Π factors = expected`` exactly, when
        no modifier is left out."""
        parts = self.terms(e, o)
        usual = math.exp(self.coefficients.intercept + sum(parts[t] for t in BASE_TERMS))
        facts = tuple(_sentence(self, t, e, o) for t in BASE_TERMS if t != "ever")
        modifiers = tuple(
            Reason(t, math.exp(c), _sentence(self, t, e, o))
            for t, c in sorted(((t, parts[t]) for t in TERMS if t not in BASE_TERMS), key=lambda kv: -abs(kv[1]))
            if abs(c) >= threshold
        )
        return Explanation(float(self.expected[e, o]), usual, facts, modifiers)


@dataclass(frozen=True)
class Explanation:
    """The expected postings of one pair as the usual expectation times the modifiers that apply."""

    expected: float
    usual: float
    facts: tuple[str, ...]
    modifiers: tuple[Reason, ...]

    @property
    def probability(self) -> float:
        return -math.expm1(-self.expected)

    def lines(self) -> list[str]:
        """The explanation as Japanese lines: the usual expectation with its facts, then each factor."""
        out = [f"通常の見込み 半年{self.usual:.2f}件", *self.facts]
        out += [f"×{r.factor:.1f} {r.text}" for r in self.modifiers]
        return out


def forecast(h: History, as_of: int | datetime.date, s: Settings | None = None,
             coefficients: Coefficients | None = None) -> Forecast:
    """Fit on the history up to ``as_of`` (unless ``coefficients`` are given) and predict the next six months."""
    s = s or Settings()
    day = as_of.toordinal() if isinstance(as_of, datetime.date) else int(as_of)
    coef = coefficients or fit(h, day, s)
    f = _facts(h, day, s)
    X = _design(f)
    beta = np.array([coef.beta[t] for t in TERMS])
    eta = np.clip(coef.intercept + X @ beta, -30.0, 20.0)
    expected = np.exp(eta).reshape(h.n_employers, h.n_occupations)
    return Forecast(h, day, coef, expected, f)


def _months(start_day: int, end_day: int) -> str:
    a, b = datetime.date.fromordinal(start_day), datetime.date.fromordinal(end_day)
    return f"{a.month}月〜{b.month}月"


def _span(days: int) -> str:
    return "過去2年" if days >= 720 else f"過去{max(1, round(days / 30.4))}か月"


def _sentence(fc: Forecast, term: str, e: int, o: int) -> str:
    """The Japanese sentence of one term for one pair: what was observed, not the arithmetic."""
    f, h = fc.facts, fc.history
    occ = h.occupation_names[o]
    div = int(h.division[e])
    industry = h.division_names[div] if 0 <= div < len(h.division_names) else "業種不明"
    if term == "activity":
        size = SIZE_LABELS[int(f.size_class[e])]
        return (f"事業所全体の求人 {_span(f.span_days)}で{int(f.own_total[e])}件"
                f"（従業員{size}・{industry}の事業所は平均 半年{f.prior_rate[e]:.1f}件）")
    if term == "mix":
        n = int(f.own[e, o])
        if n > 0:
            share = n / max(float(f.own_total[e]), 1.0)
            return f"この職種（{occ}）の求人 {_span(f.span_days)}で{n}件（事業所の求人の{share:.0%}）"
        return f"{industry}の求人の{f.industry_mix[e, o]:.0%}が{occ}（この事業所での実績はなし）"
    if term == "ever":
        return f"{occ}の求人を出したことがある" if f.ever[e, o] > 0 else f"{occ}の求人を出したことはない"
    if term == "season":
        window = _months(fc.as_of + 1, fc.as_of + f.horizon)
        more = "多い" if f.season[o] >= 1 else "少ない"
        return f"{occ}は例年{window}に求人が{more}（平均の{f.season[o]:.1f}倍）"
    if term == "momentum":
        return f"直近6か月の求人（全職種） {int(f.recent_total[e])}件（これまでのペースなら {f.rate[e]:.1f}件）"
    usual = float(f.rate[e] * f.mix[e, o])
    if term == "recent":
        n = int(f.recent[e, o])
        return f"直近6か月にこの職種の求人 {n}件（これまでのペースなら {usual:.1f}件）"
    if term == "last_year":
        window = _months(fc.as_of - 365 + 1, fc.as_of - 365 + f.horizon)
        n = int(f.last_year[e, o])
        return f"昨年の同時期（{window}）にこの職種の求人 {n}件（これまでのペースなら {usual:.1f}件）"
    if term == "need":
        i = int(f.need_latest[e, o])
        if i < 0:
            return "訪問で聴取した未対応の採用ニーズ（この職種）はない"
        day = datetime.date.fromordinal(int(h.need_day[i]))
        timing = h.need_timing[i] if i < len(h.need_timing) and h.need_timing[i] else ""
        return f"訪問で{occ}の採用ニーズを聴取、まだ求人は出ていない（{day:%Y-%m-%d}{'、時期：' + timing if timing else ''}）"
    if term == "need_other":
        return "訪問で聴取した未対応の採用ニーズは他の職種"
    if term == "hires":
        n = int(f.hires[e, o])
        return f"過去1年にこの職種で{n}人が就職" if n else "過去1年にこの職種の就職なし"
    raise KeyError(term)


# -- baselines and the backtest ---------------------------------------------------------------------------------

def last_period(h: History, as_of: int, s: Settings | None = None) -> FloatArr:
    """Baseline: the next six months will be like the last six."""
    s = s or Settings()
    return h.counts(as_of - s.horizon_days, as_of)


def _lbb_features(h: History, as_of: int, s: Settings, occupations: IntArr | None) -> FloatArr:
    H = s.horizon_days
    periods = [h.counts(as_of - (k + 1) * H, as_of - k * H) for k in range(7)]
    if occupations is not None:
        periods = [p[:, occupations] for p in periods]
    n_o = periods[0].shape[1]
    employees = h.employees
    median = float(np.nanmedian(employees)) if np.isfinite(employees).any() else 0.0
    head = np.repeat(np.where(np.isfinite(employees), employees, median)[:, None], n_o, axis=1)
    return np.stack([p.ravel() for p in periods] + [head.ravel()], axis=1)


def lbb(h: History, as_of: int, s: Settings | None = None) -> FloatArr:
    """Baseline: La Bonne Boîte's method — a linear regression of the next six months' count on the seven
    previous six-month counts and the headcount, fitted by least squares on earlier dates (as the model is).
    Without an earlier date to fit on it falls back to the last period."""
    s = s or Settings()
    dates = _train_dates(h, as_of, s)
    seen = np.flatnonzero(np.bincount(h.posting_occupation[h.posting_day <= as_of], minlength=h.n_occupations) > 0)
    if not dates or len(seen) == 0:
        return last_period(h, as_of, s)
    X = np.vstack([_lbb_features(h, d, s, seen) for d in dates])
    y = np.concatenate([h.counts(d, d + s.horizon_days)[:, seen].ravel() for d in dates])
    A = np.hstack([np.ones((len(X), 1)), X])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    Xp = _lbb_features(h, as_of, s, None)
    pred = coef[0] + Xp @ coef[1:]
    return np.asarray(pred.reshape(h.n_employers, h.n_occupations), dtype=np.float64)


@dataclass(frozen=True)
class Scores:
    """How well a prediction did. ``capture``: share of the new postings that came from the top 10 % of
    employers (per occupation); ``precision``: share of the top 20 employers (per occupation) that did open one;
    ``rmse``: root mean squared error of the predicted counts over every (employer, occupation)."""

    capture: float
    precision: float
    rmse: float
    occupations: int
    postings: int


def _tiebreak(n: int) -> IntArr:
    """A fixed order among equal predictions, the same for every method, unrelated to the data."""
    return np.random.default_rng(20130401).permutation(n).astype(np.int64)


def evaluate(predicted: FloatArr, actual: FloatArr, *, top_share: float = 0.1, k: int = 20) -> Scores:
    """Score ``predicted`` against ``actual`` (both employers × occupations), per occupation that had at least
    one new posting; ties broken by a fixed order that no method sees."""
    n_e = predicted.shape[0]
    tie = _tiebreak(n_e)
    top_n = max(1, math.ceil(top_share * n_e))
    captured = total = 0.0
    precisions = []
    for o in np.flatnonzero(actual.sum(axis=0) > 0).tolist():
        order = np.lexsort((tie, -predicted[:, o]))
        y = actual[:, o]
        captured += float(y[order[:top_n]].sum())
        total += float(y.sum())
        precisions.append(float((y[order[:k]] > 0).mean()))
    rmse = float(np.sqrt(((predicted - actual) ** 2).mean()))
    return Scores(
        capture=captured / total if total else 0.0,
        precision=float(np.mean(precisions)) if precisions else 0.0,
        rmse=rmse,
        occupations=len(precisions),
        postings=int(total),
    )


def backtest(h: History, as_of: int | datetime.date, s: Settings | None = None) -> dict[str, Scores]:
    """Fit on the history up to ``as_of``, predict the next six months, compare with what happened — for the
    model and both baselines, on the same pairs."""
    s = s or Settings()
    day = as_of.toordinal() if isinstance(as_of, datetime.date) else int(as_of)
    actual = h.counts(day, day + s.horizon_days)
    return {
        "model": evaluate(forecast(h, day, s).expected, actual),
        "last_period": evaluate(last_period(h, day, s), actual),
        "lbb": evaluate(lbb(h, day, s), actual),
    }


# -- which employers to approach --------------------------------------------------------------------------------
#
# Three questions, one answer type. Distances are great-circle km (``kakehashi.engine.geo``); a seeker who states
# no commute limit (NaN) is given ``DEFAULT_REACH_KM``.

DEFAULT_REACH_KM = 20.0  # a seeker who states no commute limit: what a car reaches in half an hour
SITE_RADIUS_KM = 15.0  # with nobody in need to measure from: employers this near the site


@dataclass(frozen=True)
class Ranked:
    """Employers to approach, best first. Per listed employer: the occupation its place rests on, the expected
    postings (``expected``) and the chance of at least one (``score``) behind it, what the list is ordered by
    (``value``), how many of the seekers in question it is within commuting reach of (``reach``; 0 when not
    measured), the distance the reasons quote (``distance_km``: to the nearest of those seekers, to the site,
    or to the seeker's home; inf when not known) and whether a visit heard an open hiring need for the
    occupation that the employer has not posted for (``lead``)."""

    employer: IntArr
    occupation: IntArr
    expected: FloatArr
    score: FloatArr
    value: FloatArr
    reach: IntArr
    distance_km: FloatArr
    lead: BoolArr

    def __len__(self) -> int:
        return len(self.employer)


def _limits(limit_km: npt.ArrayLike) -> FloatArr:
    limits = np.asarray(limit_km, dtype=np.float64)
    return np.where(np.isnan(limits), DEFAULT_REACH_KM, limits)


def _ranked(candidates: IntArr, best: IntArr, expected: FloatArr, reach: IntArr, nearest: FloatArr,
            top: int) -> Ranked:
    """The ``top`` candidates by the chance of a posting (1 − exp(−expected)), then nearness, then index."""
    score = -np.expm1(-expected)
    order = sorted(candidates.tolist(), key=lambda e: (-score[e], nearest[e], e))[:top]
    e = np.asarray(order, dtype=np.int64)
    return Ranked(employer=e, occupation=best[e].astype(np.int64), expected=expected[e], score=score[e],
                  value=score[e], reach=reach[e].astype(np.int64), distance_km=nearest[e],
                  lead=np.zeros(len(e), dtype=np.bool_))


def rank_for_need(fc: Forecast, employer_lat: npt.ArrayLike, employer_lng: npt.ArrayLike, *,
                  seeker_lat: npt.ArrayLike, seeker_lng: npt.ArrayLike, seeker_limit_km: npt.ArrayLike,
                  wanted: npt.ArrayLike, top: int = 20) -> Ranked:
    """Employers to approach for seekers in need: ``wanted[j, o]`` is true when seeker j lacks (or wants) a
    posting in occupation o. An employer counts when at least one of them could commute to it (their stated
    limit), so that a developed posting would be one they can take; its value is the chance of at least one
    posting, over the next six months, in an occupation that some seeker within reach wants. The occupation
    named is the one it is likeliest to post for among those."""
    lat_e = np.asarray(employer_lat, dtype=np.float64)
    lng_e = np.asarray(employer_lng, dtype=np.float64)
    limit = _limits(seeker_limit_km)
    dist = haversine_km(lat_e[:, None], lng_e[:, None], np.asarray(seeker_lat, dtype=np.float64)[None, :],
                        np.asarray(seeker_lng, dtype=np.float64)[None, :])
    reach_mask = dist <= limit[None, :]
    reach = reach_mask.sum(axis=1)
    nearest = np.where(reach_mask, dist, np.inf).min(axis=1, initial=np.inf)
    want = np.asarray(wanted, dtype=np.float64).reshape(len(limit), fc.expected.shape[1])
    reachable_occ = (reach_mask.astype(np.float64) @ want) > 0  # (employers, occupations)
    expected = (fc.expected * reachable_occ).sum(axis=1)
    best = np.argmax(fc.expected * reachable_occ, axis=1)
    return _ranked(np.flatnonzero(reach > 0), best, expected, reach, nearest, top)


def rank_for_occupations(fc: Forecast, employer_lat: npt.ArrayLike, employer_lng: npt.ArrayLike,
                         occupations: Sequence[int], *, site: tuple[float, float] | None = None,
                         top: int = 20) -> Ranked:
    """Employers to approach when nobody is in need to measure from: by the chance of a posting in any of
    ``occupations`` (none: every employer at 0), among those within ``SITE_RADIUS_KM`` of ``site`` when its
    place is known, else among all."""
    n_e = fc.expected.shape[0]
    candidates = np.arange(n_e)
    if len(occupations):
        idx = np.asarray(sorted(occupations), dtype=np.int64)
        expected = fc.expected[:, idx].sum(axis=1)
        best = idx[np.argmax(fc.expected[:, idx], axis=1)]
    else:
        expected = np.zeros(n_e)
        best = np.zeros(n_e, dtype=np.int64)
    nearest = np.full(n_e, np.inf)
    if site is not None:
        d_site = haversine_km(employer_lat, employer_lng, site[0], site[1])
        candidates = np.flatnonzero(d_site <= SITE_RADIUS_KM)
        nearest = d_site
    return _ranked(candidates, best, expected, np.zeros(n_e, dtype=np.int64), nearest, top)


def rank_for_seeker(fc: Forecast, employer_lat: npt.ArrayLike, employer_lng: npt.ArrayLike, *,
                    home: tuple[float, float] | None, limit_km: float | None,
                    related: Sequence[tuple[int, float]], top: int = 10) -> Ranked:
    """Employers near one seeker's home (within ``limit_km``, ``DEFAULT_REACH_KM`` when none; every employer
    when the home is not known) in the occupations ``related`` to them — (occupation, share) pairs from
    ``kakehashi.engine.relations.Relations.for_seeker``.

    An employer that told a visitor it needs someone in one of these occupations, and has not posted for it yet,
    is a direct lead: leads come first, the occupation of the need named. Within each group the value is the
    chance of a posting in the occupation × its share × closeness (1 at the home, ½ at the limit)."""
    limit = float(_limits(np.nan if not limit_km else limit_km))
    n_e = fc.expected.shape[0]
    if home is not None:
        dist = haversine_km(employer_lat, employer_lng, home[0], home[1])
    else:
        dist = np.full(n_e, np.nan)
    near = np.flatnonzero(dist <= limit) if np.isfinite(dist).any() else np.arange(n_e)
    idx = np.asarray([o for o, _w in related], dtype=np.int64)
    weights = np.asarray([w for _o, w in related], dtype=np.float64)
    if not len(idx) or not len(near):
        empty_f, empty_i = np.zeros(0), np.zeros(0, dtype=np.int64)
        return Ranked(empty_i, empty_i, empty_f, empty_f, empty_f, empty_i, empty_f, np.zeros(0, dtype=np.bool_))
    prob = -np.expm1(-fc.expected[np.ix_(near, idx)]) * weights[None, :]
    closeness = 1.0 - 0.5 * np.nan_to_num(dist[near] / limit, nan=1.0)
    need = fc.facts.need[np.ix_(near, idx)]
    lead = np.asarray(need.any(axis=1), dtype=np.bool_)
    best = np.where(lead, np.argmax(np.where(need, prob, -1.0), axis=1), prob.argmax(axis=1))
    value = prob[np.arange(len(near)), best] * closeness
    order = np.lexsort((-value, ~lead))[:top]
    e, o = near[order], idx[best[order]]
    expected = fc.expected[e, o]
    return Ranked(employer=e.astype(np.int64), occupation=o, expected=expected, score=-np.expm1(-expected),
                  value=value[order], reach=np.ones(len(e), dtype=np.int64),
                  distance_km=np.where(np.isfinite(dist[e]), dist[e], np.inf), lead=lead[order])


# -- the day's route ----------------------------------------------------------------------------------------------

def route_km(start: tuple[float, float], stops: Sequence[tuple[float, float]], order: Sequence[int],
             *, back: bool = True) -> float:
    """Length of the round from ``start`` through ``stops`` in ``order`` (and back, if ``back``)."""
    points = [start] + [stops[i] for i in order] + ([start] if back else [])
    lat = np.array([p[0] for p in points])
    lng = np.array([p[1] for p in points])
    return float(haversine_km(lat[:-1], lng[:-1], lat[1:], lng[1:]).sum()) if len(points) > 1 else 0.0


def visit_order(start: tuple[float, float], stops: Sequence[tuple[float, float]], *, back: bool = True) -> list[int]:
    """A short order to visit ``stops`` from ``start`` (the office): nearest neighbour, then 2-opt until no
    reversal of a stretch shortens the round. Straight-line distances; good enough to avoid zig-zags."""
    n = len(stops)
    if n <= 1:
        return list(range(n))
    lat = np.array([start[0]] + [p[0] for p in stops])
    lng = np.array([start[1]] + [p[1] for p in stops])
    d = haversine_km(lat[:, None], lng[:, None], lat[None, :], lng[None, :])
    tour = [0]
    left = set(range(1, n + 1))
    while left:
        here = tour[-1]
        nxt = min(left, key=lambda j: (d[here, j], j))
        tour.append(nxt)
        left.remove(nxt)
    if back:
        tour.append(0)
    improved = True
    while improved:
        improved = False
        last = len(tour) - 1
        for i in range(1, last - 1 if back else last):
            for j in range(i + 1, last if back else last + 1):
                a, b = tour[i - 1], tour[i]
                c = tour[j]
                nxt_j = tour[j + 1] if j + 1 < len(tour) else None
                before = d[a, b] + (d[c, nxt_j] if nxt_j is not None else 0.0)
                after = d[a, c] + (d[b, nxt_j] if nxt_j is not None else 0.0)
                if after < before - 1e-9:
                    tour[i : j + 1] = tour[i : j + 1][::-1]
                    improved = True
    return [i - 1 for i in tour[1:] if i != 0]
