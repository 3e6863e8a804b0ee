"""The staff pages hold their layout on a desk's wide screen, a tablet and a phone: the document never scrolls
sideways (a wide table scrolls inside itself), and ids, codes and dates in tables stay on one line.

Each role opens the main pages it may open, filled with the demo year's records (long names, full tables,
charts), and each page is measured at 1366×900, 768×1024 and 390×844. A failure names the role, the page, the
width and what sticks out, and leaves a screenshot of it in the test's temporary folder."""

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model, QuerySet
from django.urls import reverse
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from kakehashi.accounts.models import Staff
from kakehashi.accounts.policy import ROUTES, can
from kakehashi.demo.generator import DEMO_PASSWORD, SUCCESS_SEEKER_ID, Plan, generate
from kakehashi.employers.models import Employer
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from kakehashi.welfare.models import SupportRequest
from tests.browser import chromium, log_in

VIEWPORTS = [(1366, 900), (768, 1024), (390, 844)]
# The demo's logins: a Hello Work job counselor, the city's counselor, a welfare office's caseworker, the
# Center's district promoter, and Hello Work's manager.
ROLES = ["hw_counselor", "city_counselor", "welfare_caseworker", "center_promoter", "hw_manager"]
FY = 2026
AS_OF = datetime.date(2026, 11, 27)
# The main pages without a record in their address, by URL name.
PLAIN = ["home", "seekers:list", "postings:list", "employers:list", "referrals:list", "plans:progress",
         "plans:index", "development:board", "development:hard_to_fill", "development:targets",
         "development:contacts", "development:plan", "development:sources", "welfare:list", "welfare:figures",
         "governance:index"]
# The detail pages every role must have opened (on a record it may see), so that none is skipped unnoticed.
DETAILS = {"seekers:detail", "postings:detail", "employers:detail", "referrals:detail"}

# The document's width against the viewport's; where it is wider, the outermost elements that stick out and that
# no ancestor clips (an ancestor that scrolls or hides its overflow keeps them off the document's width). Then the
# ids, codes, dates and amounts in table cells (a run of printable ASCII without spaces) that wrapped onto a
# second line.
MEASURE = """() => {
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  const out = [];
  if (scroll > width) {
    const clipped = (el) => {
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return true;
      }
      return false;
    };
    const sticksOut = (el) => el.getBoundingClientRect().right > width + 0.5 && !clipped(el);
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    for (const el of document.body.querySelectorAll('*')) {
      const parent = el.parentElement;
      if (sticksOut(el) && !(parent !== document.body && sticksOut(parent))) {
        out.push(name(el) + ' to ' + Math.round(el.getBoundingClientRect().right) + 'px');
      }
    }
  }
  const broken = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.getClientRects().length) continue;  // not shown
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent.trim();
      if (text.length < 4 || !/^[\\x21-\\x7e]+$/.test(text)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(text);
    }
  }
  return {scroll: scroll, width: width, out: out.slice(0, 4), broken: broken.slice(0, 4)};
}"""


def first(queryset: QuerySet[Any], **preferred: object) -> Model | None:
    """The preferred record where the user may see it (the demo's success case fills a page the most), else the
    first one they may see."""
    return queryset.filter(**preferred).order_by("pk").first() or queryset.order_by("pk").first()


def pages_for(user: Staff) -> list[tuple[str, str]]:
    """(URL name, path) of the main pages ``user`` may open, each record in them one they may see."""
    story = {"seeker__seeker_id": SUCCESS_SEEKER_ID}
    seeker = first(Seeker.objects.visible_to(user), seeker_id=SUCCESS_SEEKER_ID)
    records = {
        "seekers:detail": seeker,
        "development:for_seeker": seeker,
        "referrals:detail": first(Referral.objects.visible_to(user), **story),
        "postings:detail": first(Posting.objects.visible_to(user), referrals__seeker__seeker_id=SUCCESS_SEEKER_ID),
        "employers:detail": first(Employer.objects.visible_to(user),
                                  postings__referrals__seeker__seeker_id=SUCCESS_SEEKER_ID),
        "welfare:detail": first(SupportRequest.objects.visible_to(user), **story),
    }
    pages = [(name, reverse(name)) for name in PLAIN]
    pages.append(("plans:report", reverse("plans:report", args=[user.site.code if user.site else "tamashima", FY])))
    pages += [(name, reverse(name, args=[record.pk])) for name, record in records.items() if record is not None]
    return [(name, path) for name, path in pages if not ROUTES[name].capability or can(user, ROUTES[name].capability)]


def settle(page: Page) -> None:
    """Wait for the panels a page loads after itself (htmx ``hx-trigger="load"``): they are part of its layout."""
    if page.locator("[hx-trigger~=load]").count():
        page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_staff_page_scrolls_sideways_and_no_id_in_a_table_breaks(live_server: LiveServer, tmp_path: Path) -> None:
    generate(Plan(fiscal_year=FY, as_of=AS_OF, scale=0.1))
    overflowing: list[str] = []
    broken: list[str] = []
    opened: dict[str, set[str]] = {}
    with chromium() as browser:
        for username in ROLES:
            context = browser.new_context(locale="ja-JP", viewport={"width": VIEWPORTS[0][0], "height": 900})
            page = context.new_page()
            log_in(page, live_server.url, username, DEMO_PASSWORD)
            for name, path in pages_for(Staff.objects.get(username=username)):
                response = page.goto(live_server.url + path)
                assert response is not None and response.status == 200, (username, name, path)
                settle(page)
                opened.setdefault(username, set()).add(name)
                for width, height in VIEWPORTS:
                    page.set_viewport_size({"width": width, "height": height})
                    seen = page.evaluate(MEASURE)
                    where = f"{username} {name} at {width}px"
                    if seen["scroll"] > seen["width"]:
                        shot = tmp_path / f"{username}-{name.replace(':', '-')}-{width}.png"
                        page.screenshot(path=shot, full_page=True)
                        overflowing.append(f"{where}: the page is {seen['scroll']}px wide "
                                           f"({', '.join(seen['out'])}; {shot})")
                    broken += [f"{where}: {text}" for text in seen["broken"]]
            context.close()
    assert {username: DETAILS - names for username, names in opened.items()} == dict.fromkeys(ROLES, set())
    assert not overflowing, "\n".join(overflowing)
    assert not broken, "\n".join(broken)
