"""The 紹介状 (referral letter) as a PDF: the letter the seeker takes to the employer, in the boxed A4 layout
Hello Work offices use, with the 採否通知 (the employer's answer) below the cut line.

What it tells the employer about the person is what a referral needs — name and reading, birth year, the
seeker's number — and, only where the seeker agreed that the printing party show their profile to employers
(a standing consent for ``ConsentPurpose.DEVELOPMENT_PROFILE``), their qualifications. Welfare status, the
difficulties recorded, notes and what employers said never go on the letter. The referral is loaded again for
``user`` through ``Referral.objects.visible_to``: a user who may not see the seeker gets ``Referral.DoesNotExist``,
never a letter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils import timezone

from kakehashi.engine.calendar import wareki
from kakehashi.governance.pdf import render_pdf
from kakehashi.seekers.models import Consent, ConsentPurpose, Seeker

from .models import Referral

if TYPE_CHECKING:
    from kakehashi.accounts.models import Staff


def profile_shared(user: Staff, seeker: Seeker) -> bool:
    """The seeker's standing consent that the user's party show their profile to employers."""
    consents = Consent.objects.standing().filter(seeker=seeker, purpose=ConsentPurpose.DEVELOPMENT_PROFILE)
    if not user.is_administrator:
        consents = consents.filter(party=user.agency_kind)
    return consents.exists()


def referral_letter_html(referral: Referral, user: Staff) -> str:
    """The letter as HTML (what ``referral_letter_pdf`` prints), for ``user``, who prints it."""
    referral = (
        Referral.objects.visible_to(user)
        .select_related("seeker", "posting__employer", "posting__occupation", "posting__town", "staff")
        .get(pk=referral.pk)
    )
    seeker = referral.seeker
    # The counselor who prints the letter hands it over and answers the employer's call about it.
    return render_to_string(
        "referrals/letter_pdf.html",
        {
            "referral": referral,
            "posting": referral.posting,
            "seeker": seeker,
            "profile_shared": profile_shared(user, seeker),
            "referred_on": wareki(referral.referred_on),
            "printed_on": wareki(timezone.localdate()),
            "counselor": str(user),
            "agency": user.agency,
            "site": user.site,
        },
    )


def referral_letter_pdf(referral: Referral, user: Staff) -> bytes:
    """The 紹介状 of ``referral`` as PDF bytes (A4, Japanese fonts embedded), as ``user`` may print it. Printing
    is recorded by ``actions.do_print_referral_letter``, which calls this."""
    # a letter names a person: drawn each time, never kept on disk (see ``render_pdf``)
    return render_pdf(referral_letter_html(referral, user), keep=False)
