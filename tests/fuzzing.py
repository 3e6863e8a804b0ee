"""Shared settings of the hypothesis tests (tests/test_fuzz_*.py).

Each property runs a fixed number of examples, derandomized (the examples follow from the test's name), so the
suite is fast and its result the same on every run and on both databases. ``KAKEHASHI_FUZZ_EXAMPLES=20000``
raises every property to that many examples for a longer search (docs/interchange.md gives the figures of one).
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

LONG_RUN = int(os.environ.get("KAKEHASHI_FUZZ_EXAMPLES", "0") or 0)


def fuzz(examples: int) -> settings:
    """Settings for one property: ``examples`` in the suite, or the long run's number."""
    return settings(max_examples=LONG_RUN or examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
                    print_blob=False)


# Text people and systems put in cells, and what they should not: full-width forms, half-width kana, 和暦,
# control characters, huge numbers, formulas, and long runs.
EDGE_CASES = [
    "", " ", "　", "0", "-1", "1,000", "１，２００", "2147483647", "2147483648", "9223372036854775807",
    "9223372036854775808", "1" * 40, "1e400", "nan", "inf", "-0", "0.5", "9999-12-31", "0001-01-01",
    "1899-12-31", "2025-02-30", "平成32年4月1日", "平成元年1月7日", "令和元年5月1日", "R7.4.1", "H31.5.1", "S64.1.8",
    "昭和100年1月1日", "２０２５／０４／０１", "2025年4月1日", "a\x00b", "\x00", "\x1b[31m", "\x7f", "\u0085",
    "\ufeff", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "ﾐｽﾞｼﾏ", "Ｓ－１０３", "７１３－８１２１", "999-9999",
    "073", "073-05", "０７３－０５", "999", "073;095", "073:10;095:2.5", "073:x", "はい", "いいえ", "○", "×",
    "full_time", "フルタイム", "tamashima", "ＴＡＭＡＳＨＩＭＡ", "\"", "\"\"", ",", "\n", "\r\n", "\r", "𠮷野家",
    "x" * 201, "あ" * 41, "\ud7ff", "\U0010ffff",
]

nasty_text = st.one_of(
    st.sampled_from(EDGE_CASES),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Nd", "Zs", "Cc", "Lo", "Po"]), max_size=20),
)
