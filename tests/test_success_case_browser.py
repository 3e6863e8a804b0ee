"""The seed's success case, end to end in the browser: a welfare office's support request for a woman in her 50s
with a ten-year gap → consultations → no fitting posting → a navigator's individual job development visit to a
nearby sewing company that opens a developed posting → referral → trial employment → regular employment.

At each step each party sees only what it may, and the figures of the business plan move accordingly."""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from kakehashi.plans.progress import site_progress
from kakehashi.postings.models import Posting
from kakehashi.referrals.counting import placements_by_party
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Consent, Seeker
from kakehashi.welfare.models import SupportRequest
from tests.browser import chromium, log_in, pick_code
from tests.world import PASSWORD, World, build_world

D = datetime.date
NAME = "水島 和子"
EMPLOYER_SAID = "プレス機は未経験なので不安もあるが、アイロン工の経験と意欲を評価（事業所談）"
LIFE_NOTE = "家計と生活リズムの立て直しを相談"
INDICATORS = ("referrals", "placements", "developed_postings", "developed_openings")


def figures(world: World) -> dict[str, int | None]:
    """令和7年度 at Work Plaza Tamashima, as the business plan's progress counts it, at the year's end."""
    progress = site_progress(world.tamashima, 2025, D(2026, 3, 31))
    return {key: progress.row(key).actual for key in INDICATORS}


class Desk:
    """One signed-in browser context per person, as at the real desk."""

    def __init__(self, browser: Browser, base: str) -> None:
        self.browser, self.base = browser, base
        self.pages: dict[str, Page] = {}

    def __call__(self, username: str) -> Page:
        if username not in self.pages:
            page = self.browser.new_context(locale="ja-JP").new_page()
            log_in(page, self.base, username, PASSWORD)
            self.pages[username] = page
        return self.pages[username]

    def status(self, username: str, path: str) -> int:
        response = self(username).goto(self.base + path)
        assert response is not None
        return response.status


