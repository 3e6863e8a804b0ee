"""Backtest of employer targeting: fit on history up to a date, predict the next six months, compare.

    .venv/bin/python bench/targeting_backtest.py                        # synthetic histories only
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/targeting_backtest.py --demo
                                                                       # and the demo year in that database

Prints Markdown tables (date, machine, then per data set and as-of date: the model and both baselines).

Measures, per occupation that had at least one new posting in the six months (then pooled):
- capture: share of the new postings that came from the top 10 % of employers as ranked by the method;
- precision@20: share of the top 20 employers that opened at least one posting for the occupation;
- RMSE: root mean squared error of the predicted counts over every (employer, occupation) pair.
Ties are broken in one fixed order that no method sees.

Baselines: "same as last period" (the last six months' count) and La Bonne Boîte's method (least squares of
the next six months' count on the seven previous six-month counts and the headcount, fitted at the same earlier
dates as the model).

Synthetic histories plant the propensities no method sees directly: each employer has an activity set by its
size and a random factor, an occupation mix drawn around its industry's, expansion phases that persist for months
(and triple its postings), occupations with their own seasons; the Center visits a few employers a month and
hears the occupations they will post in the coming months (most of the time), plus some noise; about half of
the postings end in a hire.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kakehashi.engine import targeting as tg  # noqa: E402 — after the path is set


def synthetic(seed: int, *, employers: int = 1500, occupations: int = 60, divisions: int = 30, sections: int = 8,
              years: int = 6, start: datetime.date = datetime.date(2019, 4, 1)) -> tg.History:
    """A generated history with planted propensities (see the module docstring)."""
    rng = np.random.default_rng(seed)
    months = years * 12
    industry_mix = rng.dirichlet(np.full(occupations, 0.12), size=divisions)
    division = rng.integers(0, divisions, size=employers)
    section = division % sections
    size = np.maximum(1.0, np.round(rng.lognormal(math.log(18), 1.1, size=employers)))
    activity = 0.09 * (size / 18) ** 0.6 * rng.gamma(2.0, 0.5, size=employers)  # postings a month
    mix = np.vstack([rng.dirichlet(8 * industry_mix[d] + 1e-3) for d in division])
    amplitude = rng.uniform(0.0, 0.7, size=occupations)
    peak = rng.uniform(0, 12, size=occupations)
    m = np.arange(12)
    season = 1 + amplitude[:, None] * np.cos(2 * np.pi * (m[None, :] - peak[:, None]) / 12)  # (o, month)
    expanding = np.zeros(employers, dtype=bool)
    first_day = start.toordinal()
    postings: list[tuple[int, int, int]] = []
    month_starts = [datetime.date(start.year + (start.month - 1 + i) // 12, (start.month - 1 + i) % 12 + 1, 1)
                    for i in range(months + 1)]
    for i in range(months):
        expanding = np.where(expanding, rng.random(employers) < 0.88, rng.random(employers) < 0.025)
        cal = month_starts[i].month - 1
        lam = activity[:, None] * mix * season[None, :, cal] * np.where(expanding, 3.0, 1.0)[:, None]
        counts = rng.poisson(lam)
        e_idx, o_idx = np.nonzero(counts)
        d0, d1 = month_starts[i].toordinal(), month_starts[i + 1].toordinal()
        for e, o in zip(e_idx.tolist(), o_idx.tolist(), strict=True):
            for _ in range(int(counts[e, o])):
                postings.append((e, o, int(rng.integers(d0, d1))))
    post = np.array(postings, dtype=np.int64)
    order = np.argsort(post[:, 2], kind="stable")
    post = post[order]
    # Visits: a few employers a month (larger ones more often); the employer states the occupations it will post
    # in the next four months, most of the time, and now and then a need that comes to nothing.
    needs: list[tuple[int, int, int]] = []
    p_visit = 0.03 * (size / 18) ** 0.3
    last = post[:, 2].max()
    for i in range(months):
        d0, d1 = month_starts[i].toordinal(), month_starts[i + 1].toordinal()
        for e in np.flatnonzero(rng.random(employers) < p_visit).tolist():
            day = int(rng.integers(d0, d1))
            if day > last:
                continue
            ahead = post[(post[:, 0] == e) & (post[:, 2] > day) & (post[:, 2] <= day + 120)]
            for o in sorted(set(ahead[:, 1].tolist())):
                if rng.random() < 0.7:
                    needs.append((e, o, day))
            if rng.random() < 0.1:
                needs.append((e, int(rng.choice(occupations, p=mix[e])), day))
    hired = post[rng.random(len(post)) < 0.5]
    hires = [(int(e), int(o), int(d + rng.integers(7, 40))) for e, o, d in hired.tolist()]
    return tg.History.build(
        occupation_names=[f"職業{i:03d}" for i in range(occupations)],
        division_names=[f"産業{i:02d}" for i in range(divisions)],
        division=division.tolist(), section=section.tolist(), employees=size.tolist(),
        postings=[tuple(r) for r in post.tolist()], hires=hires, needs=needs, start_day=first_day,
    )


def table(title: str, results: dict[str, tg.Scores], seconds: float, coef: tg.Coefficients) -> str:
    names = {"model": "Kakehashi（対数線形・縮約）", "last_period": "前期と同じ", "lbb": "La Bonne Boîte 方式（線形回帰）"}
    best = {
        "capture": max(r.capture for r in results.values()),
        "precision": max(r.precision for r in results.values()),
        "rmse": min(r.rmse for r in results.values()),
    }
    any_r = next(iter(results.values()))
    lines = [f"### {title}", "",
             f"{any_r.postings} new postings in {any_r.occupations} occupations; model fitted on {coef.windows} "
             f"earlier windows ({coef.rows:,} pairs); the backtest of all three methods took {seconds:.1f} s.", "",
             "| method | capture by top 10 % ↑ | precision@20 ↑ | RMSE of counts ↓ |",
             "| --- | --- | --- | --- |"]
    for key, r in results.items():
        cells = [
            f"**{r.capture:.3f}**" if r.capture == best["capture"] else f"{r.capture:.3f}",
            f"**{r.precision:.3f}**" if r.precision == best["precision"] else f"{r.precision:.3f}",
            f"**{r.rmse:.4f}**" if r.rmse == best["rmse"] else f"{r.rmse:.4f}",
        ]
        lines.append(f"| {names[key]} | " + " | ".join(cells) + " |")
    wins = all(
        results["model"].capture > results[b].capture and results["model"].precision > results[b].precision
        and results["model"].rmse < results[b].rmse for b in ("last_period", "lbb")
    )
    lines += ["", f"model better than both baselines on every measure: {'yes' if wins else 'NO'}", ""]
    return "\n".join(lines)


def coefficients_line(coef: tg.Coefficients) -> str:
    return "coefficients: " + ", ".join(f"{t} {coef.beta[t]:+.2f}" for t in tg.TERMS) + f"; intercept {coef.intercept:+.2f}"


def run(title: str, history: tg.History, as_of: datetime.date) -> str:
    t0 = time.perf_counter()
    results = tg.backtest(history, as_of)
    seconds = time.perf_counter() - t0
    coef = tg.fit(history, as_of.toordinal())
    return table(f"{title}, as of {as_of:%Y-%m-%d}", results, seconds, coef) + coefficients_line(coef) + "\n"


def demo_history() -> tuple[tg.History, datetime.date]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kakehashi.settings")
    import django

    django.setup()
    from kakehashi.development.history import last_record_day, load_history

    last = last_record_day()
    if last is None:
        raise SystemExit("the database has no postings: run `kakehashi demo-data` into it first")
    as_of = last - datetime.timedelta(days=tg.Settings().horizon_days)
    return load_history(as_of=last).history, as_of


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="1,2,3", help="synthetic histories to generate (one per seed)")
    p.add_argument("--employers", type=int, default=1500)
    p.add_argument("--demo", action="store_true", help="also backtest on the demo year in DATABASE_URL")
    args = p.parse_args()
    print(f"# Targeting backtest — {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}")
    print(f"command: {' '.join(sys.argv)}\n")
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        h = synthetic(seed, employers=args.employers)
        start = datetime.date.fromordinal(h.first_day())
        for years_in in (5.0, 5.5):
            as_of = start + datetime.timedelta(days=round(365.25 * years_in) - 1)
            print(run(f"Synthetic history (seed {seed}, {h.n_employers} employers, {len(h.posting_day)} postings)",
                      h, as_of))
    if args.demo:
        h, as_of = demo_history()
        print(run(f"Demo year ({h.n_employers} employers, {len(h.posting_day)} postings)", h, as_of))


if __name__ == "__main__":
    main()
