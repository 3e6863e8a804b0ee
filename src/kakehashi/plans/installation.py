"""An installation's own indicators, from its file (``"indicators"`` in ``installations/*.json``).

The four counted indicators are built in (a data migration); an installation declares the others it reports on,
counted by hand month by month (``ManualCount``) until a counting rule exists for them. Loading the same file
again updates them in place.
"""

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.audit.log import record
from kakehashi.audit.models import Action

from .models import Indicator, Section


class IndicatorFileError(ValueError):
    """An indicator the file declares that cannot be used; the message is Japanese."""


def english(spec: dict[str, Any], key: str) -> str:
    """An indicator's optional English (``label_en``, ``unit_en``); empty when the file gives none."""
    value = spec.get(key, "")
    if not isinstance(value, str):
        raise IndicatorFileError(f"指標「{spec['label']}」の {key} は文字で書いてください。")
    return value


@transaction.atomic
def load_indicators(given: Any, *, acting_user: Any = None) -> list[Indicator]:
    """``"indicators": [{"key": "youth_seminars", "label": "就職セミナー参加者数", "unit": "人", "section":
    "other", "order": 10, "label_en": "Job seminar participants", "unit_en": "people"}]``: create or update
    each, hand-counted; the English (``label_en``, ``unit_en``) is optional."""
    if not isinstance(given, list):
        raise IndicatorFileError("indicators には指標の一覧（[{\"key\": …, \"label\": …, \"unit\": …}, …]）を書いてください。")
    loaded = []
    for spec in given:
        if not isinstance(spec, dict) or not all(isinstance(spec.get(k), str) and spec[k] for k in
                                                  ("key", "label", "unit")):
            raise IndicatorFileError(f"指標には key・label・unit を文字で書いてください（{spec!r}）。")
        if not re.fullmatch(r"[-a-zA-Z0-9_]{1,40}", spec["key"]):
            raise IndicatorFileError(f"指標のキー「{spec['key']}」は半角英数字・-・_ の40文字以内で書いてください。")
        existing = Indicator.objects.filter(key=spec["key"]).first()
        if existing is not None and existing.rule:
            raise IndicatorFileError(f"指標「{spec['key']}」は記録から集計する組み込みの指標です。別のキーにしてください。")
        section = spec.get("section", Section.OTHER)
        if section not in Section.values:
            raise IndicatorFileError(f"指標「{spec['label']}」の section は {'、'.join(Section.values)} のいずれかです。")
        order = spec.get("order", 100)
        if isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= 32767:
            raise IndicatorFileError(f"指標「{spec['label']}」の order は 0〜32767 の整数で書いてください。")
        indicator, _ = Indicator.objects.update_or_create(key=spec["key"], defaults={
            "label": spec["label"], "label_en": english(spec, "label_en"), "unit": spec["unit"],
            "unit_en": english(spec, "unit_en"), "rule": "", "section": section, "order": order})
        loaded.append(indicator)
    if loaded:
        record(acting_user, Action.UPDATE, Indicator, loaded, purpose=N_("設置ファイルの指標の読み込み"),
               detail={"keys": [i.key for i in loaded]})
    return loaded
