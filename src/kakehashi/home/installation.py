"""Loading a whole installation file (``installations/*.json``): each part by the app it belongs to, in one
transaction, so a file with a mistake anywhere loads nothing.

- parties, sites, staffing and equipment, the municipalities and their areas, the welfare desk, the retention
  period: ``accounts.installation``;
- the installation's own (hand-counted) indicators, ``"indicators"``: ``plans.installation``;
- the agreement, ``"agreement"``: the name of its file, beside the installation file: ``governance.seed``.

The ``"demo"`` part is read only by ``kakehashi demo-data`` (``demo.generator``). A second installation needs a
file of its own and no change to the code: ``installations/soja.json`` is one.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from kakehashi.accounts.installation import InstallationError, load_installation, read_installation
from kakehashi.governance.models import Agreement
from kakehashi.governance.seed import SeedError, load_agreement
from kakehashi.plans.installation import IndicatorFileError, load_indicators

# What loading may refuse; each carries a Japanese message.
LOAD_ERRORS = (InstallationError, IndicatorFileError, SeedError)


@dataclass(frozen=True)
class Loaded:
    agencies: int
    sites: int
    indicators: int
    agreement: Agreement | None


def agreement_file(path: Path, data: dict[str, Any]) -> Path | None:
    """The agreement's file the installation file names, beside it."""
    name = data.get("agreement")
    if not name:
        return None
    if not isinstance(name, str):
        raise InstallationError("agreement には協定のファイル名を書いてください（設置ファイルと同じフォルダー）。")
    return Path(path).parent / name


@transaction.atomic
def load(path: Path, *, acting_user: Any = None) -> Loaded:
    """Load every part of the installation file at ``path``; loading it again updates in place."""
    data = read_installation(path)
    counts = load_installation(path, acting_user=acting_user)
    indicators = load_indicators(data.get("indicators", []), acting_user=acting_user)
    agreement_path = agreement_file(path, data)
    agreement = load_agreement(agreement_path) if agreement_path is not None else None
    return Loaded(counts["agencies"], counts["sites"], len(indicators), agreement)
