"""A second installation, different in every way an installation may differ, runs with no change to the code:
``installations/soja.json`` — another city's towns and areas, three sites, a desk for young people and no
welfare desk, indicators and targets of its own, an agreement of four parties.

It is loaded into this test's own database from its file alone; the import, the progress report, matching and
every page then run on it, as several roles, and nothing of Kurashiki shows anywhere.
"""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from kakehashi.accounts import installation
from kakehashi.accounts.models import Agency, InstallationSettings, Site, Staff
from kakehashi.accounts.policy import ROUTES
from kakehashi.audit.models import Action, AuditEvent
from kakehashi.demo.generator import Plan, demo_users, generate
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.governance.models import Agreement, Attendee, CouncilMeeting, FollowUp, Request
from kakehashi.plans.models import Indicator, ManualCount, Target
from kakehashi.plans.progress import site_progress
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Town
from kakehashi.referrals.models import Outcome, Referral
from kakehashi.seekers.models import Consent, Seeker
from kakehashi.terminal.models import Terminal, Ticket
from kakehashi.welfare.models import SupportRequest
from tests.second_factor import sign_in

ROOT = Path(__file__).resolve().parent.parent
SOJA = ROOT / "installations" / "soja.json"
AS_OF = datetime.date(2026, 11, 27)
FY = 2026
SITES = ["soja-plaza", "soja-youth", "kiyone"]
# Anything that would show the first installation leaked into the second: its city, districts and desks.
KURASHIKI = ["倉敷", "玉島", "水島", "児島", "真備", "たましま", "みずしま", "くらしき", "Kurashiki", "Tamashima",
             "Mizushima"]
# The roles the pages are walked as: Hello Work's counter at the main site and the youth desk's navigator, the
# city's counselor at the youth desk, the Center's promoter, the labour bureau's manager, the administrator.
WALKERS = ["soja_counselor", "youth_navigator", "youth_consultant", "soja_center_promoter", "bureau_manager",
           "soja_admin"]


def kurashiki_in(text: str) -> list[str]:
    return [name for name in KURASHIKI if name in text]


def make_demo(scale: float = 0.1) -> None:
    generate(Plan(fiscal_year=FY, as_of=AS_OF, scale=scale), SOJA)


@pytest.mark.django_db
def test_the_installation_loads_from_its_file_alone_and_again_adds_nothing() -> None:
    out = io.StringIO()
    call_command("installation", str(SOJA), stdout=out)
    assert "機関 4 件、拠点 3 件、独自の指標 2 件" in out.getvalue()
    assert sorted(Site.objects.values_list("code", flat=True)) == sorted(SITES)
    settings = InstallationSettings.current()
    assert (settings.municipalities, settings.welfare_desk, settings.retention_years) == (["総社市"], False, 7)
    assert installation.areas() == sorted(["総社", "清音", "山手", "昭和"])
    assert Town.objects.get(municipality="総社市", name="清音三因").area == "清音"
    youth = Site.objects.get(code="soja-youth")
    assert "若者" in youth.programme and youth.resources.filter(label="キャリアコンサルタント").exists()
    assert not Indicator.objects.get(key="youth_seminar_participants").rule  # counted by hand
    agreement = Agreement.objects.get()
    assert agreement.parties.count() == 4 and agreement.signatories.count() == 4
    assert set(agreement.sites.values_list("code", flat=True)) == set(SITES)
    assert not Agency.objects.filter(kind="welfare_office").exists()
    loads = AuditEvent.objects.filter(action=Action.UPDATE, model="accounts.InstallationSettings")
    assert loads.count() == 1 and loads.get().detail["municipalities"] == ["総社市"]

    counts = [m.objects.count() for m in (Agency, Site, Indicator, Agreement)]
    call_command("installation", str(SOJA), stdout=io.StringIO())
    assert [m.objects.count() for m in (Agency, Site, Indicator, Agreement)] == counts


