"""English mode is complete: once a user picks English, the interface around the records — headings, table
headers, labels, menus, buttons, chart titles, the matching reasons, dates, fiscal years, units, the
installation's indicators, sites and parties — is English. What people wrote stays as written: names, addresses,
notes, posting titles, and the names of the classifications (occupations, industries, towns).

The walk signs in as several roles of the demo year, picks English with the header's selector and reads the main
pages; every text of those parts of a page that still holds kana or kanji, once the record values are taken out,
is reported with its page."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kakehashi.accounts.models import Agency, Site, SiteResource, Staff
from kakehashi.core import dates
from kakehashi.demo.generator import SUCCESS_REFERRAL, SUCCESS_SEEKER_ID, Plan, generate
from kakehashi.employers.models import EmployerVisit
from kakehashi.governance.models import Agreement, CouncilMeeting
from kakehashi.matching.wording import in_language
from kakehashi.plans.models import Indicator
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from kakehashi.welfare.models import SupportRequest
from tests.second_factor import sign_in
from tests.world import World

AS_OF = datetime.date(2026, 11, 27)
# Kana and kanji; the middle dot 「・」 that joins two English words on some pages is punctuation, not Japanese.
JAPANESE = re.compile(r"[\u3005\u3040-\u30fa\u30fc-\u30ff\u3400-\u9fff\uff66-\uff9f]")
# The parts of a page that are the interface, not the records: the headings, menus, table headers, labels,
# buttons, the terms of a description list, charts' titles; and the tooltips, placeholders and chart labels.
CHROME = {"h1", "h2", "h3", "h4", "nav", "th", "label", "button", "dt", "legend", "caption", "summary", "title"}
ATTRIBUTES = {"aria-label", "placeholder", "title"}
# What a user picks or types into is a record's value or a classification's name.
SKIP = {"select", "option", "datalist", "textarea", "script", "style"}
# Apps whose text fields hold what people wrote or the classifications' names. The installation's own names
# (agencies, sites, indicators) are not among them: they carry their English.
RECORD_APPS = {"seekers", "employers", "postings", "referrals", "welfare", "governance", "development",
               "reference", "matching"}


class Chrome(HTMLParser):
    """The interface's texts of a page, with those of a page's own ``extra`` classes (the matching reasons)."""

    def __init__(self, extra: frozenset[str] = frozenset()) -> None:
        super().__init__(convert_charrefs=True)
        self.extra = extra
        self.stack: list[tuple[str, bool]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        if not any(t in SKIP for t, _c in self.stack) and tag not in SKIP:
            self.texts += [v for k, v in attrs if k in ATTRIBUTES and v]
        if tag not in {"br", "input", "img", "meta", "link", "hr", "col", "source", "wbr"}:
            self.stack.append((tag, tag in CHROME or bool(classes & self.extra)))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and any(c for _t, c in self.stack) and not any(t in SKIP for t, _c in self.stack):
            self.texts.append(data.strip())


def record_values() -> list[str]:
    """Every text a record or classification holds that has kana or kanji, longest first (so that a name is
    taken out before a shorter name inside it); staff are people, their names too."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in RECORD_APPS and model is not Staff:
            continue
        fields = [f.name for f in model._meta.get_fields()
                  if isinstance(f, models.CharField | models.TextField | models.JSONField)]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                items = value if isinstance(value, list) else [value]
                values.update(str(v) for v in items if isinstance(v, str) and JAPANESE.search(v))
    values.update(str(u) for u in Staff.objects.all())
    return sorted(values, key=len, reverse=True)


def leftover(texts: list[str], values: list[str]) -> list[str]:
    """The texts that still hold Japanese once every record value is taken out."""
    out = []
    for text in texts:
        if not JAPANESE.search(text):
            continue
        for value in values:
            if value in text:
                text = text.replace(value, "")
                if not JAPANESE.search(text):
                    break
        if JAPANESE.search(text):
            out.append(text)
    return out


def in_english(username: str) -> Client:
    """A client signed in as ``username`` that has picked English with the header's selector."""
    c = sign_in(Client(), Staff.objects.get(username=username))
    r = c.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert r.status_code == 302
    return c


@pytest.mark.django_db
def test_the_main_pages_show_no_japanese_around_the_records_in_english() -> None:
    generate(Plan(fiscal_year=2026, as_of=AS_OF, scale=0.05))
    her = Seeker.objects.get(seeker_id=SUCCESS_SEEKER_ID)
    hire = Referral.objects.get(referral_id=SUCCESS_REFERRAL)
    case = SupportRequest.objects.get(seeker=her)
    sewing = EmployerVisit.objects.get(for_seeker=her).employer
    agreement, meeting = Agreement.objects.first(), CouncilMeeting.objects.first()
    assert agreement is not None and meeting is not None
    report = reverse("plans:report", args=["tamashima", 2026])
    common = [reverse("home"), reverse("plans:index"), reverse("plans:progress") + "?site=tamashima"]
    walks: dict[str, list[str]] = {
        "hw_navigator": [*common, reverse("seekers:list"), reverse("seekers:detail", args=[her.pk]),
                         reverse("employers:list"), reverse("employers:detail", args=[sewing.pk]),
                         reverse("postings:list"), reverse("postings:detail", args=[hire.posting.pk]),
                         reverse("referrals:list"), reverse("referrals:detail", args=[hire.pk]),
                         reverse("matching:seeker", args=[her.pk]), reverse("development:board")],
        "hw_manager": [*common, report, reverse("governance:index"),
                       reverse("governance:agreement_detail", args=[agreement.pk]),
                       reverse("governance:meeting_detail", args=[meeting.pk])],
        "welfare_caseworker": [*common, reverse("welfare:list"), reverse("welfare:detail", args=[case.pk]),
                               reverse("seekers:detail", args=[her.pk])],
        "center_promoter": [*common, reverse("employers:list"), reverse("development:plan")],
        "city_counselor": [*common, reverse("seekers:list"), reverse("seekers:detail", args=[her.pk])],
    }
    values = record_values()
    found: dict[str, list[str]] = {}
    for username, urls in walks.items():
        c = in_english(username)
        for url in urls:
            r = c.get(url)
            assert r.status_code == 200, (username, url, r.status_code)
            body = r.content.decode()
            # a whole page says it is English; the matches come as a fragment for the seeker's page
            assert '<html lang="en">' in body or not body.startswith("<!doctype")
            page = Chrome(frozenset({"reasons", "unmet"}) if "/matching/" in url else frozenset())
            page.feed(body)
            left = leftover(page.texts, values)
            if left:
                found[f"{username} {url}"] = sorted(set(left))
    assert not found, "Japanese left in English mode:\n" + "\n".join(
        f"{where}: {texts}" for where, texts in found.items())


