"""Reading single cells and decoding files, without a database."""

import datetime

import pytest

from kakehashi.interchange import cells
from kakehashi.interchange.errors import CellError
from kakehashi.interchange.reading import decode
from kakehashi.postings.models import EmploymentType
from kakehashi.seekers.models import WageUnit

KNOWN = {"073", "095"}


@pytest.mark.parametrize(("text", "year"), [
    ("2013", 2013), ("２０１３", 2013), ("平成25年度", 2013), ("H25", 2013), ("令和元年度", 2019), ("R8", 2026),
])
def test_it_reads_a_fiscal_year_as_offices_write_it(text: str, year: int) -> None:
    assert cells.fiscal_year(text) == year


def test_it_reads_a_code_or_its_japanese_label() -> None:
    assert cells.choice("ＰＡＲＴ_ＴＩＭＥ", EmploymentType) == "part_time"
    assert cells.choice("パートタイム", EmploymentType) == "part_time"
    assert cells.choice("時給", WageUnit) == "hour"
    with pytest.raises(CellError, match="full_time、part_time"):
        cells.choice("any", EmploymentType)


def test_it_reads_an_occupation_with_or_without_its_minor_group() -> None:
    assert cells.occupation("０７３", KNOWN) == ("073", "073")
    assert cells.occupation("073－05", KNOWN) == ("073", "073-05")
    with pytest.raises(CellError, match="中分類にありません"):
        cells.occupation("999", KNOWN)
    with pytest.raises(CellError, match="職業コードとして読めません"):
        cells.occupation("73", KNOWN)


def test_it_reads_numbers_written_full_width_and_refuses_negative_ones() -> None:
    assert cells.integer("１，２００") == 1200
    assert cells.number("５.５") == 5.5
    with pytest.raises(CellError, match="1 以上"):
        cells.integer("0", 1)
    with pytest.raises(CellError):
        cells.number("-1")


def test_it_reads_flags_and_dates() -> None:
    assert cells.flag("１") is True and cells.flag("0") is False and cells.flag("○") is True
    with pytest.raises(CellError, match="0 か 1"):
        cells.flag("2")
    assert cells.date("R7.4.1") == datetime.date(2025, 4, 1)
    with pytest.raises(CellError, match="存在しない日付"):
        cells.date("令和7年2月30日")


def test_it_keeps_line_breaks_inside_a_cell_the_same_whatever_the_system_wrote() -> None:
    assert cells.text("一行目\r\n二行目", normalise=False) == "一行目\n二行目"
    assert cells.text("ﾌﾟﾚｽ") == "プレス"


def test_it_tells_utf8_with_and_without_bom_from_cp932() -> None:
    text = "seeker_id,氏名\n"
    assert decode(("\ufeff" + text).encode("utf-8")) == (text, "utf-8 (BOM)")
    assert decode(text.encode("utf-8")) == (text, "utf-8")
    assert decode(text.encode("cp932")) == (text, "cp932")
    with pytest.raises(UnicodeDecodeError):
        decode(b"\x81\xff")
