"""Every staff page in English mode, all of it: once a user picks English, no kana or kanji is left on a page
but what people wrote and the names the records carry — people's names, addresses, employers, notes, posting
titles, the classifications' names (occupations, industries, towns), an installation's name that has no English.

Where ``test_english_mode`` reads the interface's parts of a few pages (headings, labels, buttons), this walk reads
every text of every page a route shows, as several roles of the demo year: the body, the messages, the tables'
cells, the options of a choice, the tooltips. A record's value is taken out only as a whole value of a field that
holds what was written; whatever else is left in Japanese is reported with its page."""

from __future__ import annotations

import datetime
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kakehashi.accounts.models import Agency, Site, SiteResource, Staff
from kakehashi.accounts.policy import ROUTES
from kakehashi.demo.generator import SUCCESS_REFERRAL, SUCCESS_SEEKER_ID, Plan, generate
from kakehashi.employers.models import EmployerVisit
from kakehashi.governance.models import Agreement, CouncilMeeting, Request
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from kakehashi.welfare.models import SupportRequest
from tests.second_factor import sign_in
from tests.world import World

AS_OF = datetime.date(2026, 11, 27)
JAPANESE = re.compile(r"[\u3005\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uff66-\uff9f]")
SKIP = {"script", "style", "textarea"}
ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-confirm"}
# The fields that hold what people wrote and the names records carry, shown as written in either language.
WRITTEN = {
    "seekers.Seeker": ["name", "name_kana", "qualifications", "barriers", "note", "desired_hours"],
    "seekers.Consultation": ["notes"],
    "employers.Employer": ["name", "name_kana"],
    "employers.EmployerVisit": ["hiring_timing", "note"],
    "postings.Posting": ["title", "description", "hours", "required_qualifications", "occupation_minor"],
    "referrals.Referral": ["employer_note"],
    "referrals.ReferralEvent": ["note"],
    "referrals.FollowUp": ["note"],
    "welfare.SupportRequest": ["needs", "closing_note"],
    "welfare.SupportPlan": ["goals", "steps", "visit_schedule"],
    "welfare.SupportVisit": ["note"],
    "governance.Agreement": ["title", "notes"],
    "governance.Signatory": ["title", "name"],
    "governance.Clause": ["heading", "text"],
    "governance.Request": ["subject", "body", "answer"],
    "governance.CouncilMeeting": ["title", "venue", "notes"],
    "governance.Attendee": ["name", "organisation", "title"],
    "governance.Decision": ["text"],
    "governance.FollowUp": ["text", "done_note"],
    "development.DevelopmentContact": ["area"],
    "reference.Occupation": ["name", "major_name"],
    "reference.Industry": ["name"],
    "reference.Town": ["municipality", "name", "area"],
    "accounts.Staff": ["display_name"],
}
# Sentences whose placeholders quote what people wrote (the words a posting shares with a seeker's experience).
QUOTING = ["仕事内容が近い（%(phrases)s）"]
ROLES = ["hw_navigator", "hw_manager", "city_counselor", "center_promoter", "welfare_caseworker", "admin"]
# Pages that are not HTML for a person to read, or that change something on GET.
NOT_PAGES = {"healthz", "logout", "login", "set_language", "reference:codes", "plans:home_card"}


class Texts(HTMLParser):
    """Every text of a page a reader sees: data outside scripts and styles, and the attributes shown on hover."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self.skipping += 1
        self.texts += [v for k, v in attrs if k in ATTRIBUTES and v]

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def written_values() -> list[str]:
    """Every value of a field that holds what was written (or a name) and has kana or kanji, longest first."""
    values: set[str] = set()
    for label, fields in WRITTEN.items():
        for row in apps.get_model(label)._default_manager.values_list(*fields):
            for value in row:
                items = value if isinstance(value, list) else [value]
                values.update(str(v) for v in items if isinstance(v, str) and JAPANESE.search(v))
    # The installation's names are shown as written only where they have no English.
    values.update(a.name for a in Agency.objects.filter(name_en=""))
    values.update(s.name for s in Site.objects.filter(name_en=""))
    values.update(r.label for r in SiteResource.objects.filter(label_en=""))
    values.add("日本語")  # the language menu names each language in itself
    # A single character is a part of many words; taking it out would hide the word it sits in.
    return sorted((v for v in values if len(v) > 1), key=len, reverse=True)


def quoting() -> list[re.Pattern[str]]:
    """The English sentences of ``QUOTING``, each quoted value a wildcard."""
    with translation.override("en"):
        said = [translation.gettext(m) for m in QUOTING]
    return [re.compile(".*".join(re.escape(p) for p in re.split(r"%\(\w+\)s", s))) for s in said]


def leftover(texts: list[str], values: list[str]) -> list[str]:
    """The texts that still hold Japanese once every written value is taken out of them."""
    out = []
    quotes = quoting()
    for text in texts:
        if not JAPANESE.search(text) or any(q.fullmatch(text) for q in quotes):
            continue
        for value in values:
            if value in text:
                text = text.replace(value, " ")
                if not JAPANESE.search(text):
                    break
        if JAPANESE.search(text):
            out.append(text)
    return out


def route_urls() -> list[str]:
    """One URL of every staff page, with the demo's records as arguments (the success case where it fits)."""
    her = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    hire = Referral.objects.get(referral_id=SUCCESS_REFERRAL)
    visit = EmployerVisit.objects.filter(for_seeker=her).first()
    meeting, agreement, request = CouncilMeeting.objects.first(), Agreement.objects.first(), Request.objects.first()
    assert visit is not None and meeting is not None and agreement is not None and request is not None
    arguments: dict[str, object] = {
        "seekers.Seeker": her.pk, "referrals.Referral": hire.pk, "employers.Employer": visit.employer.pk,
        "employers.EmployerVisit": visit.pk, "postings.Posting": hire.posting.pk,
        "welfare.SupportRequest": SupportRequest.objects.get(seeker=her).pk, "governance.Agreement": agreement.pk,
        "governance.Request": request.pk, "governance.CouncilMeeting": meeting.pk,
        "accounts.Site": "tamashima", "fiscal_year": "2026", "plans.Indicator": "placements",
        "accounts.Staff": Staff.objects.get(username="hw_navigator").pk,
    }
    urls = []
    for name, route in sorted(ROUTES.items()):
        if name in NOT_PAGES or name.startswith("api:") or route.public or route.export:
            continue
        if any(kind not in arguments for kind in route.records.values()):
            continue
        urls.append(reverse(name, kwargs={k: arguments[kind] for k, kind in route.records.items()}))
    # Pages whose query chooses what they explain: the seekers of no known area, a month of the figures.
    urls += [reverse("development:targets") + "?area=地区不明", reverse("plans:progress") + "?month=2026-10"]
    return urls


