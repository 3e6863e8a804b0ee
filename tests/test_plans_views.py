"""The business plan pages for every user of the world: who reads, who edits, what the drill-down shows whom,
and the audit rows they leave."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.audit.models import Action, AuditEvent
from kakehashi.engine.calendar import fiscal_year_of
from kakehashi.plans.models import Indicator, ManualCount, Target
from kakehashi.referrals.models import Referral
from tests.test_plans_counting import Records
from tests.world import USERS, World, client_for

D = datetime.date
ALL_USERS = [u[0] for u in USERS]
EDITORS = {"hiro", "mayor_m", "seiko", "fukum", "admin"}



@pytest.fixture
def year(world: World) -> Records:
    """FY2013 at Tamashima: referrals and hires of seekers each user sees differently, developed postings, and
    targets for the year and the one before."""
    r = Records(world)
    s = world.seekers
    r.referral(s["s_hw"], D(2013, 4, 10), "hired", D(2013, 4, 30), staff=world.hana)
    r.referral(s["s_city_consent"], D(2013, 5, 10), "hired", D(2013, 6, 3), staff=world.naoki)
    r.referral(s["s_city_private"], D(2013, 6, 10), "hired", D(2013, 6, 20), staff=world.hana)
    r.referral(s["s_welfare"], D(2013, 7, 1), "rejected", D(2013, 7, 9), staff=world.hana)
    r.referral(s["s_withdrawn"], D(2013, 9, 1), "hired", D(2013, 9, 30))
    r.referral(s["s_hw"], D(2012, 10, 1), "hired", D(2012, 10, 20), staff=world.hana)
    r.posting(world.tamashima, D(2013, 5, 1), openings=3)
    r.posting(world.tamashima, D(2013, 8, 1), openings=2)
    placements = Indicator.objects.get(key="placements")
    Target.objects.create(site=world.tamashima, fiscal_year=2013, indicator=placements, target=10)
    Target.objects.create(site=world.tamashima, fiscal_year=2012, indicator=placements, target=8)
    return r


PROGRESS = "/plans/progress/?site=tamashima&fy=2013&as_of=2013-10-31"


def drill(indicator: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"as_of": "2013-10-31", **params}.items())
    return f"{reverse('plans:drill', args=['tamashima', 2013, indicator])}?{query}"


def test_the_pages_need_a_signed_in_user(client: Client, world: World) -> None:
    for url in ("/plans/", PROGRESS, "/plans/report/tamashima/2013/", drill("placements"), "/plans/home-card/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("username", ALL_USERS)
def test_every_staff_member_sees_the_figures(world: World, year: Records, username: str) -> None:
    c = client_for(username)
    page = c.get(PROGRESS)
    assert page.status_code == 200
    row = page.context["sp"].row("placements")
    assert (row.target, row.actual, row.prior_target, row.prior_actual) == (10, 4, 8, 1)
    assert c.get("/plans/?site=tamashima&fy=2013").status_code == 200
    assert c.get("/plans/report/tamashima/2013/?as_of=2013-10-31").status_code == 200


@pytest.mark.parametrize("username", ALL_USERS)
def test_only_managers_and_the_administrator_may_change_targets(world: World, username: str) -> None:
    c = client_for(username)
    page = c.get("/plans/?site=tamashima&fy=2013")
    assert ("targets-form" in page.content.decode()) == (username in EDITORS)
    response = c.post("/plans/", {"form": "targets", "site": "tamashima", "fy": "2013",
                                  "target_placements": "630"})
    saved = Target.objects.filter(site=world.tamashima, fiscal_year=2013, indicator__key="placements")
    if username in EDITORS:
        assert response.status_code == 302
        assert saved.get().target == 630
    else:
        assert response.status_code == 403
        assert not saved.exists()


def test_a_target_change_writes_an_update_row_with_before_and_after(world: World) -> None:
    c = client_for("hiro")
    c.post("/plans/", {"form": "targets", "site": "tamashima", "fy": "平成25年度",
                       "target_placements": "６３０", "target_developed_openings": "１，２００"})
    c.post("/plans/", {"form": "targets", "site": "tamashima", "fy": "2013",
                       "target_placements": "640", "target_developed_openings": ""})
    targets = {t.indicator.key: t.target for t in Target.objects.filter(site=world.tamashima, fiscal_year=2013)}
    assert targets == {"placements": 640}
    rows = list(AuditEvent.objects.filter(action=Action.UPDATE, model="plans.Target").order_by("id"))
    assert [r.detail["changes"] for r in rows] == [
        {"placements": [None, 630], "developed_openings": [None, 1200]},
        {"placements": [630, 640], "developed_openings": [1200, None]},
    ]
    assert {r.username for r in rows} == {"hiro"}


def test_a_bad_target_changes_nothing_and_says_why_in_japanese(world: World) -> None:
    c = client_for("hiro")
    response = c.post("/plans/", {"form": "targets", "site": "tamashima", "fy": "2013",
                                  "target_placements": "630", "target_referrals": "たくさん"})
    assert response.status_code == 400
    assert "整数ではありません" in response.content.decode()
    assert not Target.objects.exists()
    assert not AuditEvent.objects.filter(model="plans.Target").exists()


def test_a_manager_adds_an_indicator_and_enters_its_monthly_counts(world: World) -> None:
    c = client_for("mayor_m")
    c.post("/plans/", {"form": "indicator", "site": "tamashima", "fy": "2013", "key": "consultations",
                       "label": "相談件数", "unit": "件", "section": "other"})
    consultations = Indicator.objects.get(key="consultations")
    assert consultations.rule == ""
    c.post("/plans/", {"form": "manual", "site": "tamashima", "fy": "2013", "indicator": consultations.pk,
                       "month": "令和7年4月", "count": "5"})  # FY2025's month, not FY2013's
    assert not ManualCount.objects.exists()
    c.post("/plans/", {"form": "manual", "site": "tamashima", "fy": "2013", "indicator": consultations.pk,
                       "month": "平成25年4月", "count": "１２"})
    assert ManualCount.objects.get().count == 12
    assert AuditEvent.objects.filter(model="plans.Indicator", action=Action.CREATE).count() == 1
    assert AuditEvent.objects.filter(model="plans.ManualCount", action=Action.UPDATE).count() == 1
    row = c.get(PROGRESS).context["sp"].row("consultations")
    assert row.actual == 12


def test_a_bad_site_or_date_gets_a_japanese_message(world: World) -> None:
    c = client_for("hana")
    assert "拠点「nowhere」はありません" in c.get("/plans/progress/?site=nowhere").content.decode()
    page = c.get("/plans/progress/?site=tamashima&fy=2013&as_of=2013-13-01")
    assert page.status_code == 400 and "日付" in page.content.decode()
    page = c.get("/plans/progress/?site=tamashima&fy=2013&as_of=2013-03-31")
    assert page.status_code == 400 and "開始前" in page.content.decode()


def test_hello_work_drills_down_to_the_placements_it_may_see_and_only_counts_the_rest(world: World,
                                                                                       year: Records) -> None:
    c = client_for("hana")
    page = c.get(drill("placements"))
    html = page.content.decode()
    assert page.context["total"] == 4
    shown = {r.seeker.seeker_id for r in page.context["records"]}
    assert shown == {world.seekers["s_hw"].seeker_id, world.seekers["s_city_consent"].seeker_id}
    assert "ほか 2 件（閲覧権限のない記録）" in html
    for hidden in ("s_city_private", "s_withdrawn"):
        assert world.seekers[hidden].name not in html
        assert world.seekers[hidden].seeker_id not in html


def test_a_drill_down_listing_personal_records_writes_a_view_row_with_the_ids_shown(world: World,
                                                                                    year: Records) -> None:
    c = client_for("chika")
    page = c.get(drill("placements"))
    records = page.context["records"]
    row = AuditEvent.objects.get(action=Action.VIEW, purpose="事業目標の内訳")
    assert set(row.persons.values_list("seeker_id", flat=True)) == {r.seeker_id for r in records}
    assert row.username == "chika" and row.detail["indicator"] == "placements"
    assert len(records) == 3  # the city sees its own three; Hello Work's own seeker is counted only


def test_the_center_sees_the_figure_but_no_record_behind_it(world: World, year: Records) -> None:
    c = client_for("sen")
    page = c.get(drill("placements"))
    html = page.content.decode()
    assert page.context["records"] == []
    assert "ほか 4 件（閲覧権限のない記録）" in html
    assert not any(s.name in html for s in world.seekers.values())
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()


def test_the_drill_down_narrows_to_a_month_and_to_a_staff_member(world: World, year: Records) -> None:
    c = client_for("admin")
    june = c.get(drill("placements", month="2013-06"))
    assert june.context["total"] == 2
    hana = c.get(drill("referrals", staff=str(world.hana.pk)))
    assert {r.staff_id for r in hana.context["records"]} == {world.hana.pk}
    assert hana.context["total"] == 3
    nobody = c.get(drill("referrals", staff="none"))
    assert nobody.context["total"] == 1
    assert c.get(drill("placements", month="2014-06")).status_code == 400


def test_every_figure_on_the_progress_page_links_to_its_records(world: World, year: Records) -> None:
    c = client_for("admin")
    page = c.get(PROGRESS)
    links = page.context["links"]["placements"]
    assert c.get(links["actual"]).context["total"] == 4
    assert c.get(links["prior"]).context["total"] == 1
    months = [c.get(u).context["total"] for u in links["months"]]
    assert months == page.context["sp"].row("placements").monthly[:7]
    for s in page.context["sp"].row("referrals").by_staff:
        url = page.context["links"]["referrals"]["staff"][s.staff_id]
        assert c.get(url).context["total"] == s.count


def test_the_progress_page_states_its_status_rule_and_each_rows_reason(world: World, year: Records) -> None:
    page = client_for("hana").get(PROGRESS)
    body = page.content.decode()
    legend = body[body.index('id="status-legend"'):]
    for label in ("達成", "順調", "要注意", "未達の恐れ", "未達"):
        assert f">{label}</span>＝" in legend
    assert "要注意</span>＝年度末見込みは目標に届くが、範囲の下限は届かない" in legend
    row = page.context["sp"].row("placements")
    assert row.status_reason and f'<small class="muted status-reason">{row.status_reason}</small>' in body
    assert f"目標 {row.target}{row.indicator.unit}" in row.status_reason


def test_the_developed_openings_figure_drills_down_to_its_postings(world: World, year: Records) -> None:
    c = client_for("sen")
    page = c.get(drill("developed_openings"))
    assert page.context["figure"] == 5 and page.context["total"] == 2
    assert len(page.context["records"]) == 2
    assert not AuditEvent.objects.filter(action=Action.VIEW).exists()  # postings are no personal record


def test_downloads_are_audited_as_exports(world: World, year: Records) -> None:
    c = client_for("hiro")
    pdf = c.get("/plans/report/tamashima/2013/?as_of=2013-10-31&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = c.get("/plans/report/tamashima/2013/?as_of=2013-10-31&format=xlsx")
    assert xlsx.content.startswith(b"PK")
    rows = AuditEvent.objects.filter(action=Action.EXPORT, username="hiro")
    assert sorted(r.detail["format"] for r in rows) == ["pdf", "xlsx"]


def test_the_council_report_page_has_the_seeds_headings(world: World, year: Records) -> None:
    c = client_for("hiro")
    html = c.get("/plans/report/tamashima/2013/?as_of=平成25年10月31日").content.decode()
    for heading in ("25年度事業目標", "取組状況（25年10月末時点）", "（参考）24年度目標", "（参考）24年度実績",
                    "（24年4月～25年3月）", "職業相談員4名", "求人情報提供端末8台"):
        assert heading in html
    assert "<svg" in html


def test_the_by_site_table_lists_every_site(world: World, year: Records) -> None:
    c = client_for("hana")
    page = c.get("/plans/progress/sites/?site=tamashima&fy=2013&as_of=2013-10-31")
    assert [p.site.code for p in page.context["everywhere"]] == ["mizushima", "tamashima"]


@pytest.mark.parametrize("username", ALL_USERS)
def test_the_home_page_shows_managers_the_progress_card(world: World, username: str) -> None:
    html = client_for(username).get("/").content.decode()
    assert ("plans-home-card" in html) == (username in EDITORS)


def test_the_home_card_shows_this_years_targets_at_the_managers_sites(world: World) -> None:
    fy = fiscal_year_of(timezone.localdate())
    placements = Indicator.objects.get(key="placements")
    Target.objects.create(site=world.tamashima, fiscal_year=fy, indicator=placements, target=25)
    Referral.objects.filter(pk=world.referral.pk).update(outcome="hired", outcome_on=timezone.localdate(),
                                                         referred_on=timezone.localdate())
    page = client_for("hiro").get("/plans/home-card/")
    tama = next(p for p in page.context["progress"] if p.site.code == "tamashima")
    assert tama.row("placements").target == 25
    assert tama.row("placements").actual == 1
    assert "25" in page.content.decode()
