"""The interchange import under generated input (hypothesis): the CSV reader, every cell parser and the import
end to end never raise anything but their own Japanese errors, and an import either takes the whole file or
writes nothing.

Settings in tests/fuzzing.py (``KAKEHASHI_FUZZ_EXAMPLES`` for a longer run). Each property runs a few hundred
derandomized examples; the suite as a whole runs several thousand.
"""

import csv
import datetime
from typing import Any

import pytest
from django.db import transaction
from hypothesis import assume, given
from hypothesis import strategies as st

from kakehashi.engine import text as jtext
from kakehashi.engine.calendar import DateFormatError, era_of, era_year_label, parse_date, read_date
from kakehashi.interchange import cells
from kakehashi.interchange.actions import do_import_files
from kakehashi.interchange.errors import CellError, ImportRejected
from kakehashi.interchange.kinds import KINDS, _postal_code
from kakehashi.interchange.lookups import Lookups
from kakehashi.interchange.reading import read_csv
from kakehashi.postings.models import EmploymentType
from kakehashi.seekers.models import WageUnit
from tests.fuzzing import EDGE_CASES, fuzz, nasty_text
from tests.world import World

FULL_WIDTH = str.maketrans("0123456789-/", "０１２３４５６７８９－／")

# -- the CSV reader ----------------------------------------------------------------------------------------------

cell_text = st.one_of(st.text(max_size=12), st.sampled_from(["", "\"", "a,b", "一\n二", "x\r\ny", "\r", "ﾐｽﾞｼﾏ", "　"]))


def _written(rows: list[list[str]], terminator: str, quoting: int) -> str:
    """RFC 4180 as offices' systems write it (Python's writer leaves a lone CR unquoted when the line end is
    LF, which no reader can tell from a line end)."""
    def field(c: str) -> str:
        if quoting == csv.QUOTE_ALL or any(ch in c for ch in ',"\r\n'):
            return '"' + c.replace('"', '""') + '"'
        return c

    return "".join(",".join(field(c) for c in row) + terminator for row in rows)


@fuzz(400)
@given(header=st.lists(st.text(alphabet="abcdefgh_", min_size=1, max_size=6), min_size=1, max_size=5, unique=True),
       body=st.lists(st.lists(cell_text, max_size=7), max_size=6),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]), terminator=st.sampled_from(["\r\n", "\n"]),
       quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
def test_the_reader_gives_back_every_row_as_written_whatever_the_encoding_quotes_and_line_ends(
        tmp_path_factory: pytest.TempPathFactory, header: list[str], body: list[list[str]], encoding: str,
        terminator: str, quoting: int) -> None:
    text = _written([header, *body], terminator, quoting)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    path = tmp_path_factory.mktemp("csv") / "employers.csv"
    path.write_bytes(data)

    f = read_csv(path)
    errors: list[Any] = []
    rows = [(r.line, r.values) for r in f.rows(errors)]

    if encoding != "cp932" or f.encoding == "cp932":  # CP932 bytes may also be valid UTF-8 (see reading.py)
        assert f.columns == header
        width = len(header)
        expected = [(cells_ + [""] * width)[:width] for cells_ in body
                    if any(c.strip() for c in cells_) and not any(c.strip() for c in cells_[width:])]
        assert [values[:width] for _line, values in rows] == expected
        assert len(errors) == sum(1 for c in body if any(x.strip() for x in c[width:]))
    assert all(e.line >= 1 and e.message for e in errors)


@fuzz(600)
@given(data=st.one_of(st.binary(max_size=300), st.binary(max_size=40).map(lambda b: b"employer_id,name\n" + b)))
def test_any_bytes_are_read_or_refused_with_a_message(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("bytes") / "employers.csv"
    path.write_bytes(data)
    f = read_csv(path)
    errors = list(f.errors)
    for _row in f.rows(errors):
        pass
    assert all(isinstance(e.message, str) and e.message for e in errors)


# -- the cell parsers --------------------------------------------------------------------------------------------

PARSERS = {
    "text": lambda v: cells.text(v, 200),
    "note": lambda v: cells.text(v, normalise=False),
    "identifier": cells.identifier,
    "integer": cells.integer,
    "number": cells.number,
    "flag": cells.flag,
    "date": cells.date,
    "choice": lambda v: cells.choice(v, EmploymentType),
    "wage_unit": lambda v: cells.choice(v, WageUnit),
    "items": cells.items,
    "occupation": lambda v: cells.occupation(v, {"073", "095"}),
    "fiscal_year": cells.fiscal_year,
    "postal_code": _postal_code,
}


@fuzz(2500)
@given(parser=st.sampled_from(sorted(PARSERS)), value=nasty_text)
def test_every_cell_parser_returns_a_value_or_a_japanese_cell_error(parser: str, value: str) -> None:
    try:
        PARSERS[parser](value)
    except CellError as e:
        assert str(e) and "\x00" not in str(e)


@fuzz(300)
@given(value=nasty_text)
def test_the_date_reader_raises_only_its_own_error(value: str) -> None:
    try:
        read_date(value)
    except DateFormatError as e:
        assert str(e)


def _forms(day: datetime.date) -> list[str]:
    name, year = era_of(day)
    letter = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}[name]
    return [day.isoformat(), f"{day:%Y/%m/%d}", f"{day.year}年{day.month}月{day.day}日",
            f"{name}{era_year_label(year)}年{day.month}月{day.day}日", f"{letter}{year}.{day.month}.{day.day}"]