def test_the_language_menu_names_each_language_in_itself(world: World) -> None:
    c = sign_in(Client(), Staff.objects.get(username="hana"))
    japanese = c.get(reverse("home")).content.decode()
    assert '<option value="en">English</option>' in japanese
    c.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    english = c.get(reverse("home")).content.decode()
    assert '<option value="ja">日本語</option>' in english
    assert '<option value="en" selected>English</option>' in english


def test_dates_and_fiscal_years_are_written_one_way_in_each_language() -> None:
    day, month_end = datetime.date(2026, 10, 15), datetime.date(2026, 10, 31)
    with translation.override("ja"):
        assert dates.fiscal_year_label(2026) == "令和8年度"
        assert dates.fiscal_year_label(2013, short=True) == "25年度"
        assert dates.date_label(month_end) == "令和8年10月31日"
        assert dates.western_date_label(month_end) == "2026年10月31日"
        assert dates.as_of_label(month_end, short=True) == "8年10月末時点"
        assert dates.as_of_label(day) == "令和8年10月15日時点"
    with translation.override("en"):
        assert dates.fiscal_year_label(2026) == "FY2026 (Reiwa 8)"
        assert dates.fiscal_year_label(2019) == "FY2019 (Reiwa 1)"
        assert dates.fiscal_year_label(2013) == "FY2013 (Heisei 25)"
        assert dates.fiscal_year_label(2013, short=True) == "FY2013"
        assert dates.date_label(month_end) == dates.western_date_label(month_end) == "31 Oct 2026"
        assert dates.as_of_label(month_end, short=True) == "as of end of Oct 2026"
        assert dates.as_of_label(day) == "as of 15 Oct 2026"
        assert dates.month_label(day) == "Oct" and dates.year_month_label(day) == "Oct 2026"


def test_an_english_fiscal_year_label_reads_back_as_its_year() -> None:
    from kakehashi.plans.periods import parse_fiscal_year

    assert parse_fiscal_year("FY2026 (Reiwa 8)") == parse_fiscal_year("FY2026") == parse_fiscal_year("令和8年度")


def test_the_installation_names_its_parties_sites_and_indicators_in_english(world: World) -> None:
    agency = Agency(name="倉敷市", name_en="Kurashiki City")
    site = Site(name="ワークプラザたましま", name_en="Work Plaza Tamashima", programme="一体的実施事業",
                programme_en="Integrated employment support")
    line = SiteResource(label="職業相談員", label_en="Job counselors", count=4, unit="名", unit_en="staff")
    untold = Agency(name="岡山労働局")
    with translation.override("ja"):
        assert (str(agency), str(site), site.shown_programme, str(line)) == (
            "倉敷市", "ワークプラザたましま", "一体的実施事業", "職業相談員 4名")
    with translation.override("en"):
        assert (str(agency), str(site), site.shown_programme, str(line)) == (
            "Kurashiki City", "Work Plaza Tamashima", "Integrated employment support", "Job counselors 4 staff")
        assert str(untold) == "岡山労働局"  # a name without English stays as written
    placements = Indicator.objects.get(key="placements")
    with translation.override("en"):
        assert (placements.shown_label, placements.shown_unit) == ("Placements", " people")
    with translation.override("ja"):
        assert (placements.shown_label, placements.shown_unit) == ("就職件数", "人")


def test_the_matching_reasons_are_said_again_in_english_with_names_kept() -> None:
    with translation.override("ja"):
        assert in_language("通勤 4.2km（上限 10km）") == "通勤 4.2km（上限 10km）"
    with translation.override("en"):
        assert in_language("希望職種と一致（第1希望）") == "Desired occupation (choice 1)"
        assert in_language("通勤 4.2km（上限 10km）") == "Commute 4.2km (limit 10km)"
        assert in_language("月給 200,000円〜240,000円（希望 180,000円以上）") == (
            "Monthly ¥200,000 – ¥240,000 (wished: at least ¥180,000)")
        assert in_language("経験あり（衣服・繊維製品の加工 15年）") == "Experienced (衣服・繊維製品の加工, 15 yr)"
        assert in_language("パート（希望どおり）") == "Part-time (as wished)"
