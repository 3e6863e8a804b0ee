"""The areas (地区) an installation groups its municipality's towns into: the grouping lists, boards and maps
offer (玉島, 水島… in Kurashiki). The grouping is installation data: the installation file gives, for each
area, the leading parts of the town names that belong to it, and the area the other towns fall in.
"""

from collections.abc import Mapping, Sequence

from django.db import transaction

from .models import Town


def area_of(town: str, areas: Mapping[str, Sequence[str]], rest: str) -> str:
    """The area of ``town``: the first area, in the order written, one of whose prefixes begins the town's name;
    ``rest`` when none does."""
    for area, prefixes in areas.items():
        if any(town.startswith(prefix) for prefix in prefixes):
            return area
    return rest


@transaction.atomic
def group_towns(municipality: str, areas: Mapping[str, Sequence[str]], rest: str = "") -> int:
    """Set the area of every town of ``municipality`` (``rest`` defaults to the municipality's name); returns
    how many towns changed."""
    towns = list(Town.objects.filter(municipality=municipality))
    changed = []
    for town in towns:
        area = area_of(town.name, areas, rest or municipality)
        if town.area != area:
            town.area = area
            changed.append(town)
    Town.objects.bulk_update(changed, ["area"], batch_size=500)
    return len(changed)


def areas_of(municipalities: Sequence[str]) -> list[str]:
    """The areas of the towns of ``municipalities``, in the order of their names."""
    return list(Town.objects.filter(municipality__in=list(municipalities)).values_list("area", flat=True)
                .distinct().order_by("area"))
