"""The API for other systems (/api/v1/, docs/api.md): tokens, scopes, the same records and fields as the
agency's staff, audit, problems, paging, ETags, rate limits, the import upload, and the administrator's tools.

Integrations of the test world: ``hw`` (Hello Work), ``city``, ``center`` (the Center) and ``welfare`` (the
Tamashima welfare office), each with the scopes a test gives it.
"""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from kakehashi.accounts import policy
from kakehashi.accounts.models import Agency
from kakehashi.api.actions import do_create_integration
from kakehashi.api.models import Integration, IntegrationAccount
from kakehashi.api.schemas import TrialEnding
from kakehashi.audit.models import AuditEvent
from kakehashi.employers.models import Employer
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral, TrialEmployment, TrialOutcome
from kakehashi.seekers.models import Seeker
from tests.canaries import ALLOWED, BARRIERS, CANARY_NAME, WELFARE_SIGNS, plant
from tests.world import World, client_for

API = "/api/v1"
AGENCIES = {"hw": "hw-kurashiki-chuo", "city": "kurashiki-city", "center": "kurashiki-center",
            "welfare": "tamashima-welfare"}
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "interchange" / "utf8"
FY2025_END = "2026-03-31"


def integration(key: str, *scopes: str, rate: int = 10_000, name: str = "") -> tuple[Integration, str]:
    return do_create_integration(name=name or f"{key}-system", agency=Agency.objects.get(code=AGENCIES[key]),
                                 scopes=scopes, requests_per_minute=rate, acting_user=None)


def client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def rows_after(pk: int, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=pk, **filters).order_by("pk").prefetch_related("persons"))


def last_audit() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def placements(c: Client) -> int:
    r = c.get(f"{API}/progress", {"site": "tamashima", "fiscal_year": 2025, "as_of": FY2025_END})
    assert r.status_code == 200, r.content
    return int(r.json()["indicators"]["placements"]["actual"])


