"""Where a posting came from, wherever postings are shown: the list's 「HW求人」 badge and 求人の出所 filter, the
detail page, the list's CSV and Excel files, and the API's ``source``."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kakehashi.accounts.models import Agency
from kakehashi.api.actions import do_create_integration
from kakehashi.employers.models import Source
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Occupation
from tests.world import World, client_for


def _posting(world: World, posting_id: str, **kw: object) -> Posting:
    return Posting.objects.create(
        posting_id=posting_id,
        employer=world.employer,
        site=world.tamashima,
        received_on=datetime.date(2025, 4, 1),
        openings=1,
        postal_code="713-8121",
        occupation=Occupation.objects.get(code="073"),
        title=f"求人{posting_id}",
        **kw,
    )


@pytest.fixture
def postings(world: World) -> dict[str, Posting]:
    return {
        "developed": _posting(world, "DEV-1", developed=True),
        "local": _posting(world, "LOC-1"),
        "feed": _posting(world, "33010-FEED1", source=Source.FEED),
    }


def _listed(c: Client, **params: str) -> set[str]:
    r = c.get(reverse("postings:list"), {"open": "0", **params})
    assert r.status_code == 200
    return {p.posting_id for p in r.context["page"]}


def test_the_origin_filter_keeps_the_postings_of_each_origin(
    world: World, postings: dict[str, Posting]
) -> None:
    c = client_for("hiro")
    everything = _listed(c)
    assert {"DEV-1", "LOC-1", "33010-FEED1"} <= everything
    assert _listed(c, origin="feed") == {"33010-FEED1"} == _listed(c, origin="ＦＥＥＤ")
    assert _listed(c, origin="developed") == set(
        Posting.objects.filter(developed=True).values_list("posting_id", flat=True)
    )
    local = _listed(c, origin="local")
    assert {"DEV-1", "LOC-1"} <= local and "33010-FEED1" not in local
    assert _listed(c, origin="どこか") == everything


def test_the_list_marks_feed_postings_and_offers_the_filter(
    world: World, postings: dict[str, Posting]
) -> None:
    html = client_for("hiro").get(reverse("postings:list"), {"open": "0", "origin": "feed"}).content.decode()
    assert "求人の出所" in html and '<option value="feed" selected>' in html
    row = html[html.index("求人33010-FEED1") :]
    assert "HW求人" in row[: row.index("</tr>")]
    local = (
        client_for("hiro").get(reverse("postings:list"), {"open": "0", "origin": "local"}).content.decode()
    )
    assert "HW求人" not in local[local.index("<table") :]


@pytest.mark.parametrize(
    ("key", "said"),
    [("feed", "ハローワーク求人情報から取込"), ("developed", "この窓口で開拓"), ("local", "この窓口で受理")],
)
def test_the_detail_says_where_the_posting_came_from(
    world: World, postings: dict[str, Posting], key: str, said: str
) -> None:
    html = client_for("hiro").get(reverse("postings:detail", args=[postings[key].pk])).content.decode()
    assert f"<dt>求人の出所</dt><dd>{said}</dd>" in html


def test_the_list_files_carry_the_source(world: World, postings: dict[str, Posting]) -> None:
    c = client_for("hiro")
    text = c.get(reverse("postings:list"), {"open": "0", "format": "csv"}).content.decode("utf-8-sig")
    rows = {r["求人番号"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["33010-FEED1"]["登録元"] == "ハローワーク求人情報"
    assert rows["LOC-1"]["登録元"] == rows["DEV-1"]["登録元"] == "この窓口"
    book = load_workbook(io.BytesIO(c.get(reverse("postings:list"), {"open": "0", "format": "xlsx"}).content))
    sheet = [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]
    head = sheet[0]
    by_id = {row[head.index("求人番号")]: row[head.index("登録元")] for row in sheet[1:]}
    assert by_id["33010-FEED1"] == "ハローワーク求人情報" and by_id["LOC-1"] == "この窓口"


def test_the_api_gives_and_filters_by_the_source(world: World, postings: dict[str, Posting]) -> None:
    _, token = do_create_integration(
        name="hw-system",
        agency=Agency.objects.get(code="hw-kurashiki-chuo"),
        scopes=("postings:read",),
        requests_per_minute=10_000,
        acting_user=None,
    )
    c = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    one = c.get("/api/v1/postings/33010-FEED1")
    assert one.status_code == 200 and one.json()["source"] == "feed"
    assert c.get("/api/v1/postings/LOC-1").json()["source"] == "local"
    feed = c.get("/api/v1/postings", {"open": "false", "source": "feed"}).json()["items"]
    assert [p["posting_id"] for p in feed] == ["33010-FEED1"]
    local = {
        p["posting_id"]
        for p in c.get("/api/v1/postings", {"open": "false", "source": "local"}).json()["items"]
    }
    assert {"DEV-1", "LOC-1"} <= local and "33010-FEED1" not in local
    assert c.get("/api/v1/postings", {"source": "elsewhere"}).status_code == 422
