"""``{% job_last_success "gap_snapshot" as last %}``: when a scheduled job last succeeded, for the pages that
tell staff what runs on its own."""

from __future__ import annotations

import datetime

from django import template

from kakehashi.ops.models import JobRun

register = template.Library()


@register.simple_tag
def job_last_success(name: str) -> datetime.datetime | None:
    run = JobRun.objects.of(name).succeeded().order_by("-started_at").only("started_at").first()
    return run.started_at if run else None