def is_problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.content.decode()
    assert r["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["type"].startswith("urn:kakehashi:problem:")
    assert body["instance"] == r.wsgi_request.path
    return body


# --- the full loop, refusals and the field policy ------------------------------------------------------------------

def test_a_referral_made_and_hired_through_the_api_counts_in_progress(world: World) -> None:
    _i, token = integration("hw", "referrals:read", "referrals:write", "figures:read")
    c = client(token)
    before = placements(c)
    start = last_audit()

    r = c.post(f"{API}/referrals", {"seeker_id": "S-HW-1", "posting_id": "33010-00001",
                                    "referred_on": "2025-06-02"}, content_type="application/json")
    assert r.status_code == 201, r.content
    made = r.json()
    assert (made["seeker_id"], made["posting_id"], made["outcome"], made["stage"]) == (
        "S-HW-1", "33010-00001", "pending", "referred")
    r = c.put(f"{API}/referrals/{made['referral_id']}/outcome", {"outcome": "hired", "outcome_on": "2025-06-20"},
              content_type="application/json")
    assert r.status_code == 200, r.content
    assert (r.json()["outcome"], r.json()["outcome_on"]) == ("hired", "2025-06-20")

    assert placements(c) == before + 1
    referral = Referral.objects.get(referral_id=made["referral_id"])
    assert referral.staff is not None and referral.staff.get_username() == "api:hw-system"
    # the changes wrote their own rows (the actions), and each answer that showed the person one read row
    new = rows_after(start)
    assert {e.username for e in new} == {"api:hw-system"}
    assert [e.action for e in new if e.model == "referrals.Referral"] == ["create", "update"]
    reads = [e for e in new if e.action == "view" and e.model == "seekers.Seeker"]
    assert len(reads) == 2
    assert [e.model for e in new if e.action == "view" and e.model != "seekers.Seeker"] == ["api:progress"]
    assert [(p.seeker_id, p.basis) for p in reads[0].persons.all()] == [(world.seekers["s_hw"].pk, "holder")]
    assert reads[0].purpose == "職業紹介の記録（API）"
    assert reads[1].purpose == "紹介結果の記録（API）"


def test_an_operation_outside_the_tokens_scopes_is_refused_as_a_problem_and_audited(world: World) -> None:
    _i, token = integration("hw", "referrals:read", "referrals:write", "figures:read")
    start = last_audit()
    r = client(token).get(f"{API}/seekers")
    body = is_problem(r, 403)
    assert "seekers:read" in body["detail"] and body["title"] == "権限がありません"
    [denied] = rows_after(start)
    assert (denied.action, denied.username, denied.model) == ("denied", "api:hw-system", "api:seekers")
    assert denied.detail["reason"] == "scope" and denied.purpose == "求職者一覧（API）"


def test_every_use_of_a_token_is_audited_under_the_integrations_name(world: World) -> None:
    _i, token = integration("city", "postings:read", "targets:read")
    c = client(token)
    start = last_audit()
    assert c.get(f"{API}/postings", {"q": "プレス", "limit": 5}).status_code == 200
    assert c.get(f"{API}/targets").status_code == 200
    rows = rows_after(start)
    assert [(e.action, e.model, e.username, e.purpose) for e in rows] == [
        ("view", "api:postings", "api:city-system", "求人の検索（API）"),
        ("view", "api:targets", "api:city-system", "数値目標（API）")]
    assert rows[0].detail["query"] == {"q": "プレス", "limit": "5"} and not rows[0].persons.exists()


def test_a_parameter_the_operation_ignores_is_audited_as_it_can_be_stored(world: World) -> None:
    # PostgreSQL's JSON holds no NUL: a name or value carrying one once made the audit row, and the answer, fail.
    _i, token = integration("city", "employers:read")
    start = last_audit()
    r = client(token).get(f"{API}/employers?zp%00=a%00b&zp%00=c&long=" + "x" * 500)
    assert r.status_code == 200
    (row,) = rows_after(start)
    assert row.detail["query"] == {"zp\ufffd": ["a\ufffdb", "c"], "long": "x" * 200}


def test_a_center_integration_may_not_refer_even_with_the_write_scope(world: World) -> None:
    _i, token = integration("center", "referrals:write")
    r = client(token).post(f"{API}/referrals", {"seeker_id": "S-HW-1", "posting_id": "33010-00001",
                                                "referred_on": "2025-06-02"}, content_type="application/json")
    is_problem(r, 403)
    assert not Referral.objects.filter(seeker__seeker_id="S-HW-1").exists()


def test_a_center_integration_never_gets_a_welfare_field(world: World) -> None:
    c = plant(world)
    _i, center = integration("center", "seekers:read", "referrals:read")
    _j, hw = integration("hw", "seekers:read", "referrals:read")
    bodies = []
    for path in ("/seekers", f"/seekers/{c.seeker.seeker_id}", "/referrals", f"/referrals/{c.referral.referral_id}"):
        r = client(center).get(API + path)
        assert r.status_code == 200, r.content
        bodies.append(r.content.decode())
    text = "\n".join(bodies)
    assert CANARY_NAME in text  # the person consented to the Center
    assert [canary for canary, allowed in ALLOWED.items() if canary in text and not allowed & {"sen", "seiko"}] == []
    assert [sign for sign in WELFARE_SIGNS if sign in text] == []
    seeker = client(center).get(f"{API}/seekers/{c.seeker.seeker_id}").json()
    hidden = ("site", "welfare_recipient", "barriers", "referred_by", "referring_agency")
    assert {f: seeker[f] for f in hidden} == dict.fromkeys(hidden)
    assert {x["party"] for x in seeker["consents"]} == {"hello_work", "center"}
    assert client(center).get(f"{API}/referrals/{c.referral.referral_id}").json()["employer_note"] is None
    # Hello Work may know welfare status: the same person, the same fields, filled
    seen = client(hw).get(f"{API}/seekers/{c.seeker.seeker_id}").json()
    assert (seen["welfare_recipient"], seen["barriers"], seen["referring_agency"], seen["site"]) == (
        True, BARRIERS, "tamashima-welfare", "mizushima")


def test_a_record_the_integration_may_not_see_answers_like_a_missing_one_and_is_audited(world: World) -> None:
    _i, token = integration("city", "seekers:read")
    c = client(token)
    start = last_audit()
    hidden = c.get(f"{API}/seekers/S-HW-1")  # registered by Hello Work, no consent to the city
    missing = c.get(f"{API}/seekers/S-NOBODY")
    for r in (hidden, missing):
        is_problem(r, 404)
    strip = lambda r: {k: v for k, v in r.json().items() if k != "instance"}  # noqa: E731  # a one-line helper read where it is used
    assert strip(hidden) == strip(missing)
    [denied] = rows_after(start)
    assert (denied.action, denied.model, denied.object_ids, denied.username) == (
        "denied", "seekers.Seeker", ["S-HW-1"], "api:city-system")
    assert c.get(f"{API}/seekers/S-CITY-2").status_code == 200


def test_no_token_a_wrong_one_and_a_revoked_one_are_refused_with_401(world: World) -> None:
    integration_, token = integration("hw", "postings:read")
    for c in (Client(), Client(HTTP_AUTHORIZATION="Basic abc"), client("kh1.000000000000." + "a" * 43),
              client(token[:-1] + ("b" if token[-1] != "b" else "c"))):
        body = is_problem(r := c.get(f"{API}/postings"), 401)
        assert r["WWW-Authenticate"].startswith("Bearer") and body["title"] == "認証が必要です"
    assert client(token).get(f"{API}/postings").status_code == 200
    call_command("integration", "revoke", "hw-system", stdout=StringIO())
    start = last_audit()
    body = is_problem(client(token).get(f"{API}/postings"), 401)
    assert "失効" in body["detail"]
    [denied] = rows_after(start)
    assert (denied.action, denied.username, denied.detail["reason"]) == ("denied", "api:hw-system", "revoked")


def test_a_session_of_a_staff_member_is_not_a_token(world: World) -> None:
    is_problem(client_for("hana").get(f"{API}/postings"), 401)


# --- input, problems, paging, ETags, rate limits ------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"seeker_id": "S-HW-1", "posting_id": "33010-00001", "referred_on": "2025-06-02", "trial_employment": 0},
     "trial_employment"),
    ({"seeker_id": "S-HW-1", "posting_id": "33010-00001", "referred_on": 20250602}, "referred_on"),
    ({"seeker_id": 1, "posting_id": "33010-00001", "referred_on": "2025-06-02"}, "seeker_id"),
    ({"seeker_id": "S-HW-1", "posting_id": "33010-00001"}, "referred_on"),
    ({"seeker_id": "S-HW-1", "posting_id": "33010-00001", "referred_on": "2025-06-02", "staff": "x"}, "staff"),
    ({"seeker_id": "S-CITY-2", "posting_id": "33010-00001", "referred_on": "2025-06-02"}, "seeker_id"),
    ({"seeker_id": "S-HW-1", "posting_id": "NOPE", "referred_on": "2025-06-02"}, "posting_id"),
])
def test_input_that_cannot_be_used_names_its_field_and_changes_nothing(
        world: World, body: dict[str, Any], field: str) -> None:
    _i, token = integration("hw", "referrals:write")
    before = Referral.objects.count()
    problem = is_problem(client(token).post(f"{API}/referrals", body, content_type="application/json"), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert all(e["message"] and e["message"].isascii() is False for e in problem["errors"])  # said in Japanese
    assert Referral.objects.count() == before


def test_a_body_that_is_not_json_is_a_400_and_a_rule_of_the_domain_a_409(world: World) -> None:
    _i, token = integration("hw", "referrals:write")
    c = client(token)
    is_problem(c.post(f"{API}/referrals", "{not json", content_type="application/json"), 400)
    before = Referral.objects.count()
    body = is_problem(c.post(f"{API}/referrals", {"seeker_id": "S-HW-1", "posting_id": "33010-00001",
                                                  "referred_on": "2024-06-02"}, content_type="application/json"), 409)
    assert "受付期間外" in body["detail"]
    assert Referral.objects.count() == before
    # an outcome without the reason its kind needs: the field is named, the referral unchanged
    body = is_problem(c.put(f"{API}/referrals/R-1/outcome", {"outcome": "rejected", "outcome_on": "2025-05-10"},
                            content_type="application/json"), 422)
    assert [e["field"] for e in body["errors"]] == ["reason"]
    assert Referral.objects.get(referral_id="R-1").outcome == "pending"


def test_trial_employment_through_the_api(world: World) -> None:
    _i, token = integration("hw", "referrals:write")
    c = client(token)
    r = c.post(f"{API}/referrals/R-1/trial", {"started_on": "2025-05-12"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["trial"] == {"started_on": "2025-05-12", "planned_end_on": "2025-08-11", "outcome": "ongoing",
                                 "ended_on": None}
    assert (r.json()["outcome"], r.json()["outcome_on"]) == ("hired", "2025-05-12")
    is_problem(c.post(f"{API}/referrals/R-1/trial", {"started_on": "2025-05-12"}, content_type="application/json"),
               409)
    r = c.post(f"{API}/referrals/R-1/trial/end", {"outcome": "converted", "ended_on": "2025-08-11"},
               content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["trial"]["outcome"] == "converted"
    assert TrialEmployment.objects.get(referral__referral_id="R-1").outcome == "converted"


def test_the_trial_endings_the_api_takes_are_the_models_but_ongoing() -> None:
    assert set(TrialEnding.__args__) == set(TrialOutcome.values) - {"ongoing"}


def test_a_cursor_walks_every_record_once(world: World) -> None:
    for n in range(7):
        Employer.objects.create(employer_id=f"E-P{n}", name=f"ページ{n}", industry=world.employer.industry,
                                postal_code="713-8121")
    _i, token = integration("hw", "employers:read")
    c = client(token)
    seen: list[str] = []
    cursor = None
    while True:
        r = c.get(f"{API}/employers", {"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        seen += [e["employer_id"] for e in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(Employer.objects.values_list("employer_id", flat=True))
    assert len(seen) == len(set(seen)) == 8


def test_postings_are_searched_with_the_terminals_filters(world: World) -> None:
    Posting.objects.create(posting_id="33010-00002", employer=world.employer, site=world.tamashima,
                           received_on=datetime.date(2025, 4, 1), occupation=world.posting.occupation, openings=1,
                           postal_code="713-8121", title="検品スタッフ", employment="part_time", wage_unit="hour",
                           wage_min=1000, wage_max=1100)
    _i, token = integration("hw", "postings:read")
    c = client(token)

    def ids(**query: Any) -> list[str]:
        r = c.get(f"{API}/postings", query)
        assert r.status_code == 200, r.content
        return [p["posting_id"] for p in r.json()["items"]]

    assert ids() == ["33010-00001", "33010-00002"]
    assert ids(q="ﾌﾟﾚｽ機") == ["33010-00001"]  # half-width katakana folded as the staff lists fold it
    assert ids(q="プレス 縫製") == ["33010-00001"]  # every word, in any of the fields
    assert ids(wage_at_least=190000) == ["33010-00001"]
    assert ids(wage_at_least=1050, wage_unit="hour") == ["33010-00002"]
    assert ids(employment="part_time") == ["33010-00002"]
    assert ids(trial_employment_ok="true") == ["33010-00001"]
    assert ids(received_since="2025-04-02") == []


def test_an_etag_answers_304_when_nothing_changed(world: World) -> None:
    _i, token = integration("hw", "seekers:read")
    c = client(token)
    first = c.get(f"{API}/seekers/S-HW-1")
    etag = first["ETag"]
    start = last_audit()
    again = c.get(f"{API}/seekers/S-HW-1", HTTP_IF_NONE_MATCH=etag)
    assert (again.status_code, again["ETag"], again.content) == (304, etag, b"")
    assert rows_after(start) == []  # a 304 shows nothing
    Seeker.objects.filter(seeker_id="S-HW-1").update(phone="086-000-0000")
    changed = c.get(f"{API}/seekers/S-HW-1", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_a_token_over_its_rate_limit_is_told_when_to_retry(world: World) -> None:
    _i, token = integration("hw", "postings:read", rate=2)
    c = client(token)
    assert [c.get(f"{API}/postings").status_code for _ in range(2)] == [200, 200]
    r = c.get(f"{API}/postings")
    is_problem(r, 429)
    assert 1 <= int(r["Retry-After"]) <= 60
    assert Integration.objects.get(name="hw-system").last_used_at is not None


# --- matching and figures ------------------------------------------------------------------------------------------

def test_matches_both_ways_with_reasons(world: World) -> None:
    _i, token = integration("hw", "matches:read")
    c = client(token)
    start = last_audit()
    r = c.get(f"{API}/seekers/S-HW-1/matches")
    assert r.status_code == 200, r.content
    assert r.json()["items"][0]["posting_id"] == "33010-00001" and r.json()["items"][0]["reasons"]
    r = c.get(f"{API}/postings/33010-00001/matches", {"top": 50})
    assert r.status_code == 200, r.content
    shown = {m["seeker_id"] for m in r.json()["items"]}
    assert "S-HW-1" in shown and "S-CITY-2" not in shown  # the city's seeker without consent to Hello Work
    reads = rows_after(start, action="view")
    assert [e.purpose for e in reads] == ["おすすめ求人（API）", "候補者（API）"]
    assert {p.seeker_id for p in reads[1].persons.all()} == set(
        Seeker.objects.filter(seeker_id__in=shown).values_list("pk", flat=True))


def test_targets_and_progress_need_their_scopes(world: World) -> None:
    _i, token = integration("city", "targets:read")
    c = client(token)
    assert c.get(f"{API}/targets", {"site": "tamashima"}).status_code == 200
    is_problem(c.get(f"{API}/progress", {"site": "tamashima", "fiscal_year": 2025}), 403)
    _j, figures = integration("city", "figures:read", name="city-figures")
    c = client(figures)
    is_problem(c.get(f"{API}/progress", {"site": "nowhere", "fiscal_year": 2025}), 404)
    body = is_problem(c.get(f"{API}/progress", {"site": "tamashima", "fiscal_year": 2025, "as_of": "2024-01-01"}),
                      422)
    assert [e["field"] for e in body["errors"]] == ["as_of"]


# --- the import upload -------------------------------------------------------------------------------------------

def upload(name: str, text: str | None = None) -> SimpleUploadedFile:
    content = (FIXTURES / name).read_bytes() if text is None else text.encode("utf-8")
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_uploaded_import_is_written_whole_or_not_at_all(world: World) -> None:
    _i, token = integration("hw", "import:write")
    c = client(token)
    broken = (FIXTURES / "postings.csv").read_text(encoding="utf-8-sig").replace(",E-100,", ",E-999,", 1)
    before = (Employer.objects.count(), Posting.objects.count())
    start = last_audit()
    r = c.post(f"{API}/imports", {"employers": upload("employers.csv"), "postings": upload("postings.csv", broken)})
    body = is_problem(r, 422)
    assert [(e["file"], e["line"], e["column"]) for e in body["errors"]] == [("postings.csv", 2, "employer_id")]
    assert "E-999" in body["errors"][0]["message"]
    assert (Employer.objects.count(), Posting.objects.count()) == before
    r = c.post(f"{API}/imports", {"employers": upload("employers.csv"), "postings": upload("postings.csv")})
    assert r.status_code == 200, r.content
    assert [f["kind"] for f in r.json()["files"]] == ["employers", "postings"]
    assert Employer.objects.count() > before[0]
    assert {e.username for e in rows_after(start, action="import")} == {"api:hw-system"}


def test_an_uploaded_file_needs_the_capability_of_what_it_writes(world: World) -> None:
    _i, token = integration("center", "import:write")
    before = Seeker.objects.count()
    body = is_problem(client(token).post(f"{API}/imports", {"seekers": upload("seekers.csv")}), 403)
    assert "seekers.csv" in body["detail"]
    assert Seeker.objects.count() == before
    is_problem(client(token).post(f"{API}/imports", {}), 422)


# --- the policy's scopes -------------------------------------------------------------------------------------------

def test_a_scope_lends_only_what_the_agencys_staff_could_hold(world: World) -> None:
    _i, _t = integration("hw", "referrals:write", "import:write")
    _j, _u = integration("center", "referrals:write", "import:write")
    hw = IntegrationAccount.objects.get(username="api:hw-system")
    center = IntegrationAccount.objects.get(username="api:center-system")
    hw.scopes = frozenset(hw.integration.scopes)
    center.scopes = frozenset(center.integration.scopes)
    assert policy.can(hw, "referral.edit") and not policy.can(center, "referral.edit")
    assert policy.can(center, "employer.edit") and not policy.can(center, "seeker.edit")
    assert not policy.can(hw, "staff.administer") and not policy.can(hw, "welfare.read")
    # an account without its token's scopes holds nothing; staff members are asked as before
    assert not policy.can(IntegrationAccount.objects.get(pk=hw.pk), "referral.edit")
    assert policy.can(world.hana, "referral.edit") and not policy.can(world.sen, "referral.edit")


# --- the administrator's tools -------------------------------------------------------------------------------------

def test_the_command_creates_lists_and_revokes_integrations(world: World) -> None:
    out, err = StringIO(), StringIO()
    call_command("integration", "create", "welfare-case-system", "--agency", "tamashima-welfare",
                 "--scope", "seekers:read,referrals:read", stdout=out, stderr=err)
    token = out.getvalue().strip()
    made = Integration.objects.get(name="welfare-case-system")
    assert token.startswith(f"kh1.{made.token_prefix}.") and token not in (made.token_hash, str(made.__dict__))
    assert "今回だけ" in err.getvalue()
    assert client(token).get(f"{API}/seekers/S-WEL-1").status_code == 200  # the person its office referred
    listing = StringIO()
    call_command("integration", "list", "--json", stdout=listing)
    [row] = json.loads(listing.getvalue())
    assert (row["name"], row["agency"], row["scopes"], row["revoked_at"]) == (
        "welfare-case-system", "tamashima-welfare", ["referrals:read", "seekers:read"], None)
    with pytest.raises(CommandError, match="スコープ"):
        call_command("integration", "create", "other", "--agency", "tamashima-welfare", "--scope", "all",
                     stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="すでに使われています"):
        call_command("integration", "create", "welfare-case-system", "--agency", "tamashima-welfare",
                     "--scope", "seekers:read", stdout=StringIO(), stderr=StringIO())
    call_command("integration", "revoke", "welfare-case-system", stdout=StringIO())
    assert client(token).get(f"{API}/seekers/S-WEL-1").status_code == 401
    assert set(AuditEvent.objects.filter(model="api.Integration").values_list("action", flat=True)) == {
        "create", "update", "denied"}


def test_the_administrator_makes_an_integration_on_its_page_and_sees_the_token_once(world: World) -> None:
    admin = client_for("admin")
    r = admin.post("/api/integrations/", {"name": "city-portal", "agency": Agency.objects.get(code="kurashiki-city").pk,
                                          "scopes": ["postings:read"], "requests_per_minute": 60})
    assert r.status_code == 200
    made = Integration.objects.get(name="city-portal")
    page = r.content.decode()
    token = page.split('<code id="token">')[1].split("</code>")[0]
    assert token.startswith(f"kh1.{made.token_prefix}.") and client(token).get(f"{API}/postings").status_code == 200
    assert token not in admin.get("/api/integrations/").content.decode()
    r = admin.post("/api/integrations/revoke/", {"integration": made.pk})
    assert r.status_code == 302
    assert Integration.objects.get(pk=made.pk).revoked_at is not None
    assert client_for("hana").get("/api/integrations/").status_code == 403


def test_the_reference_page_runs_only_the_projects_own_scripts(world: World) -> None:
    r = Client().get(f"{API}/docs")
    assert r.status_code == 200
    html = r.content.decode()
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    scripts = html.split("<script")[1:]
    assert scripts and all('type="application/json"' in s.split(">")[0] or 'src="/static/' in s.split(">")[0]
                           for s in scripts)
    assert "cdn" not in html.lower()
    assert Client().get(f"{API}/openapi.json").json()["info"]["title"] == "Kakehashi API"
