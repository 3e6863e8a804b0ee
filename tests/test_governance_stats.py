"""Answer-time statistics: how promptly a party answers the requests made of it (no database)."""

import datetime
import statistics

from kakehashi.governance.stats import RequestDates, answer_times

D0 = datetime.date(2026, 4, 1)


def day(n: int) -> datetime.date:
    return D0 + datetime.timedelta(days=n)


def req(asked: int, due: int, answered: int | None = None, closed: int | None = None) -> RequestDates:
    return RequestDates(day(asked), day(due), day(answered) if answered is not None else None,
                        day(closed) if closed is not None else None)


LOG = [
    req(0, 14, answered=7),              # on time, 7 days
    req(0, 14, answered=21, closed=25),  # late, 21 days
    req(10, 20, answered=20),            # on the due date itself: on time, 10 days
    req(30, 40),                         # open, past due at day 60: overdue
    req(55, 70),                         # open, not yet due
    req(31, 45, closed=35),              # withdrawn before its due date: neither on time nor late
    req(31, 45, closed=50),              # withdrawn after its due date unanswered: late
    req(61, 70),                         # made after the day the figures are read: not counted
]


def test_it_counts_days_to_answer_from_request_to_answer() -> None:
    t = answer_times(LOG, as_of=day(60))
    assert t.answered == 3
    assert t.median_days == statistics.median([7, 21, 10])
    assert t.mean_days == statistics.fmean([7, 21, 10])


def test_it_counts_an_answer_on_the_due_date_as_on_time_and_a_lapsed_wait_as_late() -> None:
    t = answer_times(LOG, as_of=day(60))
    assert t.on_time == 2          # day 7 and day 20 (its due date)
    assert t.late == 3             # answered on day 21, overdue since day 40, withdrawn after its due date
    assert t.on_time_share == 2 / 5


def test_it_counts_open_and_overdue_requests_and_ignores_those_made_later() -> None:
    t = answer_times(LOG, as_of=day(60))
    assert t.received == 7
    assert t.open == 2
    assert t.overdue == 1


def test_it_reads_the_log_as_it_stood_on_an_earlier_day() -> None:
    t = answer_times(LOG, as_of=day(15))
    assert t.received == 3         # the three requests made by day 15
    assert t.answered == 1         # only the 7-day answer had been given
    assert t.open == 2
    assert t.overdue == 1          # the second, due on day 14, was answered only on day 21
    assert t.on_time_share == 1 / 2


def test_a_party_with_nothing_settled_has_no_share_rather_than_zero() -> None:
    t = answer_times([req(0, 30)], as_of=day(5))
    assert t.on_time_share is None
    assert t.median_days is None and t.mean_days is None
    assert (t.open, t.overdue) == (1, 0)
