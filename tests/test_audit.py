"""A denied attempt is recorded in a transaction of its own: rolling back the request cannot erase it."""

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from kakehashi.accounts.models import Staff
from kakehashi.accounts.policy import ROUTES, Route
from kakehashi.audit.log import AccessDenied
from kakehashi.audit.models import AuditEvent
from kakehashi.employers.models import Employer
from kakehashi.urls import urlpatterns as site_urls
from tests.second_factor import sign_in
from tests.world import World, build_world


def change_then_deny(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        Employer.objects.filter(employer_id="E-1").update(name="書き換え")
        raise AccessDenied("seekers.Seeker", 42, "テスト")


urlpatterns = [path("test-deny/", change_then_deny), *site_urls]  # this module is the test's URLconf


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.test_audit")
def test_a_denial_survives_the_rollback_of_the_work_around_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ROUTES, "tests.test_audit.change_then_deny", Route("テスト"))
    build_world()
    c = Client()
    sign_in(c, Staff.objects.get(username="sen"))
    r = c.get("/test-deny/")
    assert r.status_code == 404
    assert Employer.objects.get(employer_id="E-1").name == "玉島縫製株式会社"  # the change was rolled back
    event = AuditEvent.objects.get(action="denied")
    assert (event.username, event.model, event.object_ids) == ("sen", "seekers.Seeker", ["42"])



def test_the_audit_log_stays_in_japanese_when_the_user_works_in_english(world: World) -> None:
    c = Client()
    sign_in(c, Staff.objects.get(username="hana"))
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    c.get(f"/seekers/{world.seekers['s_hw'].pk}/")
    assert AuditEvent.objects.filter(action="view", model="seekers.Seeker").latest("at").purpose == "求職者詳細"
