"""The agenda pack as a PDF, drawn by WeasyPrint from the same HTML as the printable page.

The stylesheet is read from the app's static files rather than fetched over HTTP, so a PDF needs no running
server and no network; Noto Sans CJK JP is embedded as a subset (variant kanji such as 𠮷 included).
"""

from __future__ import annotations

from django.contrib.staticfiles import finders

STYLESHEETS = ("kakehashi/app.css", "governance/governance.css")


def render_pdf(html: str) -> bytes:
    """The PDF of one HTML document, printed with the app's and the agenda pack's print styles."""
    from weasyprint import CSS, HTML  # imported here: loading Pango costs a moment every page does not need

    sheets = []
    for name in STYLESHEETS:
        path = finders.find(name)
        if path:
            sheets.append(CSS(filename=str(path)))
    return bytes(HTML(string=html).write_pdf(stylesheets=sheets) or b"")