@pytest.mark.django_db
def test_its_demo_year_lies_in_its_own_towns_and_names_nothing_of_kurashiki() -> None:
    call_command("demo_data", "--installation", str(SOJA), "--scale", "0.1", "--as-of", AS_OF.isoformat(),
                 stdout=io.StringIO())
    assert set(Staff.objects.values_list("username", flat=True)) == {u.username for u in demo_users(SOJA)}
    for model in (Seeker, Employer, Posting):
        assert set(model.objects.values_list("town__municipality", flat=True)) == {"総社市"}
    youth = Seeker.objects.filter(site__code="soja-youth")
    assert youth.exists() and all(18 <= (s.age_on(s.registered_on) or 0) <= 34 for s in youth)
    assert not Seeker.objects.filter(welfare_recipient=True).exists() and not SupportRequest.objects.exists()
    assert Referral.objects.filter(outcome=Outcome.HIRED, seeker__site__code="kiyone").exists()
    assert Target.objects.filter(site__code="soja-youth", fiscal_year=FY,
                                 indicator__key="youth_seminar_participants").exists()
    assert ManualCount.objects.filter(indicator__key="retention_interviews").exists()
    assert Request.objects.exists() and CouncilMeeting.objects.count() == 2
    texts = [json.dumps(list(qs), ensure_ascii=False, default=str) for qs in (
        Seeker.objects.values("name", "note", "barriers", "postal_code"),
        Employer.objects.values("name", "name_kana"), Posting.objects.values("title", "description"),
        EmployerVisit.objects.values("note"), Agency.objects.values("name"), Site.objects.values(),
        Request.objects.values("subject", "body", "answer"), CouncilMeeting.objects.values("title", "venue", "notes"),
        Agreement.objects.values("title"), Agreement.objects.get().clauses.values("text"))]
    assert kurashiki_in("".join(texts)) == []


