"""A record's audit trail as a page shows it: who read or changed it."""

from typing import Any

from django.db import models
from django.db.models import Q

from .log import SEEKER, subject_of
from .models import AuditEvent


def trail_of(instance: models.Model, *, for_user: Any) -> models.QuerySet[AuditEvent]:
    """The events about ``instance`` (as their subject or, for a seeker, as a person they showed or changed),
    newest first. A manager sees their own agency's events: the other parties' reads of the record would tell
    them which parties deal with the person (a welfare office's, say). The administrator sees every event."""
    about = Q(subject=subject_of(instance))
    if instance._meta.label == SEEKER:
        about |= Q(persons__seeker_id=instance.pk)
    events = AuditEvent.objects.filter(about)
    if not getattr(for_user, "is_administrator", False):
        agency = getattr(getattr(for_user, "agency", None), "code", None)
        events = events.filter(agency=agency) if agency else events.none()
    return events.distinct().order_by("-at", "-id")
