"""``{{ reason|said }}``: one of the matching engine's reasons in the reader's language (``matching.wording``)."""

from django import template

from kakehashi.matching.wording import in_language

register = template.Library()
register.filter("said", in_language)
