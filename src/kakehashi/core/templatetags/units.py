"""``{{ e.years|years }}`` → 「8年7か月」, ``{{ amount|yen }}`` → 「150,000円」,
``{{ seeker.min_wage|wage:seeker.wage_unit }}`` → 「月給 150,000円」 (``kakehashi.core.units``)."""

from django import template

from kakehashi.core.units import wage_label, years_label, yen_label

register = template.Library()
register.filter("years", years_label)
register.filter("yen", yen_label)
register.filter("wage", wage_label)