@fuzz(400)
@given(day=st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2030, 12, 31)),
       form=st.integers(0, 4), full_width=st.booleans())
def test_a_date_written_as_offices_write_it_reads_back_as_the_same_day(day: datetime.date, form: int,
                                                                        full_width: bool) -> None:
    text = _forms(day)[form]
    text = text.translate(FULL_WIDTH) if full_width else text
    assert parse_date(text) == day
    assert cells.date(text, today=datetime.date(2026, 12, 1)) == day


@fuzz(300)
@given(day=st.dates(min_value=datetime.date(1989, 1, 8), max_value=datetime.date(2040, 12, 31)))
def test_a_heisei_date_past_the_eras_end_is_the_same_western_day_with_a_note(day: datetime.date) -> None:
    text = f"平成{day.year - 1988}年{day.month}月{day.day}日"
    read, note = read_date(text)
    assert read == day
    assert bool(note) == (day > datetime.date(2019, 4, 30))


@fuzz(400)
@given(n=st.integers(min_value=-(10**25), max_value=10**25), commas=st.booleans(), full_width=st.booleans(),
       maximum=st.sampled_from([32767, 2_147_483_647]))
def test_an_integer_reads_back_or_is_refused_by_its_bound(n: int, commas: bool, full_width: bool,
                                                          maximum: int) -> None:
    text = f"{n:,}" if commas else str(n)
    text = text.translate(FULL_WIDTH).replace(",", "，") if full_width else text
    if 0 <= n <= maximum:
        assert cells.integer(text, 0, maximum) == n
    else:
        with pytest.raises(CellError):
            cells.integer(text, 0, maximum)


@fuzz(300)
@given(code=st.from_regex(r"\A[0-9０-９]{3}[-－]?[0-9０-９]{4}\Z"))
def test_a_postal_code_is_normalised_or_refused(code: str) -> None:
    try:
        assert len(_postal_code(code)) == 8
    except CellError:
        pass


def test_the_long_run_setting_is_read_from_the_environment() -> None:
    # tests/fuzzing.py reads KAKEHASHI_FUZZ_EXAMPLES; the suite's own counts apply when it is unset.
    from tests import fuzzing

    assert fuzz(7).max_examples == (fuzzing.LONG_RUN or 7)
    assert jtext.shown("a\x00" * 40).count("\\x00") <= 15


# -- the import, end to end --------------------------------------------------------------------------------------

def _day(d: datetime.date) -> st.SearchStrategy[str]:
    return st.sampled_from(_forms(d))


DATES = st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2026, 3, 31)).flatmap(_day)
VALID: dict[str, st.SearchStrategy[str]] = {
    "employer_id": st.sampled_from(["E-1", "E-900", "Ｅ－９０１"]),
    "name": st.sampled_from(["玉島工業株式会社", "ﾐｽﾞｼﾏ金属"]),
    "industry": st.sampled_from(["11", "E", "116"]),
    "postal_code": st.sampled_from(["713-8121", "７１２－８０６２", "7100826"]),
    "town": st.sampled_from(["", "玉島阿賀崎"]),
    "employees": st.integers(0, 5000).map(str),
    "center_member": st.sampled_from(["0", "1", "はい"]),
    "phone": st.sampled_from(["086-000-0000", ""]),
    "seeker_id": st.sampled_from(["S-HW-1", "S-900", "S-901"]),
    "site": st.sampled_from(["tamashima", "mizushima", "ＴＡＭＡＳＨＩＭＡ"]),
    "registered_on": DATES, "received_on": DATES, "visited_on": DATES, "referred_on": DATES,
    "outcome_on": st.one_of(st.just(""), DATES), "closes_on": st.one_of(st.just(""), DATES),
    "desired_occupations": st.sampled_from(["073", "073;095", "０７３－０５"]),
    "birth_year": st.integers(1930, 2005).map(str),
    "desired_employment": st.sampled_from(["full_time", "part_time", "any", "フルタイム"]),
    "min_wage": st.integers(900, 400000).map(str), "wage_min": st.integers(900, 200000).map(str),
    "wage_max": st.integers(200000, 400000).map(str),
    "wage_unit": st.sampled_from(["month", "hour"]),
    "max_commute_km": st.sampled_from(["5", "10.5", "１０km"]),
    "qualifications": st.sampled_from(["", "普通自動車免許;フォークリフト運転技能者"]),
    "experience": st.sampled_from(["", "073:10;095:2.5"]),
    "welfare_recipient": st.sampled_from(["0", "1"]),
    "referred_by": st.sampled_from(["self", "hello_work", "city", "welfare_office"]),
    "consent_share": st.sampled_from(["0", "1"]),
    "note": st.text(max_size=20), "description": st.text(max_size=20), "title": st.text(max_size=20),
    "posting_id": st.sampled_from(["33010-00001", "33010-900", "33010-901"]),
    "occupation": st.sampled_from(["073", "073-05", "095"]),
    "openings": st.integers(1, 20).map(str),
    "employment": st.sampled_from(["full_time", "part_time"]),
    "required_qualifications": st.sampled_from(["", "介護職員初任者研修"]),
    "experience_required": st.sampled_from(["0", "1"]), "trial_employment_ok": st.sampled_from(["0", "1"]),
    "developed": st.sampled_from(["0", "1"]),
    "visit_id": st.sampled_from(["V-900", "V-901"]), "by": st.sampled_from(["center", "hello_work", "city"]),
    "method": st.sampled_from(["visit", "phone", "other"]),
    "hiring_need_occupations": st.sampled_from(["", "073;095"]), "hiring_need_openings": st.integers(0, 9).map(str),
    "for_seeker_id": st.sampled_from(["", "S-HW-1"]), "resulting_posting_id": st.sampled_from(["", "33010-00001"]),
    "referral_id": st.sampled_from(["R-900", "R-901", "R-1"]),
    "outcome": st.sampled_from(["", "pending", "hired", "rejected", "declined", "withdrawn"]),
    "trial_employment": st.sampled_from(["0", "1"]),
    "fiscal_year": st.sampled_from(["2025", "令和7年度", "H25"]),
    "indicator": st.sampled_from(["placements", "referrals"]), "target": st.integers(0, 5000).map(str),
    "registered_by": st.sampled_from(["", "city", "hello_work"]),
    "referring_agency": st.sampled_from(["", "tamashima-welfare"]),
}


