"""The agenda pack's PDF is kept by what it is drawn from: the same document is not drawn twice (in this process,
another worker or after a restart), a changed one is drawn afresh, and the kept files stay few."""

from pathlib import Path
from typing import Any

import pytest

from kakehashi.governance import pdf


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path) -> list[str]:
    """The documents WeasyPrint was asked to draw (each drawing returns bytes that name its document)."""
    settings.VAR_DIR = tmp_path
    calls: list[str] = []

    def draw(html: str, sheets: list[Path]) -> bytes:
        calls.append(html)
        return b"%PDF-1.7 " + html.encode() + b" " + b"|".join(p.name.encode() for p in sheets)

    monkeypatch.setattr(pdf, "_draw", draw)
    return calls


def test_the_same_document_is_drawn_once_and_returned_the_same(drawn: list[str], tmp_path: Path) -> None:
    first = pdf.render_pdf("<p>第1回 協議会</p>")
    assert pdf.render_pdf("<p>第1回 協議会</p>") == first
    assert drawn == ["<p>第1回 協議会</p>"]
    assert b"app.css|governance.css" in first  # drawn with the app's and the pack's print styles
    assert [p.suffix for p in (tmp_path / "pdf").iterdir()] == [".pdf"]  # whole files only


def test_a_changed_document_or_stylesheet_is_drawn_afresh(
    drawn: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pdf.render_pdf("<p>就職 10人</p>")
    assert pdf.render_pdf("<p>就職 11人</p>") != pdf.render_pdf("<p>就職 10人</p>")
    assert drawn == ["<p>就職 10人</p>", "<p>就職 11人</p>"]
    sheet = tmp_path / "governance.css"
    sheet.write_text("h1 { color: red }")
    monkeypatch.setattr(pdf, "_sheets", lambda names: [sheet])
    pdf.render_pdf("<p>就職 10人</p>")
    sheet.write_text("h1 { color: blue }")
    pdf.render_pdf("<p>就職 10人</p>")
    assert len(drawn) == 4


def test_only_the_newest_files_are_kept(
    drawn: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pdf, "KEEP_FILES", 3)
    for n in range(5):
        pdf.render_pdf(f"<p>{n}</p>")
    assert len(list((tmp_path / "pdf").glob("*.pdf"))) == 3


def test_a_folder_that_cannot_be_written_still_gives_the_pdf(
    drawn: list[str], settings: Any, tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    settings.VAR_DIR = blocked
    assert pdf.render_pdf("<p>x</p>").startswith(b"%PDF")
    assert pdf.render_pdf("<p>x</p>").startswith(b"%PDF")
    assert len(drawn) == 2


def test_the_council_report_is_drawn_with_its_own_styles_and_kept(
    drawn: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from kakehashi.plans import report

    html = "<html><body><h1>令和8年度 進捗状況</h1></body></html>"
    monkeypatch.setattr(report, "render_html", lambda sp, request=None: html)
    first = report.render_pdf(None)  # type: ignore[arg-type]  # the page is replaced above
    assert report.render_pdf(None) == first  # type: ignore[arg-type]
    assert drawn == [html]
    assert first.endswith(b" ")  # no stylesheet added: the page carries its own print styles
