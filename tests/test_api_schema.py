"""The API against its own OpenAPI document, with Schemathesis in-process: every operation, at least 100
generated requests each (valid and invalid ones), every check Schemathesis has — no server error, every status,
media type, header and body as the document declares them, invalid input refused, valid input not refused, the
token enforced.

The requests carry the token of a Hello Work integration holding every scope, against the test world with its
canaries planted, so that reads find records and writes meet the rules of the domain. Run with ``-s`` to see the
figures (operations, requests, seconds); ``make test`` runs it on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test import Client
from hypothesis import HealthCheck, settings

from kakehashi.accounts.models import Agency
from kakehashi.accounts.policy import SCOPES
from kakehashi.api.actions import do_create_integration
from kakehashi.referrals.models import TrialEmployment
from tests.canaries import plant
from tests.world import World

CASES = 100
# Valid requests the document cannot tell from invalid ones: rules that span fields or stored records (a reason
# that fits the outcome, a date after the referral, an as-of date in the fiscal year, the rows of an uploaded CSV)
# are answered 422 naming the field or row. Every other operation keeps Schemathesis's own list.
CROSS_CHECKED = ["referral_create", "referral_outcome", "trial_start", "trial_end", "progress", "import"]
CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    # the token is the test's to send (see ``token``), not a parameter to generate
    "generation": {"mode": "all", "max-examples": CASES + 50, "database": "none", "with-security-parameters": False},
    "operations": [{
        "include-operation-id": CROSS_CHECKED,
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]}},
    }],
})
# Records of the test world each path and the progress query may name, and a body each write could be sent with,
# given to Schemathesis as the document's examples: besides the generated ids (which find nothing, 404), each
# operation is also tried on a record that exists, so reads answer 200 and writes meet the rules of the domain.
EXAMPLES = {"posting_id": "33010-00001", "employer_id": "E-1", "seeker_id": "S-HW-1", "referral_id": "R-1",
            "site": "tamashima", "fiscal_year": 2025}
# trial/end on the canaries' referral, whose trial employment the fixture starts (R-1 has none to end)
PATH_EXAMPLES = {"trial_end": {"referral_id": "R-CANARY"}}
BODIES = {
    "referral_create": {"seeker_id": "S-HW-1", "posting_id": "33010-00001", "referred_on": "2025-06-02"},
    "referral_outcome": {"outcome": "hired", "outcome_on": "2025-06-20"},
    "trial_start": {"started_on": "2025-05-12"},
    "trial_end": {"outcome": "converted", "ended_on": "2025-08-11"},
}


def _document() -> dict[str, Any]:
    """The API's OpenAPI document as it is served, with the examples above on the parameters they name."""
    document: dict[str, Any] = json.loads(Client().get("/api/v1/openapi.json").content)
    for methods in document["paths"].values():
        for op in methods.values():
            for param in op.get("parameters", []):
                if param["name"] in EXAMPLES:
                    param["example"] = PATH_EXAMPLES.get(op["operationId"], EXAMPLES)[param["name"]]
            if op["operationId"] in BODIES:
                op["requestBody"]["content"]["application/json"]["example"] = BODIES[op["operationId"]]
    return document


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)
schema.app = WSGIHandler()
schema.location = "/api/v1/openapi.json"

SENT: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()
ANSWERS: dict[str, Counter[int]] = {}


@pytest.fixture
def token(world: World) -> Iterator[str]:
    """A Hello Work integration with every scope, and a database connection that stays open across requests
    (Django closes it at each request's end, which on PostgreSQL would end the test's transaction)."""
    canaries = plant(world)
    TrialEmployment.objects.create(referral=canaries.referral, started_on=datetime.date(2025, 5, 20),
                                   planned_end_on=datetime.date(2025, 8, 19))
    _integration, token = do_create_integration(
        name="fuzz", agency=Agency.objects.get(code="hw-kurashiki-chuo"), scopes=list(SCOPES),
        requests_per_minute=100_000, acting_user=None)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield token
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def counted(request: pytest.FixtureRequest) -> Iterator[str]:
    """The operation under test; after Schemathesis is done with it, the number of requests it sent."""
    label = request.node.callspec.id if hasattr(request.node, "callspec") else request.node.name
    started = time.perf_counter()
    yield label
    SECONDS[label] += time.perf_counter() - started
    statuses = " ".join(f"{code}×{n}" for code, n in sorted(ANSWERS.get(label, Counter()).items()))
    print(f"\n{label}: {SENT[label]} requests, {SECONDS[label]:.1f} s ({connection.vendor}); {statuses}")
    assert SENT[label] >= CASES, f"{label}: only {SENT[label]} generated requests"


@pytest.mark.django_db
@schema.parametrize()
# the world, the token and the open connection are meant to last across the generated requests
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_keeps_to_its_document(case: Any, token: str, counted: str) -> None:
    SENT[counted] += 1
    response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
    ANSWERS.setdefault(counted, Counter())[response.status_code] += 1