@pytest.mark.django_db
def test_the_import_places_its_rows_in_its_own_towns_and_targets_its_own_indicators(tmp_path: Path) -> None:
    call_command("installation", str(SOJA), stdout=io.StringIO())
    files = {
        "employers.csv": "employer_id,name,industry,postal_code,town,employees,center_member,phone\n"
                         "E-900,清音テスト農園（架空）,01,719-1172,,12,1,\n"
                         "E-901,山手テスト精機（架空）,26,719-1162,,80,0,\n",
        "seekers.csv": "seeker_id,site,registered_on,postal_code,desired_occupations,birth_year\n"
                       "S-900,soja-youth,令和8年4月10日,719-1136,064;097,2004\n"
                       "S-901,kiyone,2026/05/01,719-1173,070,1980\n",
        "postings.csv": "posting_id,employer_id,site,received_on,occupation,openings,postal_code,developed\n"
                        "33210-90001,E-901,soja-plaza,令和8年4月20日,070,2,719-1162,1\n"
                        "33210-90002,E-900,kiyone,2026-05-02,064,1,719-1172,0\n",
        "referrals.csv": "referral_id,seeker_id,posting_id,referred_on,outcome,outcome_on\n"
                         "R-900,S-901,33210-90001,2026-05-10,hired,2026-06-01\n",
        "targets.csv": "fiscal_year,site,indicator,target\n"
                       "令和8年度,soja-youth,youth_seminar_participants,３２０\n"
                       "2026,kiyone,placements,35\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = io.StringIO()
    call_command("import", str(tmp_path), "--json", stdout=out, stderr=io.StringIO())
    report = {f["kind"]: f for f in json.loads(out.getvalue())["files"]}
    assert all(not f.get("errors") for f in report.values()), report
    areas = dict(Employer.objects.values_list("employer_id", "town__area"))
    assert (areas["E-900"], areas["E-901"]) == ("清音", "山手")
    assert Seeker.objects.get(seeker_id="S-900").site.code == "soja-youth"
    assert Target.objects.get(site__code="soja-youth", fiscal_year=FY).target == 320
    rows = {r.key: r for r in site_progress(Site.objects.get(code="kiyone"), FY, AS_OF).rows}
    assert rows["placements"].actual == 1 and rows["placements"].target == 35


@pytest.mark.django_db
def test_the_progress_report_counts_each_site_and_its_own_indicators() -> None:
    make_demo()
    for code in SITES:
        rows = {r.key: r for r in site_progress(Site.objects.get(code=code), FY, AS_OF).rows}
        assert rows["placements"].actual and rows["placements"].target, code
    youth = {r.key: r for r in site_progress(Site.objects.get(code="soja-youth"), FY, AS_OF).rows}
    seminars = youth["youth_seminar_participants"]
    assert seminars.target == round(320 * 0.1) and seminars.actual
    assert "referrals" not in {k for k, r in youth.items() if r.target}  # the youth desk sets no referral target
    for fmt, shown in (("json", "youth_seminar_participants"), ("html", "就職セミナー・職場見学の参加者数")):
        out = io.StringIO()
        call_command("report", "progress", "--site", "soja-youth", "--fiscal-year", str(FY), "--as-of",
                     AS_OF.isoformat(), "--format", fmt, stdout=out)
        text = out.getvalue()
        assert shown in text and kurashiki_in(text) == []


@pytest.mark.django_db
def test_matching_ranks_postings_for_its_seekers_and_seekers_for_its_postings() -> None:
    make_demo()
    seeker = Seeker.objects.filter(site__code="soja-youth", status="active").order_by("seeker_id").first()
    posting = Posting.objects.filter(site__code="soja-plaza").order_by("-received_on").first()
    assert seeker is not None and posting is not None
    for args in (["--seeker", seeker.seeker_id], ["--posting", posting.posting_id]):
        out = io.StringIO()
        call_command("match", *args, "--top", "5", "--format", "json", "--as-of", AS_OF.isoformat(),
                     "--no-progress", stdout=out)
        answer = json.loads(out.getvalue())
        assert answer and kurashiki_in(out.getvalue()) == []


def _walk_values() -> dict[str, list[object]]:
    """A record of each kind the demo made, for the URLs that name one (none of the welfare desk's: there is
    none here)."""
    def first(model: type[models.Model], **filters: object) -> list[object]:
        pk = model._default_manager.filter(**filters).order_by("pk").values_list("pk", flat=True).first()
        return [pk] if pk is not None else []

    return {
        "seekers.Seeker": first(Seeker, site__code="soja-youth"),
        "seekers.Consent": first(Consent, seeker__site__code="soja-youth"),
        "referrals.Referral": first(Referral, outcome=Outcome.HIRED),
        "welfare.SupportRequest": first(SupportRequest),
        "employers.Employer": first(Employer),
        "employers.EmployerVisit": first(EmployerVisit, resulting_posting__isnull=False),
        "postings.Posting": first(Posting, developed=True),
        "governance.Agreement": first(Agreement),
        "governance.Request": first(Request),
        "governance.CouncilMeeting": first(CouncilMeeting),
        "governance.Attendee": first(Attendee),
        "governance.FollowUp": first(FollowUp),
        "accounts.Staff": first(Staff, username="youth_navigator"),
        "terminal.Terminal": first(Terminal),
        "terminal.Ticket": first(Ticket),
        "accounts.Site": list(SITES),
        "fiscal_year": [str(FY)],
        "plans.Indicator": ["placements", "youth_seminar_participants"],
    }


def _urls() -> list[tuple[str, str]]:
    values = _walk_values()
    urls = []
    for name, route in sorted(ROUTES.items()):
        if name in ("logout", "set_language", "login") or name.startswith("api:"):
            continue
        kinds = route.records
        if any(not values[k] for k in kinds.values()):
            continue  # a record of a kind this installation has none of
        # One value per argument (every site for the plan pages), enough to open each page on real data.
        combos: list[dict[str, object]] = [{}]
        for arg, kind in kinds.items():
            combos = [{**c, arg: v} for c in combos for v in (values[kind] if kind == "accounts.Site"
                                                              else values[kind][:1])]
        urls += [(name, reverse(name, kwargs=c)) for c in combos]
    return urls


@pytest.mark.django_db
def test_every_page_opens_for_each_role_without_an_error_or_a_kurashiki_name() -> None:
    make_demo(0.05)
    login = Client().get(reverse("login")).content.decode()
    assert "総社市・ハローワーク" in login and kurashiki_in(login) == []
    urls = _urls()
    assert len(urls) > 60
    problems: list[tuple[str, str, str, object]] = []
    for username in WALKERS:
        client = sign_in(Client(), Staff.objects.get(username=username))
        home = client.get(reverse("home")).content.decode()
        assert reverse("welfare:list") not in home, "no welfare desk here: the menu does not offer it"
        for name, url in urls:
            r = client.get(url)
            if r.status_code >= 500:
                problems.append((username, name, url, r.status_code))
            elif r.get("Content-Type", "").startswith("text/html"):
                leaked = kurashiki_in(r.content.decode("utf-8", "replace"))
                if leaked:
                    problems.append((username, name, url, leaked))
    assert problems == []
