"""The staff forms under generated input (hypothesis): every form of seekers, employers, postings, referrals and
the welfare desk, posted by a user who may post it, with some fields replaced by anything at all — full-width
text, NUL and control characters, huge numbers, dates in year 9999, formulas. No request ends in a server error
(the test client would raise it), the page after a redirect renders too, and a refused form saves nothing.

Settings in tests/fuzzing.py (``KAKEHASHI_FUZZ_EXAMPLES`` for a longer run).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kakehashi.accounts.models import Agency
from kakehashi.accounts.policy import ROUTES, can
from kakehashi.referrals.actions import do_record_outcome
from kakehashi.welfare import actions as welfare
from kakehashi.welfare.models import SupportRequest
from tests.fuzzing import fuzz, nasty_text
from tests.world import World, client_for

D = datetime.date

# What a form may write, counted before and after: rows of each model and the latest change of those that keep
# one. Reads are audited on every page, so only the audit rows of changes are counted.
WRITTEN = ["seekers.Seeker", "seekers.Consent", "seekers.Consultation", "seekers.DesiredOccupation",
           "seekers.Experience", "employers.Employer", "employers.EmployerVisit", "postings.Posting",
           "referrals.Referral", "referrals.ReferralEvent", "referrals.TrialEmployment", "referrals.FollowUp",
           "referrals.Contribution", "referrals.ReferralSettings", "welfare.SupportRequest", "welfare.SupportPlan"]


def snapshot() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label in WRITTEN:
        model = apps.get_model(label)
        out[label] = model.objects.count()
        if any(f.name == "updated_at" for f in model._meta.fields):
            out[label + ".updated_at"] = model.objects.aggregate(m=Max("updated_at"))["m"]
    audit = apps.get_model("audit.AuditEvent")
    out["audit"] = audit.objects.exclude(action="view").count()
    return out


@dataclass
class Form:
    """One form: the route, who posts it (the first of ``users`` the policy lets), its URL and good data, and
    what must exist first."""

    route: str
    users: tuple[str, ...]
    url: Callable[[World, Any], str]
    data: Callable[[World], dict[str, str]]
    setup: Callable[[World], Any] = field(default=lambda w: None)


def seeker_data(w: World) -> dict[str, str]:
    return {"name": "新規 花子", "name_kana": "しんき はなこ", "site": str(w.tamashima.pk), "registered_on": "令和７年５月１日",
            "birth_year": "１９７２", "postal_code": "７１３－８１２１", "desired_employment": "full_time",
            "min_wage": "１８０，０００", "wage_unit": "month", "max_commute_km": "１０", "desired_1": "073",
            "experience_1": "073", "experience_1_years": "８", "referred_by": "self", "status": "active",
            "qualifications": "フォークリフト、普通自動車免許", "phone": "086-000-0000", "gap_years": "2",
            "desired_hours": "9-17", "barriers": "", "note": "メモ"}


def employer_data(w: World) -> dict[str, str]:
    return {"employer_id": "E-77", "name": "新規工業株式会社", "name_kana": "しんきこうぎょう", "industry": "11",
            "postal_code": "713-8121", "employees": "10", "center_member": "on", "phone": "086-000-0000"}


def posting_data(w: World) -> dict[str, str]:
    return {"posting_id": "33010-77", "employer": str(w.employer.pk), "site": str(w.tamashima.pk),
            "received_on": "2025-06-01", "closes_on": "2025-08-31", "occupation": "073", "title": "検品",
            "openings": "1", "employment": "part_time", "wage_min": "1000", "wage_max": "1200", "wage_unit": "hour",
            "hours": "9-15", "postal_code": "713-8121", "required_qualifications": "", "description": "説明",
            "trial_employment_ok": "on"}


def hired(w: World) -> None:
    do_record_outcome(w.referral, outcome="hired", outcome_on=D(2025, 6, 1), acting_user=w.hana)


def filed(w: World) -> SupportRequest:
    return welfare.do_file_support_request(w.seekers["s_welfare"], site=w.tamashima, requested_on=D(2025, 6, 2),
                                           needs="", consent_given_on=D(2025, 6, 2), acting_user=w.fuku)


def accepted(w: World) -> SupportRequest:
    return welfare.do_accept_support_request(filed(w), accepted_on=D(2025, 6, 5), acting_user=w.naoki)


def referral_url(name: str) -> Callable[[World, Any], str]:
    return lambda w, _: reverse(name, args=[w.referral.pk])


def case_url(name: str) -> Callable[[World, Any], str]:
    return lambda w, case: reverse(name, args=[case.pk])


HW = ("hana", "naoki", "admin")
FORMS = {f.route: f for f in [
    Form("seekers:create", HW, lambda w, _: reverse("seekers:create"), seeker_data),
    Form("seekers:edit", HW, lambda w, _: reverse("seekers:edit", args=[w.seekers["s_hw"].pk]), seeker_data),
    Form("seekers:consent_add", HW, lambda w, _: reverse("seekers:consent_add", args=[w.seekers["s_hw"].pk]),
         lambda w: {"party": "city", "purpose": "share", "given_on": "令和7年4月1日"}),
    Form("seekers:consultation_add", HW,
         lambda w, _: reverse("seekers:consultation_add", args=[w.seekers["s_hw"].pk]),
         lambda w: {"held_on": "2025-06-01", "kind": "job", "notes": "相談"}),
    Form("employers:create", ("sen", *HW), lambda w, _: reverse("employers:create"), employer_data),
    Form("employers:edit", ("sen", *HW), lambda w, _: reverse("employers:edit", args=[w.employer.pk]), employer_data),
    Form("employers:visit_create", ("naoki", "sen", "admin"),
         lambda w, _: reverse("employers:visit_create", args=[w.employer.pk]),
         lambda w: {"visited_on": "2025-05-20", "method": "visit", "hiring_need_occupations": "073",
                    "hiring_need_openings": "2", "hiring_timing": "秋", "open_to_trial": "true", "for_seeker": "S-HW-1",
                    "resulting_posting": str(w.posting.pk), "note": "メモ"}),
    Form("postings:create", HW, lambda w, _: reverse("postings:create"), posting_data),
    Form("postings:edit", HW, lambda w, _: reverse("postings:edit", args=[w.posting.pk]), posting_data),
    Form("referrals:create", HW, lambda w, _: reverse("referrals:create"),
         lambda w: {"seeker_id": "S-HW-1", "posting_id": "33010-00001", "referred_on": "2025-06-01"}),
    Form("referrals:detail", HW, referral_url("referrals:detail"),
         lambda w: {"outcome": "rejected", "outcome_on": "2025-06-12", "reason": "skills", "employer_note": "所見"}),
    Form("referrals:interview", HW, referral_url("referrals:interview"),
         lambda w: {"interview_on": "2025-06-09", "note": "10時"}),
    Form("referrals:trial_start", HW, referral_url("referrals:trial_start"),
         lambda w: {"started_on": "2025-07-01", "planned_end_on": ""}),
    Form("referrals:follow_up", HW, referral_url("referrals:follow_up"),
         lambda w: {"milestone": "1", "checked_on": "2025-07-01", "still_employed": "1", "same_employer": "1",
                    "note": ""}, setup=hired),
    Form("referrals:contributor", HW, referral_url("referrals:contributor"),
         lambda w: {"agency": str(Agency.objects.get(code="kurashiki-city").pk)}),
    Form("referrals:settings", ("hiro", "admin"), lambda w, _: reverse("referrals:settings"),
         lambda w: {"site": "tamashima", "tamashima-reminder_days": "10", "tamashima-expiry_days": "60",
                    "tamashima-trial_notice_days": "14"}),
    Form("welfare:create", ("fuku",), lambda w, _: reverse("welfare:create") + f"?seeker={w.seekers['s_welfare'].pk}",
         lambda w: {"site": str(w.tamashima.pk), "requested_on": "2025-06-02", "needs": "ブランク",
                    "consent_given_on": "2025-06-01", "consent_confirmed": "on"}),
    Form("welfare:accept", ("naoki", "hana", "admin"), case_url("welfare:accept"),
         lambda w: {"accepted_on": "2025-06-05"}, setup=filed),
    Form("welfare:plan", ("naoki", "fuku", "admin"), case_url("welfare:plan"),
         lambda w: {"goals": "就職", "steps": "面接練習", "visit_schedule": "毎週", "visit_interval_days": "7"},
         setup=accepted),
    Form("welfare:visit", ("naoki", "fuku", "admin"), case_url("welfare:visit"),
         lambda w: {"on": "2025-06-10", "attended": "1", "note": "来所"}, setup=accepted),
    Form("welfare:close", ("naoki", "fuku", "admin"), case_url("welfare:close"),
         lambda w: {"closed_on": "2025-07-01", "outcome": "employed", "benefit_change": "reduced", "note": ""},
         setup=accepted),
]}


def poster(world: World, form: Form) -> str:
    route = ROUTES[form.route]
    capability = route.capability or route.post_capability
    for username in form.users:
        if capability is None or can(world.users[username], capability):
            return username
    raise AssertionError(f"none of {form.users} may post {form.route}")


@st.composite
def mutations(draw: st.DrawFn, keys: list[str]) -> dict[str, str]:
    """One to three fields replaced by anything; sometimes a field the form does not have."""
    chosen = draw(st.lists(st.sampled_from([*keys, "unexpected_field"]), min_size=1, max_size=3, unique=True))
    return {k: draw(nasty_text) for k in chosen}


class _RollBack(Exception):
    """Ends an example's transaction so the next one starts from the same world."""


