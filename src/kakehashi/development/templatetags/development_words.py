"""Template filters for the job development pages: names the needs gap gives in the reader's language."""

from django import template

from kakehashi.development import wording

register = template.Library()


@register.filter
def area(value: str) -> str:
    """An area of the needs gap: its name as written, or 「地区不明」 in the reader's language."""
    return wording.area_label(str(value))
