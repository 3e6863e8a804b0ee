"""Every change to terminals and tickets: one function each, in one transaction with its audit row.

A terminal acts for no one: what it changes (enrolling itself, issuing a ticket) is recorded with no staff member
and the terminal named in the detail.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_  # audit purposes are stored in Japanese

from kakehashi.accounts.models import Site, Staff
from kakehashi.audit.log import record
from kakehashi.audit.models import Action
from kakehashi.core.errors import ActionError
from kakehashi.engine.text import nfkc
from kakehashi.postings.models import Posting
from kakehashi.referrals.models import Referral

from .models import CODE_MINUTES, TRANSITIONS, Terminal, Ticket, TicketStatus, count

# A person may carry this many postings to the desk on one ticket.
MOST_CHOSEN = 20


def _new_code() -> str:
    """Eight digits, easy to type on a touch screen."""
    return f"{secrets.randbelow(10**8):08d}"


def _clean_name(name: str) -> str:
    cleaned = " ".join(nfkc(name).split())
    if not cleaned:
        raise ActionError(_("端末名を入力してください。"))
    if len(cleaned) > 60:
        raise ActionError(_("端末名は60文字以内で入力してください。"))
    return cleaned


@transaction.atomic
def do_register_terminal(site: Site, name: str, *, acting_user: Staff) -> Terminal:
    """A new terminal at ``site`` with a one-time code to type at the terminal."""
    terminal = Terminal.objects.create(
        site=site,
        name=_clean_name(name),
        created_by=acting_user,
        code=_new_code(),
        code_expires_at=timezone.now() + datetime.timedelta(minutes=CODE_MINUTES),
    )
    record(
        acting_user,
        Action.CREATE,
        Terminal,
        terminal,
        purpose=N_("求人検索端末の登録"),
        detail={"site": site.code, "name": terminal.name},
    )
    return terminal


@transaction.atomic
def do_issue_code(terminal: Terminal, *, acting_user: Staff) -> Terminal:
    """A fresh one-time code (the first expired, or the terminal is to be enrolled again, e.g. a new browser)."""
    if terminal.revoked_at is not None:
        raise ActionError(_("停止した端末です。新しい端末として登録してください。"))
    terminal.code = _new_code()
    terminal.code_expires_at = timezone.now() + datetime.timedelta(minutes=CODE_MINUTES)
    terminal.save(update_fields=["code", "code_expires_at"])
    record(acting_user, Action.UPDATE, Terminal, terminal, purpose=N_("求人検索端末の登録コード発行"))
    return terminal


@transaction.atomic
def do_enrol(code: str) -> Terminal:
    """The terminal whose open code was typed, enrolled: a new secret, so any earlier cookie stops working."""
    typed = "".join(nfkc(code).split())
    now = timezone.now()
    terminal = Terminal.objects.select_for_update().filter(code=typed).first() if typed.isdigit() else None
    if terminal is None or not terminal.code_open(now):
        raise ActionError(
            _("登録コードが正しくないか、期限が切れています。窓口の職員にお問い合わせください。")
        )
    terminal.code, terminal.code_expires_at = "", None
    terminal.secret = secrets.token_urlsafe(32)
    terminal.enrolled_at = now
    terminal.save(update_fields=["code", "code_expires_at", "secret", "enrolled_at"])
    record(
        None,
        Action.UPDATE,
        Terminal,
        terminal,
        purpose=N_("求人検索端末の有効化"),
        detail={"terminal": terminal.pk, "site": terminal.site.code},
    )
    return terminal


@transaction.atomic
def do_rename_terminal(terminal: Terminal, name: str, *, acting_user: Staff) -> Terminal:
    before = terminal.name
    terminal.name = _clean_name(name)
    terminal.save(update_fields=["name"])
    record(
        acting_user,
        Action.UPDATE,
        Terminal,
        terminal,
        purpose=N_("求人検索端末の名称変更"),
        detail={"before": before, "after": terminal.name},
    )
    return terminal


@transaction.atomic
def do_revoke_terminal(terminal: Terminal, *, acting_user: Staff) -> Terminal:
    """The terminal stops: its cookie opens nothing from now on, its code is void. Its figures stay."""
    if terminal.revoked_at is not None:
        raise ActionError(_("この端末はすでに停止しています。"))
    terminal.revoked_at = timezone.now()
    terminal.code, terminal.code_expires_at, terminal.secret = "", None, ""
    terminal.save(update_fields=["revoked_at", "code", "code_expires_at", "secret"])
    record(acting_user, Action.UPDATE, Terminal, terminal, purpose=N_("求人検索端末の停止"))
    return terminal


def next_number(site: Site, day: datetime.date) -> int:
    """The next 受付番号 of ``site`` on ``day``: 1 for the first ticket of the day, then one more each."""
    last = Ticket.objects.filter(site=site, issued_on=day).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def do_issue_ticket(
    terminal: Terminal, posting_ids: Iterable[int], *, day: datetime.date | None = None
) -> Ticket:
    """A numbered ticket for the desk carrying the chosen postings (those still existing, at most
    ``MOST_CHOSEN``). Numbers are per site per day; two terminals asking at once get two numbers (the site's row
    is locked on PostgreSQL, SQLite writes one transaction at a time; a clash on the unique number retries)."""
    day = day or timezone.localdate()
    ids = list(dict.fromkeys(int(i) for i in posting_ids))[:MOST_CHOSEN]
    for _attempt in range(5):
        try:
            with transaction.atomic():
                Site.objects.select_for_update().filter(pk=terminal.site_id).first()
                ticket = Ticket.objects.create(
                    site_id=terminal.site_id,
                    terminal=terminal,
                    issued_on=day,
                    number=next_number(terminal.site, day),
                )
                ticket.postings.set(Posting.objects.filter(pk__in=ids))
                count(terminal, "tickets", day)
                record(
                    None,
                    Action.CREATE,
                    Ticket,
                    ticket,
                    purpose=N_("窓口相談の受付票の発行"),
                    detail={
                        "terminal": terminal.pk,
                        "site": terminal.site.code,
                        "number": ticket.number,
                        "postings": sorted(ticket.postings.values_list("posting_id", flat=True)),
                    },
                )
                return ticket
        except IntegrityError:
            continue
    raise ActionError(_("受付票を発行できませんでした。もう一度お試しください。"))


STEP_PURPOSES = {
    "call": N_("受付票の呼出"),
    "start": N_("受付票の相談開始"),
    "finish": N_("受付票の相談終了"),
    "no_show": N_("受付票の不在処理"),
}


@transaction.atomic
def do_move_ticket(ticket: Ticket, step: str, *, acting_user: Staff) -> Ticket:
    """Call, start, finish or mark a ticket as not present, as ``TRANSITIONS`` allows from its state."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    target = TRANSITIONS.get(step, {}).get(ticket.status)
    if target is None:
        raise ActionError(
            _("この受付票は「%(status)s」のため、この操作はできません。")
            % {"status": ticket.get_status_display()}
        )
    before = ticket.status
    now = timezone.now()
    ticket.status = target
    if step == "call":
        ticket.called_at = now
    elif step == "start":
        ticket.started_at = now
    else:
        ticket.finished_at = now
    if step in ("call", "start"):
        ticket.staff = acting_user
    ticket.save(update_fields=["status", "called_at", "started_at", "finished_at", "staff"])
    record(
        acting_user,
        Action.UPDATE,
        Ticket,
        ticket,
        purpose=STEP_PURPOSES[step],
        detail={"number": ticket.number, "before": before, "after": target},
    )
    return ticket


