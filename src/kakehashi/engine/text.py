"""Normalising what people type: full-width digits and letters, stray spaces, yes/no flags."""

from __future__ import annotations

import re
import unicodedata

# After NFKC: ASCII digits only. ``str.isdigit`` would let through digits of other scripts, some of which
# ``int`` then refuses with an English message.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# More digits than any count or amount has; also keeps ``int`` below Python's 4,300-digit conversion limit.
MAX_DIGITS = 30


def shown(value: str, limit: int = 30) -> str:
    """``value`` as a message quotes it: cut to ``limit`` characters, control characters as ``\\xNN``."""
    s = value if len(value) <= limit else value[:limit] + "…"
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in s)


def nfkc(value: str) -> str:
    """Full-width to half-width for digits, letters and signs (NFKC), trimmed. Used for every code, number,
    postal code and date; never ``neologdn``, which turns '－' in '710－0826' into a long-vowel mark."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_int(value: str) -> int:
    """'１，２００' → 1200. Raises ValueError with a Japanese message (also for more than ``MAX_DIGITS``
    digits)."""
    s = nfkc(value).replace(",", "").replace("人", "").replace("件", "")
    if not _INTEGER.fullmatch(s):
        raise ValueError(f"「{shown(value)}」は整数ではありません")
    if len(s.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"「{shown(value)}」は桁が多すぎます")
    return int(s)


def parse_float(value: str) -> float:
    """'５.５', '10km', '1,200.5' → a float: digits with an optional decimal point, as people write them (no
    exponent, no 'inf' or 'nan'). Raises ValueError with a Japanese message."""
    s = nfkc(value).replace(",", "").lower().removesuffix("km").strip()
    if not _NUMBER.fullmatch(s) or len(s) > 2 * MAX_DIGITS:
        raise ValueError(f"「{shown(value)}」は数値ではありません")
    return float(s)


TRUE_WORDS = {"1", "true", "yes", "y", "はい", "有", "あり", "○", "〇"}
FALSE_WORDS = {"0", "false", "no", "n", "いいえ", "無", "なし", "×", ""}


def parse_flag(value: str) -> bool:
    s = nfkc(value).lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise ValueError(f"「{shown(value)}」は 0 か 1 で入力してください")


def split_list(value: str) -> list[str]:
    """'a;b；c' → ['a', 'b', 'c'] (the full-width semicolon too, since NFKC folds it)."""
    return [p.strip() for p in nfkc(value).split(";") if p.strip()]
