"""``{% export_links %}``: the download links of a list (``core.exports``), carrying the list's filters as the
page has them (without its page number), so the file holds what the screen shows, every page at once."""

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def export_links(context: Any, url: str = "") -> str:
    """Links to the current page's list (or ``url``'s) as CSV (UTF-8), CSV for older Excel (CP932) and xlsx."""
    request = context["request"]
    params = request.GET.copy() if not url else type(request.GET)(mutable=True)
    params.pop("page", None)
    params.pop("format", None)
    links = []
    for fmt, label in (("csv", _("CSV")), ("csv-sjis", _("CSV（Excel用 Shift_JIS）")), ("xlsx", _("Excel"))):
        params["format"] = fmt
        links.append((f"{url}?{params.urlencode()}", fmt, label))
    return format_html('<p class="exports noprint">{}：{}</p>', _("ダウンロード"),
                       format_html_join("　", '<a href="{}" download data-format="{}">{}</a>', links))
