"""What the readers of typed values (dates, 和暦, numbers, 0/1) refuse, said in the reader's language.

The engine imports no Django and writes its refusals in Japanese (``engine.text.ReadError``, and its kind
``engine.calendar.DateFormatError``), keeping the message's form and its values apart. Each form the engine
writes is a msgid here; ``said`` puts the values into the form in the reader's language. The value quoted is
what the user typed, as typed; an era's name is said in English (Heisei, Reiwa).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kakehashi.engine.text import Note, ReadError

from . import dates

FORMS = [
    gettext_noop("「%(value)s」は%(era)sの開始日より前の日付です"),
    gettext_noop("「%(value)s」は存在しない日付です"),
    gettext_noop("「%(value)s」は日付として読めません（例：2025-04-01、令和7年4月1日、R7.4.1）"),
    gettext_noop("「%(value)s」は整数ではありません"),
    gettext_noop("「%(value)s」は桁が多すぎます"),
    gettext_noop("「%(value)s」は数値ではありません"),
    gettext_noop("「%(value)s」は 0 か 1 で入力してください"),
    # a note, not a refusal: the date was read (engine.calendar.ERA_PAST_END)
    gettext_noop("「%(value)s」は%(era)sの終わり（%(end)s）より後の日付のため、%(name)s%(year)s年%(month)s月%(day)s日"
                 "（%(iso)s）として読みました"),
]


def said(error: Exception | str) -> str:
    """The message of a reader's refusal (or a reader's note) in the reader's language; any other error's message
    as it is."""
    if not isinstance(error, ReadError | Note) or not dates.english() or error.form not in FORMS:
        return str(error)
    values = dict(error.values)
    for era in ("era", "name"):
        if era in values:
            values[era] = dates.ERAS_EN.get(values[era], values[era])
    if values.get("year") == "元":
        values["year"] = "1"
    return _(error.form) % values
