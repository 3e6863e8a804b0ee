"""The papers the desk hands out: the 求人票 and the 紹介状 as PDFs, what each shows to whom, and the record of
each printed letter."""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from kakehashi.audit.models import Action, AuditEvent
from kakehashi.postings.papers import posting_sheet_pdf
from kakehashi.referrals.models import EventKind, Referral, ReferralEvent
from kakehashi.referrals.papers import referral_letter_pdf
from kakehashi.seekers.models import Consent, ConsentPurpose
from tests.world import World, client_for

PHONE = "086-522-0000"


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The text of a PDF, by poppler's pdftotext where installed, else pypdf where it is."""
    path = tmp_path / "paper.pdf"
    path.write_bytes(pdf)
    if shutil.which("pdftotext"):
        command = ["pdftotext", "-layout", str(path), "-"]  # a fixed tool on a file the test wrote
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    else:
        pypdf = pytest.importorskip("pypdf", reason="neither pdftotext nor pypdf is installed")
        out = "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    return "".join(out.split())  # the layout may break a line anywhere: compare without white space


def test_the_posting_sheet_shows_the_posting_and_no_one_referred_to_it(world: World, tmp_path: Path) -> None:
    world.employer.phone = PHONE
    world.employer.save()
    pdf = posting_sheet_pdf(world.posting)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf, tmp_path)
    assert "求人番号" in text and world.posting.posting_id in text
    assert "プレス機オペレーター" in text and world.employer.name in text
    assert PHONE not in text, "the sheet a seeker takes home gives no way to reach the employer"
    assert world.referral.seeker.name.replace(" ", "") not in text


def test_the_desks_copy_of_the_sheet_adds_the_employers_contact_details(world: World, tmp_path: Path) -> None:
    world.employer.phone = PHONE
    world.employer.save()
    text = text_of(posting_sheet_pdf(world.posting, for_staff=True), tmp_path)
    assert PHONE in text and world.employer.employer_id in text


@pytest.mark.parametrize("username", ["hana", "sen", "fuku"])
def test_every_staff_member_prints_the_posting_sheet(world: World, username: str) -> None:
    r = client_for(username).get(reverse("postings:sheet", args=[world.posting.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_the_posting_page_offers_the_sheet(world: World) -> None:
    body = client_for("sen").get(reverse("postings:detail", args=[world.posting.pk])).content.decode()
    assert reverse("postings:sheet", args=[world.posting.pk]) in body and "求人票を印刷" in body


def test_the_counselor_prints_the_referral_letter_and_the_print_is_recorded(
    world: World, tmp_path: Path
) -> None:
    referral = world.referral
    seeker = referral.seeker
    r = client_for("hana").post(reverse("referrals:letter", args=[referral.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    text = text_of(r.content, tmp_path)
    assert "紹介状" in text and "求人番号" in text and world.posting.posting_id in text
    assert seeker.name.replace(" ", "") in text and world.employer.name in text
    assert world.hana.display_name.replace(" ", "") in text
    # the employer learns nothing of the welfare side of the case
    assert "生活保護" not in text and "ブランク" not in text
    event = ReferralEvent.objects.get(referral=referral, kind=EventKind.LETTER_PRINTED)
    assert event.staff == world.hana and event.on == timezone.localdate()
    exports = AuditEvent.objects.filter(action=Action.EXPORT, model="referrals.Referral", username="hana")
    assert exports.count() == 1
    assert set(exports.get().persons.values_list("seeker_id", flat=True)) == {seeker.pk}


def test_the_referral_page_offers_the_letter_to_whoever_refers(world: World) -> None:
    url = reverse("referrals:letter", args=[world.referral.pk])
    assert (
        url in client_for("hana").get(reverse("referrals:detail", args=[world.referral.pk])).content.decode()
    )
    assert (
        url
        not in client_for("chika").get(reverse("referrals:detail", args=[world.referral.pk])).content.decode()
    )


def test_a_user_who_may_not_refer_gets_no_letter_and_nothing_is_recorded(world: World) -> None:
    assert client_for("sen").post(reverse("referrals:letter", args=[world.referral.pk])).status_code == 403
    assert client_for("chika").post(reverse("referrals:letter", args=[world.referral.pk])).status_code == 403
    assert not ReferralEvent.objects.filter(kind=EventKind.LETTER_PRINTED).exists()


def test_a_counselor_who_may_not_see_the_seeker_gets_no_letter(world: World) -> None:
    hidden = Referral.objects.create(
        referral_id="R-HIDDEN",
        seeker=world.seekers["s_city_private"],
        posting=world.posting,
        referred_on=datetime.date(2025, 5, 2),
    )
    before = AuditEvent.objects.filter(action=Action.DENIED).count()
    assert client_for("hana").post(reverse("referrals:letter", args=[hidden.pk])).status_code == 404
    assert AuditEvent.objects.filter(action=Action.DENIED).count() == before + 1
    assert not ReferralEvent.objects.filter(kind=EventKind.LETTER_PRINTED).exists()
    with pytest.raises(Referral.DoesNotExist):
        referral_letter_pdf(hidden, world.hana)


def test_qualifications_go_on_the_letter_only_with_the_seekers_consent(world: World, tmp_path: Path) -> None:
    seeker = world.referral.seeker
    seeker.qualifications = ["フォークリフト運転技能者"]
    seeker.save()
    assert "フォークリフト" not in text_of(referral_letter_pdf(world.referral, world.hana), tmp_path)
    Consent.objects.create(
        seeker=seeker,
        party="hello_work",
        purpose=ConsentPurpose.DEVELOPMENT_PROFILE,
        given_on=datetime.date(2025, 4, 1),
    )
    assert "フォークリフト" in text_of(referral_letter_pdf(world.referral, world.hana), tmp_path)


def test_a_letter_is_never_kept_on_disk_as_a_posting_sheet_may_be(
    world: World, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    referral_letter_pdf(world.referral, world.hana)
    assert not list(tmp_path.rglob("*.pdf")), "a letter names a person: no copy outside the retention rules"
    posting_sheet_pdf(world.posting)
    assert len(list(tmp_path.rglob("*.pdf"))) == 1
