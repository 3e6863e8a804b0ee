"""The 「おすすめ求人」 and 「候補者」 panels: what each user sees, what is audited, what is left out."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kakehashi.audit.models import AuditEvent
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Consent
from tests.test_visibility import EXPECTED
from tests.world import USERNAMES, World, client_for


@pytest.mark.parametrize("username", USERNAMES)
def test_candidates_are_only_the_seekers_the_user_may_see(world: World, username: str) -> None:
    r = client_for(username).get(reverse("matching:posting", args=[world.posting.pk]))
    assert r.status_code == 200
    page = r.content.decode()
    for key, seeker in world.seekers.items():
        # Every seeker of the test base wants this posting's occupation, lives next door and has no conditions:
        # each is a candidate, and appears exactly when the user may see them.
        assert (seeker.name in page) == (key in EXPECTED[username]), key
        assert (seeker.seeker_id in page) == (key in EXPECTED[username]), key
    rows = AuditEvent.objects.filter(username=username, action="view", model="seekers.Seeker", purpose="候補者")
    if not EXPECTED[username]:
        assert not rows.exists()  # a panel that shows nobody names nobody
        return
    assert set(rows.latest("at").object_ids) == {str(world.seekers[k].pk) for k in EXPECTED[username]}


def test_candidates_carry_their_reasons_and_score(world: World) -> None:
    page = client_for("hana").get(reverse("matching:posting", args=[world.posting.pk])).content.decode()
    assert "希望職種と一致（第1希望）" in page
    assert "月給 170,000円〜200,000円" in page
    # s_welfare has been out of work for ten years and the posting takes trial employment.
    assert "トライアル雇用可（ブランクがあっても応募しやすい）" in page


def test_both_panels_say_what_the_score_means_and_why_a_lower_score_may_come_first(world: World) -> None:
    c = client_for("hana")
    candidates = c.get(reverse("matching:posting", args=[world.posting.pk]))
    postings = c.get(reverse("matching:seeker", args=[world.seekers["s_hw"].pk]))
    for response in (candidates, postings):
        page = response.content.decode()
        assert "点数は100点満点の適合度です（職種 45点・仕事内容の言葉 25点・距離 10点・賃金 10点・経験 5点・トライアル雇用 5点の合計" in page
        assert "点数を2点ごとに区切って並べ" in page and "62点が63点より上に来ることがあります" in page
        # What the panel says is the order the list has: never a score from a higher band below a lower one.
        band = response.context["scoring"]["band"]
        scores = [m.score for m, _other in response.context["rows"]]
        assert [s // band for s in scores] == sorted((s // band for s in scores), reverse=True)
    assert "応募の集まりにくい求人を先に" in postings.content.decode()
    assert "1つの事業所の求人は3件まで" in postings.content.decode()


@pytest.mark.parametrize("username", USERNAMES)
def test_recommended_postings_open_only_for_seekers_the_user_may_see(world: World, username: str) -> None:
    c = client_for(username)
    for key, seeker in world.seekers.items():
        r = c.get(reverse("matching:seeker", args=[seeker.pk]))
        if key in EXPECTED[username]:
            assert r.status_code == 200
            page = r.content.decode()
            assert "プレス機オペレーター" in page and "希望職種と一致（第1希望）" in page
            assert AuditEvent.objects.filter(username=username, action="view", model="seekers.Seeker",
                                             object_ids=[str(seeker.pk)], purpose="おすすめ求人").exists()
        else:
            assert r.status_code == 404
            assert seeker.name not in r.content.decode()
            assert AuditEvent.objects.filter(username=username, action="denied", model="seekers.Seeker",
                                             object_ids=[str(seeker.pk)]).exists()


def test_a_withdrawn_consent_takes_the_seeker_off_the_candidates_at_once(world: World) -> None:
    c = client_for("hana")
    url = reverse("matching:posting", args=[world.posting.pk])
    assert world.seekers["s_city_consent"].name in c.get(url).content.decode()
    consent = Consent.objects.get(seeker=world.seekers["s_city_consent"], party="hello_work")
    consent.withdrawn_on = timezone.localdate()
    consent.save(update_fields=["withdrawn_on"])
    assert world.seekers["s_city_consent"].name not in c.get(url).content.decode()


def test_a_condition_the_posting_breaks_is_shown_only_when_asked(world: World) -> None:
    seeker = world.seekers["s_hw"]
    seeker.max_commute_km = 0.5  # the posting is 0.7 km away
    seeker.save()
    c = client_for("hana")
    url = reverse("matching:seeker", args=[seeker.pk])
    assert "プレス機オペレーター" not in c.get(url).content.decode()
    page = c.get(url + "?flagged=1").content.decode()
    assert "プレス機オペレーター" in page
    assert "通勤 0.7km（上限 0.5km を超える）" in page


def test_closed_and_filled_postings_are_not_recommended(world: World) -> None:
    c = client_for("hana")
    url = reverse("matching:seeker", args=[world.seekers["s_hw"].pk])
    posting = world.posting
    posting.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    posting.save()
    assert "プレス機オペレーター" not in c.get(url).content.decode()
    posting.closes_on = None
    posting.save()
    assert "プレス機オペレーター" in c.get(url).content.decode()
    for i, key in enumerate(("s_city_consent", "s_hw")):  # two hires fill its two openings
        Referral.objects.create(referral_id=f"R-H{i}", seeker=world.seekers[key], posting=posting,
                                referred_on=datetime.date(2025, 5, 1), outcome="hired",
                                outcome_on=datetime.date(2025, 6, 1))
    assert "プレス機オペレーター" not in c.get(url).content.decode()


def test_the_panels_need_a_signed_in_user(world: World) -> None:
    for url in (reverse("matching:posting", args=[world.posting.pk]),
                reverse("matching:seeker", args=[world.seekers["s_hw"].pk])):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/login/")
