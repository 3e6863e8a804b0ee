"""A seeker's own sign-in at a terminal: their 求職者ID and the PIN staff set for them (docs/terminal.md).

Signed in, the terminal shows that person's recommended postings and nothing else about them. The signed-in
state is a pair (seeker, terminal) in the terminal's session under ``SESSION_KEY`` with the time of the last
touch; it ends after ``IDLE_SECONDS`` without a touch, on 「終了」 and on おわる. It is not a staff sign-in: no staff
page reads it.

Wrong PINs are counted per seeker: after ``MOST_FAILURES`` in a row the seeker's terminal sign-in is locked for
``LOCK_MINUTES`` (at any terminal), so a PIN of four digits cannot be guessed by trying.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.core.stamps import Stamp, read_stamps
from kakehashi.engine.matching import Match
from kakehashi.engine.text import nfkc
from kakehashi.matching import loading
from kakehashi.matching.views import TOP
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral
from kakehashi.seekers.models import Seeker

from .models import Terminal, TerminalPin

PIN_DIGITS = (4, 6)
MOST_FAILURES = 5
LOCK_MINUTES = 15
IDLE_SECONDS = 60
SESSION_KEY = "terminal_seeker"


def _clean_pin(pin: str) -> str:
    """The PIN as digits (全角 digits and spaces accepted), or an error that says what a PIN is."""
    typed = "".join(nfkc(str(pin)).split())
    low, high = PIN_DIGITS
    if not (typed.isascii() and typed.isdigit() and low <= len(typed) <= high):
        raise ActionError(_("PINは4〜6桁の数字で入力してください。"))
    return typed


def clean_seeker_id(seeker_id: str) -> str:
    """The 求職者ID as stored: 全角 letters, digits and hyphens folded (NFKC), spaces dropped."""
    return "".join(nfkc(str(seeker_id)).split()).upper()[:40]


@transaction.atomic
def do_set_pin(seeker: Seeker, pin: str, *, acting_user: Staff) -> TerminalPin:
    """Set (or replace) the seeker's terminal PIN: only its hash is kept; a lock and the wrong tries are cleared."""
    digits = _clean_pin(pin)
    found = TerminalPin.objects.select_for_update().filter(seeker=seeker).first()
    replaced = found is not None
    row = found or TerminalPin(seeker=seeker)
    row.pin_hash = make_password(digits)
    row.failures, row.locked_until = 0, None
    row.set_at, row.set_by = timezone.now(), acting_user
    row.save()
    record(
        acting_user,
        Action.UPDATE if replaced else Action.CREATE,
        TerminalPin,
        row,
        subject=seeker,
        purpose=N_("端末のPINの設定"),
        detail={"seeker": seeker.seeker_id},
    )
    return row


@dataclass(frozen=True)
class Outcome:
    seeker: Seeker | None
    error: str


WRONG = N_("求職者IDまたはPINが正しくありません。")


def _attempt(terminal: Terminal, seeker_id: str, pin: str) -> Outcome:
    now = timezone.now()
    try:
        digits = _clean_pin(pin)
    except ActionError as e:
        return Outcome(None, str(e))
    typed_id = clean_seeker_id(seeker_id)
    seeker = Seeker.objects.filter(seeker_id=typed_id).first() if typed_id else None
    row = (
        TerminalPin.objects.select_for_update().filter(seeker=seeker).first() if seeker is not None else None
    )
    if seeker is None or row is None:
        return Outcome(None, _(WRONG))
    if row.locked_until is not None and row.locked_until > now:
        return Outcome(
            None,
            _(
                "入力の誤りが続いたため、しばらく利用できません。{minutes}分ほどたってから、"
                "または窓口の職員にお声がけください。"
            ).format(minutes=LOCK_MINUTES),
        )
    detail = {"terminal": terminal.pk, "site": terminal.site.code}
    if not check_password(digits, row.pin_hash):
        row.failures += 1
        locked = row.failures >= MOST_FAILURES
        if locked:
            row.failures, row.locked_until = 0, now + datetime.timedelta(minutes=LOCK_MINUTES)
        row.save(update_fields=["failures", "locked_until"])
        record(
            None,
            Action.LOGIN_FAILED,
            TerminalPin,
            row,
            subject=seeker,
            purpose=N_("端末での本人のサインイン"),
            detail={**detail, "locked": locked},
        )
        return Outcome(None, _(WRONG))
    row.failures, row.locked_until = 0, None
    row.save(update_fields=["failures", "locked_until"])
    record(
        None,
        Action.LOGIN,
        TerminalPin,
        row,
        subject=seeker,
        purpose=N_("端末での本人のサインイン"),
        detail=detail,
    )
    return Outcome(seeker, "")


def do_sign_in(terminal: Terminal, seeker_id: str, pin: str) -> Seeker:
    """The seeker whose ID and PIN were typed; a wrong try is counted (and kept) before the error is raised."""
    with transaction.atomic():
        outcome = _attempt(terminal, seeker_id, pin)
    if outcome.seeker is None:
        raise ActionError(outcome.error)
    return outcome.seeker


# The postings' side of the matching index as the operator sees it (every open posting), kept while nothing that
# feeds it changes: the postings, and the referrals the engine learns related occupations from.
_STAMPS = (
    Stamp(Posting, ("COUNT", "pk"), ("MAX", "updated_at")),
    Stamp(Referral, ("COUNT", "pk"), ("MAX", "updated_at")),
)
_INDEX: dict[tuple[Any, ...], loading.Index] = {}
_LOCK = threading.Lock()


def _postings_index(day: datetime.date) -> loading.Index:
    key = (day, *read_stamps(_STAMPS))
    with _LOCK:
        found = _INDEX.get(key)
    if found is None:
        found = loading.build(None, day, seekers=False)
        with _LOCK:
            _INDEX.clear()
            _INDEX[key] = found
    return found


def recommendations(seeker: Seeker, day: datetime.date) -> list[tuple[Match, loading.PostingInfo]]:
    """The seeker's top open postings, as the staff panel 「おすすめ求人」 finds them (``matching.views``), with the
    engine's reasons. The person is looking at their own record: no party's visibility rules apply."""
    index = _postings_index(day)
    records, _info = loading.seeker_records(Seeker.objects.filter(pk=seeker.pk))
    matches = index.engine.match_seeker(records[0], top=TOP) if records else []
    return [(m, index.postings[int(m.id)]) for m in matches if int(m.id) in index.postings]


def begin(request: HttpRequest, seeker: Seeker) -> None:
    """The terminal's session now belongs to ``seeker`` (a fresh session key: nothing of the previous person's)."""
    request.session.cycle_key()
    terminal = request.terminal  # type: ignore[attr-defined]  # set by terminal_page
    request.session[SESSION_KEY] = {"seeker": seeker.pk, "terminal": terminal.pk, "seen": time.time()}


def signed_in(request: HttpRequest) -> Seeker | None:
    """The seeker signed in at this terminal, touched now; None (and the state dropped) after ``IDLE_SECONDS``."""
    state = request.session.get(SESSION_KEY)
    terminal = request.terminal  # type: ignore[attr-defined]  # set by terminal_page
    now = time.time()
    if not isinstance(state, dict):
        return None
    if state.get("terminal") != terminal.pk or now - float(state.get("seen", 0)) > IDLE_SECONDS:
        end(request)
        return None
    pk = state.get("seeker")
    seeker = Seeker.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if seeker is None:
        end(request)
        return None
    request.session[SESSION_KEY] = {**state, "seen": now}
    return seeker


def end(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
