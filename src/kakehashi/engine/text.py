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


class ReadError(ValueError):
    """A value that cannot be read. ``str(error)`` is the Japanese message; ``form`` (the message with
    ``%(name)s`` placeholders) and ``values`` let a reader in another language be told it again (the web app's
    ``core.reading.said``)."""

    def __init__(self, form: str, **values: str) -> None:
        super().__init__(form % values)
        self.form = form
        self.values = values


class Note(str):
    """A remark of a reader that read the value all the same (an era year past the era's end): the Japanese text,
    with its ``form`` and ``values`` kept apart like ``ReadError``'s, so that it can be said in another language."""

    form: str
    values: dict[str, str]

    def __new__(cls, form: str, **values: str) -> Note:
        note = super().__new__(cls, form % values)
        note.form = form
        note.values = values
        return note


def nfkc(value: str) -> str:
    """Full-width to half-width for digits, letters and signs (NFKC), trimmed. Used for every code, number,
    postal code and date; never ``neologdn``, which turns '－' in '710－0826' into a long-vowel mark."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_int(value: str) -> int:
    """'１，２００' → 1200. Raises ValueError with a Japanese message (also for more than ``MAX_DIGITS``
    digits)."""
    s = nfkc(value).replace(",", "").replace("人", "").replace("件", "")
    if not _INTEGER.fullmatch(s):
        raise ReadError("「%(value)s」は整数ではありません", value=shown(value))
    if len(s.lstrip("-")) > MAX_DIGITS:
        raise ReadError("「%(value)s」は桁が多すぎます", value=shown(value))
    return int(s)


def parse_float(value: str) -> float:
    """'５.５', '10km', '1,200.5' → a float: digits with an optional decimal point, as people write them (no
    exponent, no 'inf' or 'nan'). Raises ValueError with a Japanese message."""
    s = nfkc(value).replace(",", "").lower().removesuffix("km").strip()
    if not _NUMBER.fullmatch(s) or len(s) > 2 * MAX_DIGITS:
        raise ReadError("「%(value)s」は数値ではありません", value=shown(value))
    return float(s)


TRUE_WORDS = {"1", "true", "yes", "y", "はい", "有", "あり", "○", "〇"}
FALSE_WORDS = {"0", "false", "no", "n", "いいえ", "無", "なし", "×", ""}


def parse_flag(value: str) -> bool:
    s = nfkc(value).lower()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    raise ReadError("「%(value)s」は 0 か 1 で入力してください", value=shown(value))


def split_list(value: str) -> list[str]:
    """'a;b；c' → ['a', 'b', 'c'] (the full-width semicolon too, since NFKC folds it)."""
    return [p.strip() for p in nfkc(value).split(";") if p.strip()]


# --- search: what a person types to find a name, a reading or a phone number ------------------------------------
#
# A desk types a name as the IME gives it: 「見本　幸子」 with the full-width space, 「見本幸子」 without, the reading in
# hiragana, katakana or the half-width katakana some older systems print (ﾐﾎﾝ), a phone number with or without
# hyphens. A record is found by comparing both sides folded the same way (``fold``), against a key stored with the
# record (``search_key``) so that a search over 100,000 people is one pass over one short column.

# Hiragana (ぁ–ゖ, and the iteration marks ゝゞ) sit 0x60 below their katakana.
_TO_KATAKANA = {code: code + 0x60 for code in [*range(0x3041, 0x3097), 0x309D, 0x309E]}
_SPACES = re.compile(r"\s+")
# After NFKC: digits and what people put between them in a phone number (the long-vowel mark ー is what an IME
# gives for a hyphen typed in kana mode).
_PHONE_LIKE = re.compile(r"[0-9()\-‐‑‒–—―−ー ]+")
# A reading: katakana (ァ–ヺ), the long-vowel mark, the middle dot, the iteration marks, and spaces between words.
_READING = re.compile(r"[\u30A1-\u30FA\u30FB\u30FC\u30FD\u30FE ]+")


def to_katakana(value: str) -> str:
    """NFKC (half-width ｶﾀｶﾅ to full-width, the full-width space to a space), then hiragana as katakana."""
    return unicodedata.normalize("NFKC", value).translate(_TO_KATAKANA)


def fold(value: str) -> str:
    """A text as search compares it: NFKC, hiragana as katakana, lower case, no spaces at all.
    「見本　幸子」→「見本幸子」, 「ﾐﾎﾝ ｻﾁｺ」 and 「みほん さちこ」→「ミホンサチコ」, 「ＡＢＣ工業」→「abc工業」."""
    return _SPACES.sub("", to_katakana(value).casefold())


def digits(value: str) -> str:
    """The digits of a phone number: 「０８６－４２２－１２３４」→「0864221234」."""
    return "".join(c for c in unicodedata.normalize("NFKC", value) if "0" <= c <= "9")


def search_key(*texts: str, phone: str = "") -> str:
    """What a record is found by: each text folded, then the phone's digits, separated by a space. A folded query
    has no space, so it never matches across two parts."""
    parts = [fold(t) for t in texts if t] + [digits(phone)]
    return " ".join(p for p in parts if p)


def search_needles(query: str) -> list[str]:
    """What to look for in search keys: the folded query, and for what reads as a phone number
    (「086-422-1234」, 「（086）422ー1234」) also its digits. Empty for a query of only spaces."""
    folded = fold(query)
    needles = [folded] if folded else []
    if _PHONE_LIKE.fullmatch(unicodedata.normalize("NFKC", query).strip() or "x"):
        number = digits(query)
        if number and number not in needles:
            needles.append(number)
    return needles


def reading(value: str) -> str:
    """ふりがな as stored: katakana, words separated by one space. 「みほん　さちこ」, 「ﾐﾎﾝ ｻﾁｺ」 → 「ミホン サチコ」.
    Raises ValueError with a Japanese message for anything but kana (kanji, letters, digits)."""
    s = " ".join(to_katakana(value).split())
    if s and not _READING.fullmatch(s):
        raise ValueError(f"「{shown(value)}」はかなではありません")
    return s
