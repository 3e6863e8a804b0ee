"""Bad input gets a clear Japanese message and saves nothing; full-width input and 和暦 are accepted."""

from django.urls import reverse

from kakehashi.audit.models import AuditEvent
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker
from tests.world import World, client_for


def seeker_form(**over: str) -> dict[str, str]:
    data = {"name": "新規 花子", "name_kana": "しんき はなこ", "site": "", "registered_on": "令和７年５月１日",
            "birth_year": "１９７２", "postal_code": "７１３－８１２１", "desired_employment": "full_time",
            "min_wage": "１８０，０００", "wage_unit": "month", "max_commute_km": "１０", "desired_1": "073",
            "experience_1": "073", "experience_1_years": "８", "referred_by": "self", "status": "active",
            "qualifications": "フォークリフト、普通自動車免許"}
    data.update(over)
    return data


def test_an_intake_with_full_width_digits_and_wareki_is_saved_normalised(world: World) -> None:
    c = client_for("hana")
    r = c.post(reverse("seekers:create"), seeker_form(site=str(world.tamashima.pk)))
    assert r.status_code == 302
    s = Seeker.objects.get(name="新規 花子")
    assert (s.registered_on.isoformat(), s.birth_year, s.postal_code, s.min_wage) == \
        ("2025-05-01", 1972, "713-8121", 180000)
    assert s.max_commute_km == 10 and s.town is not None and s.town.name.startswith("玉島阿賀崎")
    assert s.qualifications == ["フォークリフト", "普通自動車免許"]
    assert s.registered_by == "hello_work"
    assert list(s.desired_occupations.values_list("occupation_id", "rank")) == [("073", 1)]
    assert AuditEvent.objects.filter(action="create", model="seekers.Seeker", object_ids=[str(s.pk)]).exists()


def test_bad_intake_input_is_explained_in_japanese_and_nothing_is_saved(world: World) -> None:
    c = client_for("hana")
    before = (Seeker.objects.count(), AuditEvent.objects.filter(action="create").count())
    r = c.post(reverse("seekers:create"), seeker_form(site=str(world.tamashima.pk), postal_code="999-9999",
                                                       registered_on="令和7年2月30日", experience_1_years=""))
    body = r.content.decode()
    assert r.status_code == 200
    assert "郵便番号「999-9999」は存在しません" in body
    assert "存在しない日付です" in body
    assert "経験年数を入力してください" in body
    assert "保存されていません" in body
    assert (Seeker.objects.count(), AuditEvent.objects.filter(action="create").count()) == before


def test_a_referral_to_a_closed_posting_is_refused_and_nothing_is_written(world: World) -> None:
    world.posting.closes_on = world.posting.received_on
    world.posting.save()
    c = client_for("hana")
    before = Referral.objects.count()
    r = c.post(reverse("referrals:create"), {"seeker_id": "S-HW-1", "posting_id": "33010-00001",
                                             "referred_on": "2025-06-01"})
    assert "受付期間外" in r.content.decode()
    assert Referral.objects.count() == before


def test_an_outcome_without_its_date_is_refused(world: World) -> None:
    c = client_for("hana")
    r = c.post(reverse("referrals:detail", args=[world.referral.pk]), {"outcome": "hired", "outcome_on": ""})
    assert "結果日も入力してください" in r.content.decode()
    world.referral.refresh_from_db()
    assert world.referral.outcome == "pending"


def test_a_hire_is_recorded_and_marks_the_seeker_employed(world: World) -> None:
    c = client_for("naoki")
    r = c.post(reverse("referrals:detail", args=[world.referral.pk]), {"outcome": "hired", "outcome_on": "R7.6.1"})
    assert r.status_code == 302
    world.referral.refresh_from_db()
    assert (world.referral.outcome, world.referral.outcome_on.isoformat()) == ("hired", "2025-06-01")
    assert Seeker.objects.get(pk=world.seekers["s_welfare"].pk).status == "employed"


def test_the_english_interface_is_available(world: World) -> None:
    c = client_for("hana")
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = c.get(reverse("seekers:list")).content.decode()
    assert 'lang="en"' in body