def in_english(username: str) -> Client:
    c = sign_in(Client(), Staff.objects.get(username=username))
    assert c.post(reverse("set_language"), {"language": "en", "next": reverse("home")}).status_code == 302
    return c


def japanese_left(url: str, c: Client, values: list[str]) -> list[str]:
    r = c.get(url)
    if r.status_code != 200 or not r.get("Content-Type", "").startswith("text/html"):
        return []
    page = Texts()
    page.feed(r.content.decode())
    return leftover(page.texts, values)


def test_a_written_value_is_taken_out_and_the_interface_left_is_found() -> None:
    values = ["見本 幸子", "縫製"]
    assert leftover(["Seeker 見本 幸子", "縫製 (Sewing)"], values) == []
    assert leftover(["見本 幸子さんの情報", "Visited 縫製 株式会社"], values) == [" さんの情報", "Visited   株式会社"]
    page = Texts()
    page.feed('<p title="求人">x</p><script>var a = "求人";</script><td>未定</td><option>はい</option>')
    assert page.texts == ["求人", "x", "未定", "はい"]


@pytest.mark.django_db
def test_every_staff_page_in_english_shows_japanese_only_in_what_people_wrote() -> None:
    generate(Plan(fiscal_year=2026, as_of=AS_OF, scale=0.05))
    values = written_values()
    urls = route_urls()
    assert len(urls) > 40
    found: dict[str, list[str]] = {}
    for username in ROLES:
        c = in_english(username)
        for url in urls:
            left = japanese_left(url, c, values)
            if left:
                found[f"{username} {url}"] = sorted(set(left))
    assert not found, "Japanese left in English mode:\n" + "\n".join(
        f"{where}: {texts}" for where, texts in found.items())


def workbook_texts(content: bytes) -> list[str]:
    """The sheets' names and every text cell of a workbook."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    texts = list(book.sheetnames)
    for ws in book.worksheets:
        texts += [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    return texts


@pytest.mark.django_db
def test_the_workbooks_a_user_downloads_in_english_have_english_sheets_and_headers() -> None:
    generate(Plan(fiscal_year=2026, as_of=AS_OF, scale=0.05))
    values = written_values()
    her = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    files = {
        "hw_manager": [reverse("plans:report", args=["tamashima", 2026]), reverse("referrals:list"),
                       reverse("governance:request_list")],
        "hw_navigator": [reverse("seekers:list"), reverse("employers:list"), reverse("postings:list"),
                         reverse("development:contacts")],
        "admin": [reverse("seekers:audit_trail", args=[her.pk])],
        "welfare_caseworker": [reverse("welfare:list")],
    }
    found: dict[str, list[str]] = {}
    for username, urls in files.items():
        c = in_english(username)
        for url in urls:
            r = c.get(url + "?format=xlsx")
            assert r.status_code == 200, (username, url, r.status_code)
            assert r["Content-Type"].startswith("application/vnd.openxmlformats"), (url, r["Content-Type"])
            left = leftover(workbook_texts(r.content), values)
            if left:
                found[f"{username} {url}"] = sorted(set(left))
    assert not found, "Japanese left in English workbooks:\n" + "\n".join(
        f"{where}: {texts}" for where, texts in found.items())


@pytest.mark.parametrize(("url", "said"), [
    ("/development/plan/?day=2026-02-30", "&quot;2026-02-30&quot; is not a date that exists"),
    ("/plans/progress/?fy=あした", "&quot;あした&quot; cannot be read as a fiscal year"),
    ("/plans/progress/?fy=2026&as_of=R8.2.30", "&quot;R8.2.30&quot; is not a date that exists"),
    ("/plans/progress/?fy=2026&as_of=2026-01-31", "The as-of date 2026-01-31 is before FY2026 (Reiwa 8) begins"),
])
def test_what_a_page_cannot_read_is_said_in_english(world: World, url: str, said: str) -> None:
    c = in_english("hana")
    r = c.get(url)
    body = r.content.decode()
    assert said in body
    page = Texts()
    page.feed(body)
    typed = [v for v in ("あした",) if v in url]  # what the user typed is quoted as typed
    assert leftover(page.texts, [*typed, *written_values()]) == []