@st.composite
def interchange_file(draw: st.DrawFn) -> tuple[str, bytes, int]:
    """One file of a random kind: the required columns and some optional ones in any order, a few rows whose
    cells are mostly plausible and sometimes anything at all, some rows ragged; in UTF-8 (BOM or not) or
    CP932, with either line end. Returns the kind, the bytes and the number of data rows."""
    kind = draw(st.sampled_from(sorted(KINDS)))
    spec = KINDS[kind]
    optional = draw(st.lists(st.sampled_from(spec.optional), unique=True)) if spec.optional else []
    columns = draw(st.permutations([*spec.required, *optional]))
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = [draw(st.one_of(VALID[c], nasty_text) if draw(st.integers(0, 5)) == 0 else VALID[c])
               for c in columns]
        ragged = draw(st.integers(0, 9))
        if ragged == 0:
            row = row[:draw(st.integers(0, len(row)))]
        elif ragged == 1:
            row += [draw(nasty_text)]
        rows.append(row)
    text = _written([list(columns), *rows], draw(st.sampled_from(["\r\n", "\n"])), csv.QUOTE_MINIMAL)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return kind, data, len(rows)


COUNTED = ("employers.Employer", "seekers.Seeker", "seekers.DesiredOccupation", "seekers.Experience",
           "seekers.Consent", "postings.Posting", "employers.EmployerVisit", "referrals.Referral", "plans.Target",
           "audit.AuditEvent")


def _counts() -> dict[str, int]:
    from django.apps import apps

    return {label: apps.get_model(label).objects.count() for label in COUNTED}


class _RollBack(Exception):
    """Ends an example's transaction so the next one starts from the same world."""


@pytest.fixture
def cached_lookups(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference data read once for all the examples (it does not change between them)."""
    lookups = Lookups.load()
    monkeypatch.setattr(Lookups, "load", classmethod(lambda cls: lookups))


@pytest.mark.usefixtures("cached_lookups")
@fuzz(250)
@given(file=interchange_file())
def test_an_import_of_any_file_takes_it_whole_or_writes_nothing_with_named_errors(
        tmp_path_factory: pytest.TempPathFactory, file: tuple[str, bytes, int]) -> None:
    kind, data, _rows = file
    path = tmp_path_factory.mktemp("import") / f"{kind}.csv"
    path.write_bytes(data)
    before = _counts()
    try:
        with transaction.atomic():
            try:
                result = do_import_files([(kind, path)], acting_user=None)
            except ImportRejected as e:
                assert e.errors
                for error in e.errors:
                    assert error.file == path.name and error.line >= 0 and error.message
                    assert "\x00" not in str(error)
                assert _counts() == before
            else:
                assert [f.kind for f in result.files] == [kind]
                assert all(isinstance(w, str) and w for w in result.warnings)
            raise _RollBack
    except _RollBack:
        pass


def test_the_edge_cases_include_what_broke_the_import_before() -> None:
    # Integers past both databases' ranges and NUL bytes: what 4,304 mutated files once found.
    assert {"9223372036854775808", "2147483648", "a\x00b", "9999-12-31", "平成32年4月1日"} <= set(EDGE_CASES)
