"""``kakehashi report progress`` in its four formats, on a year built to the seed's figures: the JSON of
INTERCHANGE.md, and the council report read back out of the HTML, the PDF (pdftotext, pdffonts) and the xlsx."""

import datetime
import json
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from kakehashi.audit.models import Action, AuditEvent
from kakehashi.engine.calendar import fiscal_months
from kakehashi.plans.models import Indicator, Target
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from tests.world import World

D = datetime.date

# The seed's figures for Work Plaza Tamashima (DOMAIN.md); FY2013's referrals and developed postings are the
# illustrative ones of INTERCHANGE.md.
SEED = {
    "placements": {"target": 630, "actual": 471, "prior_target": 630, "prior_actual": 636},
    "referrals": {"target": None, "actual": 2011, "prior_target": None, "prior_actual": 3445},
    "developed_postings": {"target": None, "actual": 480, "prior_target": None, "prior_actual": 728},
    "developed_openings": {"target": 1200, "actual": 877, "prior_target": 1100, "prior_actual": 1317},
}


def _spread(n: int, months: list[datetime.date]) -> list[datetime.date]:
    """``n`` dates spread over ``months``, a few days apart within each."""
    return [months[i % len(months)] + datetime.timedelta(days=(i // len(months)) % 27) for i in range(n)]


def build_seed_year(world: World) -> None:
    """FY2012 whole and FY2013 to the end of October at Tamashima, with the seed's counts and targets, plus
    records that must not count (after the as-of date, at Mizushima)."""
    t = world.tamashima
    press = Occupation.objects.get(code="073")
    seekers = Seeker.objects.bulk_create([
        Seeker(seeker_id=f"S-SEED-{i}", site=t, registered_on=D(2012, 4, 1), registered_by="hello_work",
               name=f"求職者{i}", postal_code="713-8121") for i in range(60)])
    other = Seeker.objects.create(seeker_id="S-SEED-M", site=world.mizushima, registered_on=D(2012, 4, 1),
                                  name="水島 求職者", postal_code="712-8062")
    fy12, fy13 = fiscal_months(2012), fiscal_months(2013)[:7]

    postings = []
    for prefix, months, count, total in (("P12", fy12, 728, 1317), ("P13", fy13, 480, 877)):
        twos = total - count
        for i, day in enumerate(_spread(count, months)):
            postings.append(Posting(posting_id=f"{prefix}-{i}", employer=world.employer, site=t, received_on=day,
                                    occupation=press, openings=2 if i < twos else 1, postal_code="713-8121",
                                    developed=True))
    postings.append(Posting(posting_id="P13-LATE", employer=world.employer, site=t, received_on=D(2013, 11, 1),
                            occupation=press, openings=9, postal_code="713-8121", developed=True))
    postings.append(Posting(posting_id="P13-MIZU", employer=world.employer, site=world.mizushima,
                            received_on=D(2013, 5, 1), occupation=press, openings=9, postal_code="712-8062",
                            developed=True))
    Posting.objects.bulk_create(postings)

    referrals = []
    for prefix, months, count, hires in (("R12", fy12, 3445, 636), ("R13", fy13, 2011, 471)):
        for i, day in enumerate(_spread(count, months)):
            hired = i < hires
            referrals.append(Referral(
                referral_id=f"{prefix}-{i}", seeker=seekers[i % len(seekers)], posting=world.posting,
                referred_on=day, outcome="hired" if hired else "rejected",
                outcome_on=day + datetime.timedelta(days=1 if day.day < 28 else 0),
                staff=world.hana if i % 3 else world.naoki))
    referrals.append(Referral(referral_id="R13-LATE", seeker=seekers[0], posting=world.posting,
                              referred_on=D(2013, 11, 1), outcome="hired", outcome_on=D(2013, 11, 5)))
    referrals.append(Referral(referral_id="R13-MIZU", seeker=other, posting=world.posting,
                              referred_on=D(2013, 6, 1), outcome="hired", outcome_on=D(2013, 6, 9)))
    Referral.objects.bulk_create(referrals)

    ind = {i.key: i for i in Indicator.objects.all()}
    for fy, key, value in ((2013, "placements", 630), (2012, "placements", 630),
                           (2013, "developed_openings", 1200), (2012, "developed_openings", 1100)):
        Target.objects.create(site=t, fiscal_year=fy, indicator=ind[key], target=value)


@pytest.fixture
def seed_year(world: World) -> World:
    build_seed_year(world)
    return world


def report(*args: str) -> str:
    out = StringIO()
    call_command("report", "progress", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_json_is_the_interchange_shape_with_the_seeds_figures(seed_year: World) -> None:
    got = json.loads(report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31",
                            "--format", "json"))
    assert (got["site"], got["fiscal_year"], got["as_of"]) == ("tamashima", 2013, "2013-10-31")
    assert got["indicators"] == SEED
    assert list(got["indicators"]) == ["placements", "referrals", "developed_postings", "developed_openings"]


def test_wareki_and_full_width_input_give_the_same_report(seed_year: World) -> None:
    plain = report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31")
    for fy, as_of in (("平成２５年度", "平成25年10月31日"), ("H25", "H25.10.31"), ("２０１３", "２０１３－１０－３１")):
        assert json.loads(report("--site", "ｔａｍａｓｈｉｍａ", "--fiscal-year", fy, "--as-of", as_of))["indicators"] \
            == json.loads(plain)["indicators"]


def test_the_json_adds_the_progress_arithmetic_under_its_own_keys(seed_year: World) -> None:
    got = json.loads(report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31"))
    p = got["progress"]["placements"]
    assert p["share"] == pytest.approx(471 / 630, abs=1e-4)
    assert p["pace_needed_per_month"] == pytest.approx((630 - 471) / 5, abs=0.05)
    assert p["projection"]["low"] <= p["projection"]["point"] <= p["projection"]["high"]
    assert p["at_risk"] == (p["projection"]["point"] < 630)
    assert got["as_of_label"] == "平成25年10月末時点"


@pytest.mark.parametrize(("args", "message"), [
    (["--site", "nowhere", "--fiscal-year", "2013"], "拠点「nowhere」はありません"),
    (["--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-02-30"], "存在しない日付"),
    (["--site", "tamashima", "--fiscal-year", "2013", "--as-of", "そのうち"], "日付として読めません"),
    (["--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-03-31"], "開始前"),
    (["--site", "tamashima", "--fiscal-year", "25年度"], "元号がない"),
])
def test_a_bad_site_or_date_exits_1_with_a_japanese_message(world: World, args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as e:
        report(*args)
    assert message in str(e.value)
    assert e.value.returncode == 1
    assert not AuditEvent.objects.filter(action=Action.EXPORT).exists()


def test_each_run_is_audited_as_an_export(seed_year: World, tmp_path: Path) -> None:
    report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31")
    report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31", "--format", "xlsx",
           "--out", str(tmp_path / "r.xlsx"))
    rows = AuditEvent.objects.filter(action=Action.EXPORT, model="plans.Target")
    assert sorted(r.detail["format"] for r in rows) == ["json", "xlsx"]


HEADINGS = ["25年度事業目標", "取組状況（25年10月末時点）", "（参考）24年度目標", "（参考）24年度実績",
            "（24年4月～25年3月）", "求職者への職業紹介", "求人開拓"]


def test_the_html_is_one_printable_page_with_the_seeds_table(seed_year: World, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31", "--format", "html",
           "--out", str(out))
    html = out.read_text(encoding="utf-8")
    for text in [*HEADINGS, "630人", "471人", "1,200人", "877人", "1,100人", "3,445件", "636人", "728件",
                 "1,317人", "職業相談員4名", "就職支援ナビゲーター2名", "求人情報提供端末8台", "職業紹介端末3台"]:
        assert text in html, text
    assert "@page" in html and "<svg" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere


pdf_tools = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdffonts"),
                               reason="poppler-utils (pdftotext, pdffonts) is not installed")


@pdf_tools
def test_the_pdf_reads_back_with_the_figures_in_an_embedded_cjk_font(seed_year: World, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31", "--format", "pdf",
           "--out", str(out))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"],  # noqa: S603, S607 — poppler's tool on PATH
                          capture_output=True, text=True, check=True).stdout
    squeezed = "".join(text.split())
    for figure in [*HEADINGS, "630人", "471人", "1,200人", "877人", "1,100人", "3,445件", "636人", "1,317人",
                   "ワークプラザたましま", "職業相談員4名"]:
        assert figure in squeezed, figure
    fonts = subprocess.run(["pdffonts", str(out)],  # noqa: S603, S607 — poppler's tool on PATH
                           capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk)  # embedded


def test_the_xlsx_lays_out_the_table_with_numbers_as_numbers(seed_year: World, tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    report("--site", "tamashima", "--fiscal-year", "2013", "--as-of", "2013-10-31", "--format", "xlsx",
           "--out", str(out))
    wb = load_workbook(out)
    ws = wb["事業目標と取組状況"]
    header = [c.value for c in ws[4]]
    assert header[2:4] == ["25年度事業目標", "取組状況（25年10月末時点）"]
    assert header[6].startswith("（参考）24年度目標") and header[7].startswith("（参考）24年度実績")
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[1]}
    by_label = {"就職件数": "placements", "紹介件数": "referrals", "開拓求人件数": "developed_postings",
                "開拓求人数": "developed_openings"}
    for label, key in by_label.items():
        target, actual, _share, _projection, prior_target, prior_actual = rows[label][2:8]
        assert (target, actual, prior_target, prior_actual) == tuple(SEED[key].values())
    assert isinstance(rows["就職件数"][3], int)
    assert ws.cell(row=5, column=4).number_format.endswith('"人"')
    months = wb["月別"]
    assert sum(months.cell(row=r, column=2).value or 0 for r in range(2, 14)) == 471
