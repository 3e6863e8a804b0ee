"""Records as the API gives them: loaded through ``visible_to`` (so cut for the integration and noted in the
audit scope), written out field by field. A field the policy hid is null."""

from __future__ import annotations

from typing import Any

from django.db import models

from kakehashi.employers.models import Employer
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral, TrialEmployment
from kakehashi.seekers.models import Seeker


def shown(record: models.Model, name: str) -> Any:
    """The field's value, or None where the policy hid it from the user the record was loaded for."""
    if name in getattr(record, "_policy_hidden", frozenset()):
        return None
    return getattr(record, name)


def place(record: Any) -> dict[str, Any]:
    town = record.town
    return {"postal_code": record.postal_code, "municipality": town.municipality if town else None,
            "town": town.name if town else None, "area": (town.area or None) if town else None}


def posting(p: Posting) -> dict[str, Any]:
    return {
        "posting_id": p.posting_id, "employer_id": p.employer.employer_id, "employer_name": p.employer.name,
        "site": p.site.code, "received_on": p.received_on, "closes_on": p.closes_on,
        "occupation": p.occupation_id, "occupation_name": p.occupation.name, "occupation_minor": p.occupation_minor,
        "openings": p.openings, "employment": p.employment, "wage_min": p.wage_min, "wage_max": p.wage_max,
        "wage_unit": p.wage_unit, "hours": p.hours, "place": place(p),
        "required_qualifications": [str(q) for q in p.required_qualifications or []],
        "experience_required": p.experience_required, "trial_employment_ok": p.trial_employment_ok,
        "developed": p.developed, "source": p.source, "title": p.title, "description": p.description, "updated_at": p.updated_at,
    }


def employer(e: Employer) -> dict[str, Any]:
    return {
        "employer_id": e.employer_id, "name": e.name, "name_kana": e.name_kana, "industry": e.industry_id,
        "industry_name": e.industry.name, "place": place(e), "employees": e.employees,
        "center_member": e.center_member, "phone": e.phone, "updated_at": e.updated_at,
    }


def seeker(s: Seeker) -> dict[str, Any]:
    site = shown(s, "site")
    referring = shown(s, "referring_agency")
    return {
        "seeker_id": s.seeker_id, "status": s.status, "registered_on": s.registered_on,
        "registered_by": s.registered_by, "name": s.name, "name_kana": s.name_kana, "birth_year": s.birth_year,
        "phone": s.phone, "place": place(s), "desired_employment": s.desired_employment,
        "desired_occupations": [d.occupation_id for d in s.desired_occupations.all()],
        "min_wage": s.min_wage, "wage_unit": s.wage_unit, "max_commute_km": s.max_commute_km,
        "desired_hours": s.desired_hours, "qualifications": [str(q) for q in s.qualifications or []],
        "gap_years": s.gap_years, "note": s.note,
        "site": site.code if site is not None else None,
        "welfare_recipient": shown(s, "welfare_recipient"),
        "barriers": shown(s, "barriers"),
        "referred_by": shown(s, "referred_by"),
        "referring_agency": referring.code if referring is not None else None,
        # through the presented seeker: consents the integration may not see (one to a welfare office, for an
        # agency that may not know welfare status) are not among them
        "consents": [{"party": c.party, "purpose": c.purpose, "given_on": c.given_on, "withdrawn_on": c.withdrawn_on}
                     for c in s.consents.all()],
        "anonymised_on": s.anonymised_on, "updated_at": s.updated_at,
    }


def trial(r: Referral) -> dict[str, Any] | None:
    """The referral's trial employment (loaded with it: ``select_related("trial")``), if it has one."""
    try:
        t = r.trial
    except TrialEmployment.DoesNotExist:
        return None
    return {"started_on": t.started_on, "planned_end_on": t.planned_end_on, "outcome": t.outcome,
            "ended_on": t.ended_on}


def referral(r: Referral) -> dict[str, Any]:
    return {
        "referral_id": r.referral_id, "seeker_id": r.seeker.seeker_id, "posting_id": r.posting.posting_id,
        "referred_on": r.referred_on, "stage": r.stage.value, "outcome": r.outcome, "outcome_on": r.outcome_on,
        "reason": r.reason, "interview_on": r.interview_on, "trial_employment": r.trial_employment,
        "trial": trial(r),
        "employer_note": shown(r, "employer_note"), "updated_at": r.updated_at,
    }
