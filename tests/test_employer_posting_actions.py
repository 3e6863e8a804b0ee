"""Employers, their visits and postings change through their apps' actions: placed from the postal code, given an
id, saved and audited in one transaction — whether the change comes from a page or from code. Their lists offer
the installation's areas, read from its file."""

import datetime

from django.urls import reverse

from kakehashi.accounts import installation
from kakehashi.audit.models import AuditEvent
from kakehashi.employers import actions as employer_actions
from kakehashi.employers.models import Employer, EmployerVisit
from kakehashi.postings import actions as posting_actions
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry, Occupation
from tests.world import World, client_for


def test_an_employer_is_placed_given_an_id_and_audited(world: World) -> None:
    employer = Employer(name="乙島テスト工業（架空）", industry=Industry.objects.get(code="24"), postal_code="713-8102")
    employer_actions.do_save_employer(employer, changed=["name", "postal_code"], acting_user=world.sen)
    employer.refresh_from_db()
    assert employer.employer_id.startswith("E-") and employer.town is not None
    assert employer.town.area == "玉島" and employer.lat == employer.town.lat
    row = AuditEvent.objects.get(model="employers.Employer", object_ids=[str(employer.pk)])
    assert (row.action, row.username, row.detail["fields"]) == ("create", "sen", ["name", "postal_code"])


def test_a_visit_is_recorded_for_the_visitors_party(world: World) -> None:
    visit = EmployerVisit(visited_on=datetime.date(2025, 6, 2), method="phone", note="採用予定を聞き取り")
    employer_actions.do_record_visit(visit, employer=world.employer, acting_user=world.chika)
    visit.refresh_from_db()
    assert (visit.by, visit.staff, visit.employer) == ("city", world.chika, world.employer)
    assert visit.visit_id.startswith("V-")
    assert AuditEvent.objects.filter(model="employers.EmployerVisit", object_ids=[str(visit.pk)],
                                     action="create").exists()


def test_a_posting_moved_elsewhere_is_placed_again_and_keeps_its_id(world: World) -> None:
    posting = world.posting
    posting.postal_code = "712-8062"
    posting_actions.do_save_posting(posting, changed=["postal_code"], acting_user=world.naoki)
    posting.refresh_from_db()
    assert posting.posting_id == "33010-00001"
    assert posting.town is not None and posting.town.area == "水島"
    new = Posting(employer=world.employer, site=world.tamashima, received_on=datetime.date(2025, 7, 1),
                  occupation=Occupation.objects.get(code="073"), openings=1, postal_code="713-8121", title="検品")
    posting_actions.do_save_posting(new, changed=[], acting_user=world.naoki)
    assert new.posting_id.startswith("P-") and new.town is not None


def test_the_pages_save_through_the_actions(world: World) -> None:
    c = client_for("naoki")
    r = c.post(reverse("employers:create"), {
        "employer_id": employer_actions.new_employer_id(), "name": "船穂テスト食品（架空）", "industry": "09",
        "postal_code": "７１０－０２６１", "employees": "12"})
    assert r.status_code == 302
    made = Employer.objects.get(name="船穂テスト食品（架空）")
    assert made.town is not None and made.town.area == "玉島"
    r = c.post(reverse("employers:visit_create", args=[made.pk]), {"visited_on": "令和7年6月3日", "method": "visit"})
    assert r.status_code == 302
    assert EmployerVisit.objects.get(employer=made).by == "hello_work"


def test_the_lists_offer_the_installations_areas(world: World) -> None:
    assert installation.areas() == ["倉敷", "児島", "水島", "玉島", "真備"]
    c = client_for("hana")
    for name in ("seekers:list", "employers:list", "postings:list"):
        body = c.get(reverse(name)).content.decode()
        assert all(f'value="{area}"' in body for area in installation.areas()), name
