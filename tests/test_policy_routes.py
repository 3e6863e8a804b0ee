"""Every URL of the project, as every user of the test world, against records planted with canaries.

Four properties, for every response:
- a route refuses (403) exactly the users who lack its capability (``accounts.policy.ROUTES``), apart from
  refusals that depend on the record (an agreement of another party) or on the person's consent (the profile);
- no canary appears before a user the specification (``tests.canaries.ALLOWED``) does not name, and a user
  who may not know welfare status sees no sign of it beside the person's name;
- a response that shows a person writes exactly one audit row naming them, with the page's purpose; a refusal
  writes one row; a redirect after a change writes no read row;
- every URL pattern has its entry in ``accounts.policy.ROUTES`` (a URL added without one fails here).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation

from kakehashi.accounts.policy import CAPABILITIES, ROUTES, Route, can
from kakehashi.audit.models import AuditEvent
from kakehashi.seekers.models import Seeker
from tests.canaries import ALLOWED, CANARY_NAME, NOT_TOLD_WELFARE, WELFARE_SIGNS, Canaries, plant
from tests.terminals import terminal_and_ticket
from tests.world import USERNAMES, World, client_for


def url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
            elif p.name:
                names.add(prefix + p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_pattern_has_a_route_and_every_route_a_url() -> None:
    assert url_names() - set(ROUTES) == set(), "URLs without an entry in accounts.policy.ROUTES"
    assert set(ROUTES) - url_names() == set(), "entries in accounts.policy.ROUTES without a URL"


def test_every_route_that_needs_a_signed_in_user_states_its_purpose() -> None:
    assert [name for name, r in ROUTES.items() if not r.public and not r.purpose] == []


@dataclass(frozen=True)
class Call:
    name: str
    url: str
    method: str


def arguments(world: World, c: Canaries) -> dict[str, list[object]]:
    """The values tried for each kind of URL argument."""
    terminal, ticket = terminal_and_ticket(world)
    return {
        "terminal.Terminal": [terminal.pk],
        "terminal.Ticket": [ticket.pk],
        "seekers.Seeker": [c.seeker.pk, c.hw_only.pk],
        "seekers.Consent": [c.consent.pk],
        "referrals.Referral": [c.referral.pk],
        "welfare.SupportRequest": [c.case.pk],
        "employers.Employer": [world.employer.pk],
        "employers.EmployerVisit": [c.visit.pk, c.hw_visit.pk],
        "postings.Posting": [world.posting.pk],
        "governance.Agreement": [c.agreement.pk],
        "governance.Request": [c.request.pk],
        "governance.CouncilMeeting": [c.meeting.pk],
        "governance.Attendee": [c.attendee.pk],
        "governance.FollowUp": [c.council_follow_up.pk],
        "accounts.Staff": [world.hana.pk],
        "accounts.Site": ["tamashima", "mizushima"],
        "fiscal_year": ["2025"],
        "plans.Indicator": ["placements", "referrals"],
    }


def queries(c: Canaries) -> dict[str, list[str]]:
    """Query strings tried besides none: the ones that name a record or choose people by a field."""
    seeker = c.seeker.pk
    return {
        "seekers:list": ["?site=mizushima", "?welfare=1", "?q=見張"],
        "welfare:create": [f"?seeker={seeker}"],
        "referrals:create": [f"?seeker={seeker}"],
        "development:targets": ["?site=mizushima", "?site="],
        "plans:report": ["?format=xlsx"],
    }


def calls(world: World, c: Canaries) -> Iterator[Call]:
    args, extra = arguments(world, c), queries(c)
    for name, route in sorted(ROUTES.items()):
        if name in ("logout", "set_language", "login"):
            continue
        kinds = route.records
        for values in itertools.product(*(args[k] for k in kinds.values())):
            url = reverse(name, kwargs=dict(zip(kinds, values, strict=True)))
            for q in ["", *extra.get(name, [])]:
                yield Call(name, url + q, "GET")
            yield Call(name, url, "POST")


def fetch(client: Client, call: Call) -> tuple[int, str]:
    r = client.get(call.url) if call.method == "GET" else client.post(call.url, {})
    return r.status_code, r.content.decode("utf-8", "replace")


def names_a_record(call: Call) -> bool:
    """A 404 is a refusal when the URL names a record (all the records tried exist); otherwise it is plain
    "not found" (a form opened without the record it needs) and writes nothing."""
    return bool(ROUTES[call.name].records) or "seeker=" in call.url


def names_in(body: str, seekers: dict[str, int]) -> set[int]:
    return {pk for name, pk in seekers.items() if name in body}


@pytest.mark.parametrize("username", USERNAMES)
def test_no_page_shows_a_canary_to_a_user_the_rules_do_not_allow(world: World, username: str) -> None:
    c = plant(world)
    client = client_for(username)
    leaks = []
    for call in calls(world, c):
        status, body = fetch(client, call)
        assert status != 500, call
        for canary, allowed in ALLOWED.items():
            if canary in body and username not in allowed:
                leaks.append((call, canary))
        if username in NOT_TOLD_WELFARE and CANARY_NAME in body:
            leaks += [(call, sign) for sign in WELFARE_SIGNS if sign in body]
    assert leaks == []


def _japanese(purpose: str) -> str:
    with translation.override("ja"):
        return str(translation.gettext(purpose))


def _route(name: str) -> Route:
    return ROUTES[name]


@pytest.mark.parametrize("username", USERNAMES)
def test_every_route_refuses_whom_the_policy_refuses_and_audits_what_it_shows(
        world: World, username: str) -> None:
    c = plant(world)
    client = client_for(username)
    user = world.users[username]
    seekers = dict(Seeker.objects.values_list("name", "pk"))
    problems = []
    for call in calls(world, c):
        before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        status, body = fetch(client, call)
        route = ROUTES[call.name]
        needed = [n for n in (route.capability, route.post_capability if call.method == "POST" else "") if n]
        allowed = all(can(user, n) for n in needed)
        if not allowed and status != 403:
            problems.append((call, "not refused", status))
        elif allowed and status == 403 and not any(CAPABILITIES[n].of_record for n in needed) \
                and call.name != "development:profile":
            problems.append((call, "refused", status))
        new = list(AuditEvent.objects.filter(pk__gt=before).prefetch_related("persons"))
        # The rows of what the page showed (a change's own rows, such as an issued pack, are not reads).
        reads = [e for e in new if e.action in ("view", "export") and e.model == "seekers.Seeker"]
        denials = [e for e in new if e.action == "denied"]
        shown = names_in(body, seekers)
        if 200 <= status < 300 and shown:
            if len(reads) != 1:
                problems.append((call, "reads", len(reads)))
                continue
            named = {p.seeker_id for p in reads[0].persons.all()}
            if not shown <= named:
                problems.append((call, "not named", shown - named))
            if reads[0].purpose != _japanese(_route(call.name).purpose):
                problems.append((call, "purpose", reads[0].purpose))
        elif 200 <= status < 300:
            if len(reads) > 1:
                problems.append((call, "reads", len(reads)))
        elif status == 403 or (status == 404 and names_a_record(call)):
            if len(denials) != 1:
                problems.append((call, "denials", len(denials)))
        elif reads:
            problems.append((call, "read row without content", status))
    assert problems == []
