"""ふりがな on the terminal's own labels and headings, when the person asked for them (the 「ふりがな」 button).

The labels are fixed strings, so each template writes the readings of its kanji words beside the label::

    {% translate "求人検索" as t %}{% ruby t "求人=きゅうじん 検索=けんさく" %}

With the readings on (``devices.furigana_on``) and the page in Japanese, each of those words in the (translated)
text is shown as ``<ruby>求人<rt>きゅうじん</rt></ruby>``; otherwise the text is shown as it is. Postings' own text
(titles, work) is not given readings: nothing is known of how it is read.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from kakehashi.terminal import devices

register = template.Library()


def readings_of(spec: str) -> dict[str, str]:
    """「求人=きゅうじん 検索=けんさく」 as {"求人": "きゅうじん", "検索": "けんさく"}."""
    pairs = (item.split("=", 1) for item in spec.split() if "=" in item)
    return {word: reading for word, reading in pairs if word and reading}


def with_ruby(text: str, spec: str) -> SafeString:
    """``text`` escaped, each word of ``spec`` in it shown with its reading over it."""
    readings = readings_of(spec)
    escaped = str(escape(text))
    if not readings:
        return mark_safe(escaped)  # noqa: S308  # escaped above
    words = sorted((str(escape(w)) for w in readings), key=len, reverse=True)
    by_escaped = {str(escape(w)): r for w, r in readings.items()}
    pattern = re.compile("|".join(re.escape(w) for w in words))

    def one(m: re.Match[str]) -> str:
        return str(format_html("<ruby>{}<rt>{}</rt></ruby>", mark_safe(m[0]), by_escaped[m[0]]))  # noqa: S308

    return mark_safe(pattern.sub(one, escaped))  # noqa: S308  # the text and the readings are escaped


@register.simple_tag(takes_context=True)
def ruby(context: dict[str, Any], text: object, spec: str) -> str:
    request = context.get("request")
    if request is None or not devices.furigana_on(request) or not (get_language() or "").startswith("ja"):
        return escape(text)
    return with_ruby(str(text), spec)