@transaction.atomic
def do_record_referral(ticket: Ticket, referral: Referral, *, acting_user: Staff) -> Ticket:
    """Keep with the ticket a referral the desk recorded from it. The ticket's first referral counts once in its
    terminal's figures (a ticket that became a referral), on the day it was recorded."""
    first = not ticket.referrals.exists()
    ticket.referrals.add(referral)
    if first:
        count(ticket.terminal, "referred")
    record(
        acting_user,
        Action.UPDATE,
        Ticket,
        ticket,
        purpose=N_("受付票からの職業紹介"),
        detail={"number": ticket.number, "referral": referral.referral_id},
    )
    return ticket


TICKET_OPEN = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.IN_PROGRESS)


def do_record_referral_from(ticket_pk: str, referral: Referral, *, acting_user: Staff) -> Ticket | None:
    """The referral page opened from a ticket (``?ticket=``): keep the referral with that ticket when the ticket is
    one the user serves; otherwise nothing (the referral stands)."""
    from kakehashi.accounts.policy import can

    if not ticket_pk.isdigit() or not can(acting_user, "ticket.serve"):
        return None
    ticket = (
        Ticket.objects.visible_to(acting_user).select_related("terminal").filter(pk=int(ticket_pk)).first()
    )
    if ticket is None:
        return None
    return do_record_referral(ticket, referral, acting_user=acting_user)
