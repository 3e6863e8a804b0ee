"""Attribution of developed postings: from the visit that drove them, through the contact that produced them, to
the figures by source for a site and period."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from kakehashi.audit.models import AuditEvent
from kakehashi.core.errors import ActionError
from kakehashi.development import actions
from kakehashi.development.attribution import developed_by_source
from kakehashi.development.models import ContactOutcome, DevelopmentContact, Source
from kakehashi.employers.models import Employer, EmployerVisit, VisitParty
from kakehashi.postings.models import Posting
from kakehashi.reference.models import Industry, Occupation
from tests.world import World, client_for

FY2025 = (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()



def figures(site: object, start: datetime.date = FY2025[0], end: datetime.date = FY2025[1]) -> dict[str, tuple[int, int]]:
    return {r.source: (r.postings, r.openings) for r in developed_by_source(site, start, end)}  # type: ignore[arg-type]  # a Site, a code or None


def new_posting(world: World, pid: str, received: datetime.date, openings: int, *, employer: Employer | None = None,
                developed: bool = False, site: object = None) -> Posting:
    return Posting.objects.create(
        posting_id=pid, employer=employer or world.employer, site=site or world.tamashima, received_on=received,
        occupation_id="073", openings=openings, postal_code="713-8121", lat=34.545, lng=133.675, developed=developed,
    )


def test_a_posting_developed_after_a_center_visit_counts_as_the_centers_in_the_figures(world: World) -> None:
    # The Center's promoter hears a need for press operators; a navigator follows it up and the posting comes in.
    need = actions.do_record_contact(acting_user=world.sen, employer=world.employer, data=actions.ContactInput(
        visited_on=datetime.date(2025, 6, 2), method="visit", outcome=ContactOutcome.NEED_HEARD,
        hiring_need_occupations=[Occupation.objects.get(code="073")], hiring_need_openings=3, hiring_timing="夏まで"))
    posting = new_posting(world, "33010-20001", datetime.date(2025, 6, 20), 3)
    follow_up = actions.do_record_contact(acting_user=world.naoki, employer=world.employer, data=actions.ContactInput(
        visited_on=datetime.date(2025, 6, 16), method="phone", outcome=ContactOutcome.POSTING, follows=need.visit),
        posting=posting)
    posting.refresh_from_db()
    assert posting.developed
    assert follow_up.visit.by == VisitParty.HELLO_WORK and need.visit.by == VisitParty.CENTER
    counted = figures(world.tamashima)
    assert counted[Source.CENTER_VISIT] == (1, 3)
    # The world's own developed posting has no contact behind it, and is still counted, as unrecorded.
    assert counted[Source.UNRECORDED] == (1, 2)
    assert sum(p for p, _o in counted.values()) == Posting.objects.filter(developed=True, site=world.tamashima).count()


def test_individual_development_for_a_seeker_counts_as_the_navigators(world: World) -> None:
    seeker = world.seekers["s_welfare"]
    posting = new_posting(world, "33010-20002", datetime.date(2025, 7, 10), 1)
    actions.do_record_contact(acting_user=world.naoki, employer=world.employer, data=actions.ContactInput(
        visited_on=datetime.date(2025, 7, 1), method="visit", outcome=ContactOutcome.POSTING, for_seeker=seeker),
        posting=posting)
    assert figures(world.tamashima)[Source.INDIVIDUAL] == (1, 1)
    # The seeker's own trail shows that their background was used with this employer.
    assert AuditEvent.objects.filter(subject=f"seekers.Seeker:{seeker.pk}", model="development.DevelopmentContact").exists()


def test_an_imported_contact_after_a_need_the_city_recorded_counts_as_the_citys(world: World) -> None:
    # visits.csv carries no "follows": the need is found by employer, occupation and date.
    city_visit = EmployerVisit.objects.create(visit_id="V-CITY", employer=world.employer,
                                              visited_on=datetime.date(2025, 5, 1), by=VisitParty.CITY)
    city_visit.hiring_need_occupations.set(["073"])
    posting = new_posting(world, "33010-20003", datetime.date(2025, 8, 1), 4, developed=True)
    EmployerVisit.objects.create(visit_id="V-HW", employer=world.employer, visited_on=datetime.date(2025, 7, 25),
                                 by=VisitParty.HELLO_WORK, resulting_posting=posting)
    assert figures(world.tamashima)[Source.CITY_NEED] == (1, 4)
    # A need heard more than six months before the contact is not what drove it.
    city_visit.visited_on = datetime.date(2024, 12, 1)
    city_visit.save()
    assert figures(world.tamashima)[Source.HELLO_WORK] == (1, 4)


def test_only_the_sites_postings_received_in_the_period_are_counted(world: World) -> None:
    other = Employer.objects.create(employer_id="E-2", name="水島工業", industry=Industry.objects.get(code="24"),
                                    postal_code="712-8062")
    new_posting(world, "33010-20004", datetime.date(2025, 9, 1), 5, employer=other, developed=True,
                site=world.mizushima)
    new_posting(world, "33010-20005", datetime.date(2026, 4, 1), 7, developed=True)  # the next fiscal year
    new_posting(world, "33010-20006", datetime.date(2025, 9, 1), 9)  # not developed
    assert sum(p for p, _o in figures(world.tamashima).values()) == 1
    assert figures(world.mizushima)[Source.UNRECORDED] == (1, 5)
    assert figures("mizushima") == figures(world.mizushima)
    everywhere = figures(None)
    assert sum(p for p, _o in everywhere.values()) == 2 and sum(o for _p, o in everywhere.values()) == 7


def test_a_posting_of_another_employer_cannot_be_linked_and_nothing_changes(world: World) -> None:
    other = Employer.objects.create(employer_id="E-3", name="別会社", industry=Industry.objects.get(code="11"),
                                    postal_code="713-8121")
    posting = new_posting(world, "33010-20007", datetime.date(2025, 9, 1), 2, employer=other)
    visits = EmployerVisit.objects.count()
    with pytest.raises(ActionError, match="の求人ではありません"):
        actions.do_record_contact(acting_user=world.naoki, employer=world.employer, data=actions.ContactInput(
            visited_on=datetime.date(2025, 8, 20), method="visit", outcome=ContactOutcome.POSTING), posting=posting)
    posting.refresh_from_db()
    assert not posting.developed
    assert EmployerVisit.objects.count() == visits and not DevelopmentContact.objects.exists()


def test_a_posting_received_before_the_contact_is_not_its_result(world: World) -> None:
    visit = EmployerVisit.objects.create(visit_id="V-1", employer=world.employer, visited_on=datetime.date(2025, 9, 10),
                                         by=VisitParty.HELLO_WORK)
    posting = new_posting(world, "33010-20008", datetime.date(2025, 9, 1), 2)
    with pytest.raises(ActionError, match="より前です"):
        actions.do_link_posting(acting_user=world.naoki, visit=visit, posting=posting)
    visit.refresh_from_db()
    assert visit.resulting_posting is None


def test_through_the_pages_a_navigator_records_the_follow_up_and_the_sources_page_shows_it(world: World) -> None:
    need = EmployerVisit.objects.create(visit_id="V-NEED", employer=world.employer, visited_on=datetime.date(2025, 6, 2),
                                        by=VisitParty.CENTER, staff=world.sen)
    need.hiring_need_occupations.set(["073"])
    posting = new_posting(world, "33010-20009", datetime.date(2025, 6, 20), 3)
    naoki = client_for("naoki")
    r = naoki.post(reverse("development:contact_create", args=[world.employer.pk]), {
        "visited_on": "令和７年６月１６日", "method": "phone", "outcome": "posting", "occupation": "073",
        "follows": str(need.pk), "posting": str(posting.pk), "hiring_need_openings": "３", "open_to_trial": "true"})
    assert r.status_code == 302, r.content.decode()
    contact = DevelopmentContact.objects.get(follows=need)
    assert contact.visit.hiring_need_openings == 3 and contact.visit.open_to_trial is True
    assert contact.visit.resulting_posting == posting
    body = naoki.get(reverse("development:sources"), {"site": "tamashima", "fy": "令和7年度"}).content.decode()
    assert "センターの事業所訪問" in body and "33010-20009" in body
    assert figures(world.tamashima)[Source.CENTER_VISIT] == (1, 3)


def test_a_bad_date_is_refused_in_japanese_and_nothing_is_recorded(world: World) -> None:
    r = client_for("naoki").post(reverse("development:contact_create", args=[world.employer.pk]), {
        "visited_on": "令和7年2月30日", "method": "visit", "outcome": "need_heard"})
    assert r.status_code == 200
    assert "存在しない日付" in r.content.decode() and "保存されていません" in r.content.decode()
    assert not DevelopmentContact.objects.exists()


def test_linking_a_posting_later_marks_it_developed_and_is_audited(world: World) -> None:
    visit = EmployerVisit.objects.create(visit_id="V-2", employer=world.employer, visited_on=datetime.date(2025, 9, 1),
                                         by=VisitParty.CENTER)
    posting = new_posting(world, "33010-20010", datetime.date(2025, 9, 5), 2)
    r = client_for("hana").post(reverse("development:link_posting", args=[visit.pk]), {"posting": posting.pk})
    assert r.status_code == 302
    posting.refresh_from_db()
    assert posting.developed
    assert DevelopmentContact.objects.get(visit=visit).outcome == ContactOutcome.POSTING
    assert AuditEvent.objects.filter(model="postings.Posting", action="update", username="hana",
                                     object_ids=[str(posting.pk)]).exists()
    assert figures(world.tamashima)[Source.CENTER_VISIT] == (1, 2)
