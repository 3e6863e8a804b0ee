"""Reasons and unmet conditions in plain Japanese, for the few matches a person will read.

The style is a counselor's shorthand: 「希望職種と一致（第1希望）」「通勤 4.2km（上限 10km）」
「月給 200,000円〜240,000円（希望 180,000円以上）」「必要資格 フォークリフト ✓」. Wages are written as every page
writes them, in yen with thousands separators and the unit after (``engine.units.yen_text``); distances with one
decimal.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..relations import OCC_EXACT, OCC_EXPERIENCE, OCC_MAJOR, OCC_MIDDLE, OCC_TRANSITION
from ..units import years_text, yen_text
from .records import FULL_TIME, HOUR, MONTH, PART_TIME

# Hard conditions, as bits: a pair that breaks any is left out (or, when asked, shown with it listed).
FAIL_COMMUTE, FAIL_EMPLOYMENT, FAIL_WAGE, FAIL_QUALIFICATION, FAIL_EXPERIENCE, FAIL_CLOSED = (
    1,
    2,
    4,
    8,
    16,
    32,
)

EMPLOYMENT_LABEL = {FULL_TIME: "フルタイム", PART_TIME: "パート"}


@dataclass(frozen=True, slots=True)
class PairFacts:
    """Everything the sentences about one (seeker, posting) pair need, already looked up."""

    occ_kind: int
    occ_rank: int  # which wish (0 = first) the occupation relates to
    desired_name: str | None  # the seeker's first wish, or the wish the posting relates to
    posting_occ_name: str
    major_name: str
    transition_count: int
    distance_km: float | None
    limit_km: float | None
    seeker_employment: str | None
    posting_employment: str | None
    floor: float | None
    floor_unit: str | None
    wage_min: float | None
    wage_max: float | None
    wage_unit: str | None
    required: tuple[str, ...]
    missing: tuple[str, ...]
    experience_required: bool
    years: float
    long_gap: bool
    trial_ok: bool
    text_share: float
    phrases: tuple[str, ...]
    fail: int


def describe(f: PairFacts) -> tuple[list[str], list[str]]:
    """(reasons, unmet) for one pair."""
    reasons: list[str] = []
    unmet: list[str] = []
    rank = f"第{f.occ_rank + 1}希望"
    if f.occ_kind == OCC_EXACT:
        reasons.append(f"希望職種と一致（{rank}）")
    elif f.occ_kind == OCC_MIDDLE:
        reasons.append(f"希望職種と同じ中分類（{rank}）")
    elif f.occ_kind == OCC_TRANSITION:
        reasons.append(f"関連職種（{f.desired_name}の希望者が就職した実績 {f.transition_count}件）")
    elif f.occ_kind == OCC_MAJOR:
        reasons.append(f"関連職種（{rank}と同じ大分類：{f.major_name}）")
    elif f.occ_kind == OCC_EXPERIENCE:
        reasons.append("経験のある職種（希望には未記載）")
    if (f.occ_kind < OCC_MIDDLE or f.occ_kind == OCC_EXPERIENCE) and f.desired_name is not None:
        unmet.append(f"希望職種外（第1希望：{f.desired_name}）")

    if f.distance_km is None:
        unmet.append("通勤距離 不明（所在地が未登録）")
    elif f.fail & FAIL_COMMUTE:
        unmet.append(f"通勤 {f.distance_km:.1f}km（上限 {km(f.limit_km)} を超える）")
    elif f.limit_km is None:
        reasons.append(f"通勤 {f.distance_km:.1f}km")
    else:
        reasons.append(f"通勤 {f.distance_km:.1f}km（上限 {km(f.limit_km)}）")

    _wage(f, reasons, unmet)

    if f.fail & FAIL_EMPLOYMENT:
        unmet.append(
            f"雇用形態 {EMPLOYMENT_LABEL.get(f.posting_employment or '', '不明')}"
            f"（希望 {EMPLOYMENT_LABEL.get(f.seeker_employment or '', '不明')}）"
        )
    elif f.seeker_employment in EMPLOYMENT_LABEL and f.posting_employment == f.seeker_employment:
        reasons.append(f"{EMPLOYMENT_LABEL[f.posting_employment]}（希望どおり）")

    held = [q for q in f.required if q not in f.missing]
    if held:
        reasons.append("必要資格 " + "、".join(f"{q} ✓" for q in held))
    for q in f.missing:
        unmet.append(f"必要資格 {q}（未取得）")

    if f.years > 0:
        label = "経験必須 ✓" if f.experience_required else "経験あり"
        reasons.append(f"{label}（{f.posting_occ_name} {years(f.years)}）")
    elif f.fail & FAIL_EXPERIENCE:
        unmet.append(f"経験必須（{f.posting_occ_name}の経験なし）")

    if f.long_gap and f.trial_ok:
        reasons.append("トライアル雇用可（ブランクがあっても応募しやすい）")

    if f.text_share >= 0.25:
        reasons.append("仕事内容が近い" + (f"（{'、'.join(f.phrases)}）" if f.phrases else ""))

    if f.fail & FAIL_CLOSED:
        unmet.append("募集終了")
    return reasons, unmet


def _wage(f: PairFacts, reasons: list[str], unmet: list[str]) -> None:
    offered = wage_range(f.wage_min, f.wage_max, f.wage_unit)
    wish = None if f.floor is None or f.floor_unit is None else f"{money(f.floor, f.floor_unit)}以上"
    if offered is None:
        if wish is not None:
            unmet.append(f"賃金 記載なし（希望 {wish}）")
        return
    if wish is None:
        reasons.append(offered)
        return
    if f.floor_unit != f.wage_unit:
        reasons.append(offered)
        unmet.append(f"賃金の単位が希望と異なる（希望 {unit_label(f.floor_unit)} {wish}）")
        return
    if f.fail & FAIL_WAGE:
        unmet.append(f"{offered}（希望 {wish}に届かない）")
        return
    reasons.append(f"{offered}（希望 {wish}）")
    low = f.wage_min if f.wage_min is not None else f.wage_max
    if f.floor is not None and low is not None and low < f.floor:
        unmet.append(f"賃金の下限 {money(low, f.wage_unit)}は希望 {wish}を下回る")


def unit_label(unit: str | None) -> str:
    return "時給" if unit == HOUR else "月給" if unit == MONTH else "賃金"


def money(yen: float, unit: str | None) -> str:
    """200000 → '200,000円'; 1000 → '1,000円' — the one spelling of an amount (``engine.units.yen_text``), whatever
    the unit."""
    return yen_text(yen)


def wage_range(low: float | None, high: float | None, unit: str | None) -> str | None:
    """'月給 200,000円〜240,000円', '時給 1,000円〜1,200円', '月給 200,000円', '月給 200,000円〜'."""
    if unit is None or (low is None and high is None):
        return None
    label = unit_label(unit)
    if low is None:
        return f"{label} 〜{money(high or 0, unit)}"
    if high is None:
        return f"{label} {money(low, unit)}〜"
    if round(low) == round(high):
        return f"{label} {money(low, unit)}"
    return f"{label} {money(low, unit)}〜{money(high, unit)}"


def km(value: float | None) -> str:
    """10 → '10km', 7.5 → '7.5km'."""
    return "" if value is None else f"{round(value, 1):g}km"


def years(value: float) -> str:
    """8.6 → '8年7か月', as every page writes it (``engine.units``)."""
    return years_text(value)
