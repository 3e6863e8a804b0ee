"""PDFs drawn by WeasyPrint from HTML: the agenda pack (from the same HTML as its printable page), the council
report, the posting sheet and the referral letter.

The stylesheet is read from the app's static files rather than fetched over HTTP, so a PDF needs no running
server and no network; Noto Sans CJK JP is embedded as a subset (variant kanji such as 𠮷 included).

Drawing takes seconds (laying out the pages, then cutting the font down to the characters used: a CJK font holds
65,000 glyphs), while the same pack is downloaded again and again between two meetings. So each PDF is kept as a
file under ``VAR_DIR/pdf``, named by a digest of everything it is drawn from — the HTML, the stylesheets and the
WeasyPrint version — and a request for the same document returns the same bytes without drawing it again: from
every server worker and after a restart (a cache in memory would be empty then). Any change to the figures, the
pack as issued or the styles changes the HTML or the sheets, so the digest, and the PDF is drawn afresh. The
newest ``KEEP_FILES`` are kept.

Cutting the font is fast only with HarfBuzz's subsetter (``libharfbuzz-subset0``, docs/deploy.md); without it
WeasyPrint falls back on fontTools, several times slower on a CJK font, and says so in the log.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from importlib.metadata import version
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

STYLESHEETS = ("kakehashi/app.css", "governance/governance.css")
KEEP_FILES = 64

log = logging.getLogger(__name__)


def _sheets(names: tuple[str, ...]) -> list[Path]:
    return [Path(p) for name in names if (p := finders.find(name))]


def _folder() -> Path:
    return Path(settings.VAR_DIR) / "pdf"


def _key(html: str, sheets: list[Path]) -> str:
    h = hashlib.sha256()
    # The version from the package's metadata: importing WeasyPrint (Pango, fonts) is what a kept copy spares.
    h.update(f"weasyprint {version('weasyprint')}\0".encode())
    for path in sheets:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(html.encode())
    return h.hexdigest()[:40]


def _draw(html: str, sheets: list[Path]) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango costs a moment every page does not need

    return bytes(HTML(string=html).write_pdf(stylesheets=[CSS(filename=str(p)) for p in sheets]) or b"")


def _keep(path: Path, pdf: bytes) -> None:
    """Write ``pdf`` as ``path`` whole or not at all, then remove the oldest files beyond ``KEEP_FILES``."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(pdf)
        os.replace(tmp, path)
        kept = sorted(path.parent.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[KEEP_FILES:]:
            old.unlink(missing_ok=True)
    except OSError as e:
        # The PDF is still returned; only the copy is missing. A warning, not a traceback: a full disk is an
        # operator's matter, and the command that asked for the PDF says so in Japanese if it fails too.
        log.warning("PDF not kept in %s: %s", path.parent, e)


def render_pdf(html: str, *, keep: bool = True, stylesheets: tuple[str, ...] = STYLESHEETS) -> bytes:
    """The PDF of one HTML document, printed with ``stylesheets`` (static files; by default the app's and the
    agenda pack's print styles; a page that carries its own styles passes none); the kept copy when the same
    document was drawn before. ``keep=False`` for a document that names a person (a referral letter): it is
    drawn each time and never written to disk, where no retention rule would reach it."""
    sheets = _sheets(stylesheets)
    if not keep:
        return _draw(html, sheets)
    path = _folder() / f"{_key(html, sheets)}.pdf"
    try:
        return path.read_bytes()
    except OSError:
        pass
    pdf = _draw(html, sheets)
    _keep(path, pdf)
    return pdf
