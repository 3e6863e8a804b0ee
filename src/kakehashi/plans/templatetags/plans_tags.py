"""Template filters of the business plan pages."""

from typing import Any

from django import template

from kakehashi.plans.progress import status_legend as _status_legend

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """``links|get_item:row.key`` — a dict entry by a variable key; None when absent."""
    return (mapping or {}).get(key)


@register.filter
def percent(value: float | None) -> str:
    """0.7476 → '74.8%'."""
    return "" if value is None else f"{value * 100:.1f}%"


@register.filter
def has_targets(rows: list[Any]) -> bool:
    """Whether any of a site's indicators has a target this year."""
    return any(r.target is not None for r in rows)


@register.simple_tag
def status_legend() -> list[tuple[str, str, str]]:
    """``{% status_legend as legend %}`` — (label, badge, meaning) of each status, from ``plans.progress.STATUSES``."""
    return _status_legend()