def submit(page: Page, form: str = "main form.card") -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_success_case_from_support_request_to_regular_employment(live_server: LiveServer, tmp_path: Path) -> None:
    world = build_world()
    world.posting.closes_on = D(2025, 5, 31)  # the only press posting closed before she came
    world.posting.save()
    start = figures(world)

    with chromium() as browser:
        desk = Desk(browser, live_server.url)

        # 1. The caseworker registers the recipient her office refers.
        fuku = desk("fuku")
        fuku.goto(live_server.url + "/seekers/new/")
        fuku.fill("#id_name", NAME)
        fuku.fill("#id_name_kana", "みずしま かずこ")
        fuku.select_option("#id_site", label="ワークプラザたましま")
        fuku.fill("#id_registered_on", "令和7年6月2日")
        fuku.fill("#id_birth_year", "1972")
        fuku.fill("#id_postal_code", "713-8121")
        pick_code(fuku, "id_desired_1", "製品製造", "073")
        pick_code(fuku, "id_experience_1", "073", "073")
        fuku.fill("#id_experience_1_years", "15")
        fuku.fill("#id_gap_years", "10")
        fuku.check("#id_welfare_recipient")
        fuku.fill("#id_barriers", "10年近いブランク。求人誌しか見ていない。")
        submit(fuku)
        fuku.wait_for_selector("text=求職者を登録しました")
        seeker = Seeker.objects.get(name=NAME)
        assert (seeker.referring_agency, seeker.registered_by) == (world.fuku.agency, "city")
        seeker_path = f"/seekers/{seeker.pk}/"
        # Hello Work does not see her before she consents; the Center never does.
        assert desk.status("hana", seeker_path) == 404
        assert desk.status("sen", seeker_path) == 404

        # 2. The support request, with her consent to share with Hello Work recorded in the same step.
        fuku.goto(live_server.url + seeker_path)
        fuku.click("#welfare-panel >> text=支援要請を作成")
        fuku.select_option("#id_site", label="ワークプラザたましま")
        fuku.fill("#id_requested_on", "2025-06-02")
        fuku.fill("#id_needs", "アイロン工の経験あり。就労意欲を高め、定期的な来所につなげたい。")
        fuku.fill("#id_consent_given_on", "2025-06-02")
        fuku.check("#id_consent_confirmed")
        submit(fuku)
        fuku.wait_for_selector("text=支援要請を送りました")
        assert fuku.inner_text("#case-status") == "受付待ち"
        case = SupportRequest.objects.get(seeker=seeker)
        assert Consent.objects.filter(seeker=seeker, party="hello_work", purpose="share").count() == 1
        assert desk.status("hana", seeker_path) == 200 and NAME in desk("hana").inner_text("h1")
        assert desk.status("sen", seeker_path) == 404
        assert desk.status("sen", f"/welfare/{case.pk}/") == 403  # the welfare desk is closed to the Center

        # 3. The navigator at the desk accepts; the joint plan; regular visits, one missed.
        naoki = desk("naoki")
        naoki.goto(live_server.url + "/")
        naoki.click("nav >> text=福祉窓口")
        naoki.click(f"#cases >> text={NAME}")
        naoki.fill("#id_accepted_on", "2025-06-04")
        submit(naoki, "#accept-form")
        naoki.wait_for_selector("text=支援要請を受け付けました")
        naoki.fill("#id_goals", "半年以内に、経験を活かせる縫製の仕事に就く")
        naoki.fill("#id_steps", "ハローワークの求人の探し方を練習する。近隣の縫製業に個別求人開拓を行う。")
        naoki.fill("#id_visit_schedule", "毎週火曜 10時")
        naoki.fill("#id_visit_interval_days", "7")
        submit(naoki, "#plan-form")
        naoki.wait_for_selector("text=支援プランを保存しました")
        for day, came, note in (("2025-06-10", "1", "求人検索端末の使い方を一緒に練習"), ("2025-06-17", "0", "")):
            naoki.fill("#visit-form #id_on", day)
            naoki.select_option("#visit-form #id_attended", came)
            naoki.fill("#visit-form #id_note", note)
            submit(naoki, "#visit-form")
            naoki.wait_for_selector("text=来所を記録しました")
        # Progress goes back to the caseworker.
        fuku.goto(live_server.url + f"/welfare/{case.pk}/")
        assert "毎週火曜 10時" in fuku.inner_text("#plan")
        visits = fuku.inner_text("#visits")
        assert "求人検索端末の使い方を一緒に練習" in visits and "来所なし" in visits

        # 4. Consultations: the city's life consultation, Hello Work's job consultation — one timeline.
        chika = desk("chika")
        chika.goto(live_server.url + seeker_path)
        chika.fill("form[action$='/consultations/'] #id_held_on", "2025-06-11")
        chika.select_option("form[action$='/consultations/'] #id_kind", "life")
        chika.fill("form[action$='/consultations/'] #id_notes", LIFE_NOTE)
        submit(chika, "form[action$='/consultations/']")
        hana = desk("hana")
        hana.goto(live_server.url + seeker_path)
        hana.fill("form[action$='/consultations/'] #id_held_on", "2025-06-12")
        hana.select_option("form[action$='/consultations/'] #id_kind", "job")
        hana.fill("form[action$='/consultations/'] #id_notes", "求人誌だけでなくハローワークの求人も見るよう助言")
        submit(hana, "form[action$='/consultations/']")
        hana_timeline = hana.inner_text("#timeline")
        assert "ハローワークの求人も見るよう助言" in hana_timeline and "来所なし" in hana_timeline
        assert LIFE_NOTE not in hana_timeline  # the city's life consultations stay with the city
        fuku.goto(live_server.url + seeker_path)
        fuku_timeline = fuku.inner_text("#timeline")
        assert LIFE_NOTE in fuku_timeline and "ハローワークの求人も見るよう助言" in fuku_timeline

        # 5. No open posting fits her desired occupation.
        hana.goto(live_server.url + "/postings/?occupation=073&open=1")
        assert "該当する求人はありません" in hana.inner_text("main table")

        # 6. The navigator visits a sewing company near her home; it opens a developed posting.
        naoki.goto(live_server.url + "/employers/?q=縫製")
        naoki.click("text=玉島縫製株式会社")
        naoki.goto(live_server.url + f"/postings/new/?employer={world.employer.pk}")
        naoki.select_option("#id_site", label="ワークプラザたましま")
        naoki.fill("#id_received_on", "2025-07-10")
        pick_code(naoki, "id_occupation", "製品製造", "073")
        naoki.fill("#id_title", "プレス機オペレーター（縫製品の仕上げ）")
        naoki.fill("#id_openings", "1")
        naoki.fill("#id_postal_code", "713-8121")
        naoki.check("#id_trial_employment_ok")
        naoki.check("#id_developed")
        submit(naoki)
        naoki.wait_for_selector("text=求人を保存しました")
        posting = Posting.objects.get(title__startswith="プレス機オペレーター（縫製品")
        naoki.goto(live_server.url + f"/employers/{world.employer.pk}/visits/new/")
        naoki.fill("#id_visited_on", "2025-07-10")
        naoki.fill("#id_for_seeker", seeker.seeker_id)
        naoki.select_option("#id_resulting_posting", value=str(posting.pk))
        naoki.fill("#id_note", "本人の経歴を説明。求人はアイロンではなくプレス機だが、トライアル雇用で双方合意")
        submit(naoki)
        naoki.wait_for_selector("text=訪問を記録しました")
        assert posting.posting_id in naoki.inner_text("main table")
        after_development = figures(world)
        assert after_development["developed_postings"] == start["developed_postings"] + 1  # type: ignore[operator]  # counted figures are never None
        assert after_development["developed_openings"] == start["developed_openings"] + 1  # type: ignore[operator]  # counted figures are never None
        fuku.goto(live_server.url + seeker_path)
        assert "個別求人開拓：玉島縫製株式会社" in fuku.inner_text("#timeline")

        # 7. Hello Work refers her to the developed posting, as trial employment.
        hana.goto(live_server.url + seeker_path)
        hana.click("text=紹介を記録")
        assert hana.input_value("#id_seeker_id") == seeker.seeker_id
        hana.fill("#id_posting_id", posting.posting_id)
        hana.fill("#id_referred_on", "令和7年7月14日")
        hana.check("#id_trial_employment")
        submit(hana)
        hana.wait_for_selector("text=紹介を記録しました")
        referral = Referral.objects.get(seeker=seeker)
        assert figures(world)["referrals"] == start["referrals"] + 1  # type: ignore[operator]  # counted figures are never None
        assert {c.agency.code for c in referral.contributions.all()} == {"hw-kurashiki-chuo", "tamashima-welfare"}

        # 8. The employer sets an interview and says what it thinks; the trial starts on 8/1.
        referral_path = f"/referrals/{referral.pk}/"
        hana.goto(live_server.url + referral_path)
        hana.fill("#interview-form #id_interview_on", "2025-07-18")
        hana.fill("#interview-form #id_note", EMPLOYER_SAID)
        submit(hana, "#interview-form")
        hana.wait_for_selector("text=面接日を記録しました")
        assert hana.inner_text("#stage") == "面接予定" and EMPLOYER_SAID in hana.inner_text("#events")
        hana.fill("#trial-start-form #id_started_on", "令和7年8月1日")
        submit(hana, "#trial-start-form")
        hana.wait_for_selector("text=トライアル雇用の開始を記録しました")
        assert "2025年10月31日" in hana.inner_text("#trial")
        after_trial = figures(world)
        assert after_trial["placements"] == start["placements"] + 1  # type: ignore[operator]  # counted figures are never None
        # The caseworker sees the outcome of her referral, not the employer's notes.
        fuku.goto(live_server.url + referral_path)
        assert fuku.inner_text("#stage") == "採用" and "トライアル雇用開始" in fuku.inner_text("#events")
        assert EMPLOYER_SAID not in fuku.content()
        fuku.goto(live_server.url + f"/welfare/{case.pk}/")
        assert re.search(r"採用\s+2025-08-01\s+2025-08-01〜2025-10-31 実施中", fuku.inner_text("#case-referrals"))
        fuku.goto(live_server.url + seeker_path)
        assert EMPLOYER_SAID not in fuku.content() and "トライアル雇用開始" in fuku.inner_text("#timeline")
        assert desk.status("sen", referral_path) == 404

        # 9. Converted to regular employment: no second placement.
        hana.goto(live_server.url + referral_path)
        hana.select_option("#trial-end-form #id_outcome", "converted")
        hana.fill("#trial-end-form #id_ended_on", "2025-11-01")
        submit(hana, "#trial-end-form")
        hana.wait_for_selector("text=トライアル雇用の結果を記録しました")
        assert "常用雇用へ移行" in hana.inner_text("#trial")
        assert figures(world) == after_trial

        # 10. The caseworker closes the case: employed, benefit ended — the programme's figures count it.
        fuku.goto(live_server.url + f"/welfare/{case.pk}/")
        fuku.fill("#close-form #id_closed_on", "2025-11-30")
        fuku.select_option("#close-form #id_outcome", "employed")
        fuku.select_option("#close-form #id_benefit_change", "ended")
        submit(fuku, "#close-form")
        fuku.wait_for_selector("text=支援の終了を記録しました")
        fuku.goto(live_server.url + "/welfare/figures/")
        row = fuku.inner_text("#programme-figures tr[data-fy='2025']")
        assert row.split() == ["令和7年度", "1", "1", "1", "0", "1"]
        fuku.screenshot(path=str(tmp_path / "figures.png"), full_page=True)

        # To the end, the Center's promoter cannot open her record.
        assert desk.status("sen", seeker_path) == 404

    end = figures(world)
    assert end == {**start, "referrals": start["referrals"] + 1, "placements": start["placements"] + 1,  # type: ignore[operator]  # never None
                   "developed_postings": start["developed_postings"] + 1,  # type: ignore[operator]  # counted figures are never None
                   "developed_openings": start["developed_openings"] + 1}  # type: ignore[operator]  # counted figures are never None
    joint = placements_by_party(D(2025, 4, 1), D(2026, 3, 31), [world.tamashima.pk])
    assert (joint.total, joint.count_for("hw-kurashiki-chuo"), joint.count_for("tamashima-welfare")) == (1, 1, 1)
