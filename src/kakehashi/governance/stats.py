"""How promptly a party answers the requests made of it: the agreement's "good faith" (誠実に対応), counted.

Plain Python over dates, no database: the caller passes each request's four dates. Everything is read as of a
day, so a council's agenda pack can show the figures as they stood on the meeting day.

- days to answer: calendar days from the request to the answer (an answer on the day it was asked is 0 days);
- on time: answered on or before the due date;
- late: answered after the due date, or never answered while the due date passed (before it was withdrawn, or
  up to the day the figures are read);
- a request withdrawn before its due date without an answer counts as neither.
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple


class RequestDates(NamedTuple):
    requested_on: datetime.date
    due_on: datetime.date
    answered_on: datetime.date | None
    closed_on: datetime.date | None


@dataclass(frozen=True)
class AnswerTimes:
    """One party's record as the answering side."""

    received: int
    answered: int
    median_days: float | None
    mean_days: float | None
    on_time: int
    late: int
    open: int
    overdue: int

    @property
    def on_time_share(self) -> float | None:
        """Answered on time among the requests whose timeliness is settled; None when there are none."""
        settled = self.on_time + self.late
        return self.on_time / settled if settled else None


def answer_times(requests: Iterable[RequestDates], as_of: datetime.date) -> AnswerTimes:
    """Summarise the requests one party received, as they stood at the end of ``as_of``."""
    days: list[int] = []
    received = on_time = late = open_ = overdue = 0
    for r in requests:
        if r.requested_on > as_of:
            continue
        received += 1
        answered = r.answered_on if r.answered_on is not None and r.answered_on <= as_of else None
        closed = r.closed_on if r.closed_on is not None and r.closed_on <= as_of else None
        if answered is not None:
            days.append((answered - r.requested_on).days)
            if answered <= r.due_on:
                on_time += 1
            else:
                late += 1
            continue
        if closed is None:
            open_ += 1
            if r.due_on < as_of:
                overdue += 1
                late += 1
        elif r.due_on < closed:
            late += 1
    return AnswerTimes(
        received=received,
        answered=len(days),
        median_days=float(statistics.median(days)) if days else None,
        mean_days=statistics.fmean(days) if days else None,
        on_time=on_time,
        late=late,
        open=open_,
        overdue=overdue,
    )
