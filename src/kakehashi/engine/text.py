"""Normalising what people type: full-width digits and letters, stray spaces, yes/no flags."""

from __future__ import annotations

import unicodedata


def nfkc(value: str) -> str:
    """Full-width to half-width for digits, letters and signs (NFKC), trimmed. Used for every code, number,
    postal code and date; never ``neologdn``, which turns '－' in '710－0826' into a long-vowel mark."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_int(value: str) -> int:
    """'１，２００' → 1200. Raises ValueError with a Japanese message."""
    s = nfkc(value).replace(",", "").replace("人", "").replace("件", "")
    if not s.lstrip("-").isdigit():
        raise ValueError(f"「{value}」は整数ではありません")
    return int(s)


def parse_float(value: str) -> float:
    s = nfkc(value).replace(",", "").lower().removesuffix("km")
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"「{value}」は数値ではありません") from None


TRUE_WORDS = {"1", "true", "yes", "y", "はい", "有", "あり", "○", "〇"}
FALSE_WORDS = {"0", "false", "no", "n", "いいえ", "無", "なし", "×", ""}


def parse_flag(value: str) -> bool:
    s = nfkc(value).lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise ValueError(f"「{value}」は 0 か 1 で入力してください")


def split_list(value: str) -> list[str]:
    """'a;b；c' → ['a', 'b', 'c'] (the full-width semicolon too, since NFKC folds it)."""
    return [p.strip() for p in nfkc(value).split(";") if p.strip()]