def refused(c: Client, url: str, data: dict[str, str]) -> bool:
    """Post; follow a redirect (its page must render too). Whether the form was refused: shown again, denied,
    or back on its page with the step's "could not record" message."""
    r = c.post(url, data)
    assert r.status_code < 500
    if r.status_code != 302:
        return True
    page = c.get(r["Location"])
    assert page.status_code < 500
    return "記録できませんでした" in page.content.decode()


@pytest.mark.parametrize("route", sorted(FORMS))
def test_every_form_survives_anything_and_saves_nothing_when_it_refuses(world: World, route: str) -> None:
    form = FORMS[route]
    username = poster(world, form)
    c = client_for(username)
    context = form.setup(world)
    url = form.url(world, context)
    base = form.data(world)

    def attempt(data: dict[str, str]) -> bool:
        """Post in a transaction rolled back afterwards, so that every attempt starts from the same world;
        whether it was refused."""
        before = snapshot()
        try:
            with transaction.atomic():
                was_refused = refused(c, url, data)
                if was_refused:
                    assert snapshot() == before, data
                raise _RollBack(was_refused)
        except _RollBack as outcome:
            return bool(outcome.args[0])

    assert not attempt(base), "the good data is accepted"

    @fuzz(30)
    @given(changes=mutations(sorted(base)))
    def run(changes: dict[str, str]) -> None:
        attempt({**base, **changes})

    run()
