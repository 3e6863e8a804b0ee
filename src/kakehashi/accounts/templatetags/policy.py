"""Asking the policy from a template: whether a field is shown and whether a page may be opened. Templates ask;
the answers are decided in ``accounts.policy`` (and the hidden values are already emptied, see ``viewing``)."""

from typing import Any

from django import template

from kakehashi.accounts import policy

register = template.Library()


@register.filter
def shown(record: Any, field_name: str) -> bool:
    """Whether ``record`` (loaded through ``visible_to``) shows ``field_name`` to the user it was loaded for."""
    return field_name not in getattr(record, "_policy_hidden", frozenset())


@register.filter
def sees_field(user: Any, dotted: str) -> bool:
    """Whether ``user`` may see the field ``app.Model.field`` of any record (column headings, filters)."""
    label, _, field_name = dotted.rpartition(".")
    return policy.may_filter(user, label, field_name)


@register.filter
def may_open(user: Any, view_name: str) -> bool:
    """Whether ``user`` may open the page named ``view_name`` (menus and links)."""
    return policy.may_open(user, view_name)


@register.filter
def can(user: Any, capability: str) -> bool:
    return policy.can(user, capability)
