"""The retention table (``accounts.policy.RETENTION``) decides every field of every record about a person, and the
installation file sets the period.

The personal models are found, not listed: every model with a link, direct or through other models, to a seeker.
A model or a field added later without a decision fails here."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from kakehashi.accounts import policy
from kakehashi.accounts.installation import InstallationError, load_installation
from kakehashi.accounts.models import DEFAULT_RETENTION_YEARS, InstallationSettings, Site
from kakehashi.retention.actions import COARSENED, PATH_TO_SEEKER
from kakehashi.seekers.models import Seeker
from tests.world import INSTALLATION

TREATMENTS = {policy.ERASE, policy.COARSEN, policy.KEEP}


def _links(model: type[models.Model]) -> list[Any]:
    return [f for f in model._meta.get_fields()
            if (f.many_to_one or f.one_to_one) and f.concrete and f.related_model is not None]


def personal_models() -> set[type[models.Model]]:
    """The seeker and every model that leads to one through its own foreign keys."""
    found: set[type[models.Model]] = {Seeker}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model not in found and any(f.related_model in found for f in _links(model)):
                found.add(model)
                grew = True
    return found


def own_fields(model: type[models.Model]) -> set[str]:
    """The fields a row holds: columns and many-to-many links, not the reverse sides of others' links."""
    return {f.name for f in model._meta.get_fields() if f.concrete or (f.many_to_many and not f.auto_created)}


def test_every_model_that_leads_to_a_seeker_is_in_the_table() -> None:
    labels = {m._meta.label for m in personal_models()}
    assert "employers.EmployerVisit" in labels and "welfare.SupportVisit" in labels  # the search reaches far
    assert labels == set(policy.RETENTION)


@pytest.mark.parametrize("label", sorted(policy.RETENTION))
def test_every_field_has_exactly_one_known_treatment(label: str) -> None:
    declared = policy.RETENTION[label]
    assert set(declared) == own_fields(apps.get_model(label)), "a field without a decision, or one that is gone"
    assert set(declared.values()) <= TREATMENTS


@pytest.mark.parametrize("label", sorted(policy.RETENTION))
def test_what_is_erased_or_coarsened_can_be(label: str) -> None:
    """Free text may say anything about a person, so it is erased; a relation or a key is never changed (the
    figures join on them); each coarsened field has its coarser value; each changed model its way to the
    seeker."""
    model = apps.get_model(label)
    changed = [name for name, how in policy.RETENTION[label].items() if how != policy.KEEP]
    for name, how in policy.RETENTION[label].items():
        f = model._meta.get_field(name)
        if isinstance(f, models.TextField):
            assert how == policy.ERASE, f"{label}.{name} is free text"
        if how != policy.KEEP:
            assert not f.is_relation and not f.primary_key and not f.unique, f"{label}.{name}"
            assert f.null or f.has_default() or isinstance(f, models.CharField | models.TextField), f"{label}.{name}"
        if how == policy.COARSEN:
            assert (label, name) in COARSENED
    if changed:
        path = PATH_TO_SEEKER[label]
        assert model._default_manager.filter(**{f"{path}__in": []}).count() == 0  # the path resolves
        target: Any = model
        for step in path.split("__"):
            if step != "pk":
                target = target._meta.get_field(step).related_model
        assert target is Seeker
    assert set(COARSENED) == {(lb, n) for lb, fs in policy.RETENTION.items()
                              for n, how in fs.items() if how == policy.COARSEN}


def test_the_counting_fields_are_kept() -> None:
    """The fields the figures count by (plans.progress, referrals.counting and retention, welfare.figures,
    development.attribution) — if one were erased, a past year's report would change."""
    keep = {
        "seekers.Seeker": ["site", "registered_on", "status", "referring_agency"],
        "referrals.Referral": ["seeker", "posting", "referred_on", "outcome", "outcome_on", "staff",
                               "trial_employment"],
        "referrals.FollowUp": ["referral", "milestone", "still_employed", "same_employer"],
        "referrals.Contribution": ["referral", "agency"],
        "welfare.SupportRequest": ["site", "requested_on", "accepted_on", "closed_on", "outcome",
                                   "benefit_change"],
        "employers.EmployerVisit": ["for_seeker", "resulting_posting", "visited_on", "by", "employer"],
        "development.DevelopmentContact": ["follows", "visit"],
    }
    for label, names in keep.items():
        for name in names:
            assert policy.RETENTION[label][name] == policy.KEEP, f"{label}.{name}"


# --- the period, from the installation file --------------------------------------------------------------------

def _installation(tmp_path: Path, retention: object = None, *, drop: bool = False) -> Path:
    data = json.loads(INSTALLATION.read_text(encoding="utf-8"))
    if drop:
        data.pop("retention", None)
    elif retention is not None:
        data["retention"] = retention
    path = tmp_path / "city.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_file_sets_the_period_and_a_file_without_it_the_default(db: None, tmp_path: Path) -> None:
    assert InstallationSettings.current().retention_years == DEFAULT_RETENTION_YEARS  # before any file
    load_installation(_installation(tmp_path, {"years_after_last_activity": 7}))
    assert InstallationSettings.current().retention_years == 7
    load_installation(_installation(tmp_path, {"years_after_last_activity": 7}))  # again: still one row
    assert InstallationSettings.objects.count() == 1
    load_installation(_installation(tmp_path, drop=True))
    assert InstallationSettings.current().retention_years == DEFAULT_RETENTION_YEARS
    load_installation(INSTALLATION)
    assert InstallationSettings.current().retention_years == 5


@pytest.mark.parametrize("retention", [
    {"years_after_last_activity": 0}, {"years_after_last_activity": -3}, {"years_after_last_activity": "5"},
    {"years_after_last_activity": 2.5}, {"years_after_last_activity": True}, {"years_after_last_activity": 101},
    {"years": 5}, 5, [5],
])
def test_a_bad_period_is_refused_in_japanese_and_nothing_is_loaded(db: None, tmp_path: Path,
                                                                    retention: object) -> None:
    path = _installation(tmp_path, retention)
    with pytest.raises(InstallationError, match="保存期間|retention には"):
        load_installation(path)
    assert not Site.objects.exists() and not InstallationSettings.objects.exists()
    with pytest.raises(CommandError, match="保存期間|retention には"):
        call_command("installation", str(path), stdout=StringIO())
    assert not Site.objects.exists()
