"""The audit chain: every audit row sealed, in order, with an HMAC of its content and of the row before it.

Row ``seq`` n's ``digest`` is HMAC-SHA256(key, canonical(n)), hex, where canonical(n) is the UTF-8 JSON array

    [seq, digest of row n-1 ("" for row 1), at (UTC, ISO 8601 with microseconds), staff id, username,
     agency, role, action, model, object ids, subject, purpose, detail, [[seeker id, basis], …]]

written with sorted keys, no spaces and ``ensure_ascii=False``; the persons (``AuditPerson``) sorted; a whole
number written as a float in ``detail`` written as an integer (PostgreSQL's jsonb gives ``1e20`` back as an
integer). Changing any field or person of a row, the order of rows or a seal shows at that row or the next;
removing rows leaves a gap in ``seq``, or a head (``AuditHead``) past the last row. This format is in every
stored seal: it may never change without a new version of it.

The key is ``settings.AUDIT_HMAC_KEY``, or one derived from ``SECRET_KEY`` when that is unset. It is never
stored in the database, so someone who can only reach the database cannot reseal what they changed; someone
holding both can, and only a head recorded elsewhere (``audit verify`` prints it) shows that afterwards.

Writers serialise on the head: ``append`` locks it (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a write
to it, which takes the database's write lock, before it is read) and holds it until the transaction ends.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac

from . import append_only
from .models import Action, AuditEvent, AuditHead, AuditPerson

HEAD_ID = 1
# The fields sealed after ``seq`` and the previous digest, in this order.
CONTENT = ("at", "staff_id", "username", "agency", "role", "action", "model", "object_ids", "subject",
           "purpose", "detail")
CHUNK = 2000

Persons = Sequence[tuple[int, str]]


def chain_key() -> bytes:
    configured = getattr(settings, "AUDIT_HMAC_KEY", "")
    if configured:
        return str(configured).encode()
    return salted_hmac("kakehashi.audit.chain", "audit chain key", secret=settings.SECRET_KEY,
                       algorithm="sha256").digest()


def key_check(key: bytes) -> str:
    """A value that shows whether two keys are the same without revealing either."""
    return hmac.new(key, b"kakehashi audit key check", hashlib.sha256).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(decimal.Decimal(repr(value)))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def canonical(seq: int, prev: str, content: Sequence[Any], persons: Persons) -> bytes:
    at, *rest = content
    detail = _plain(rest[-1])
    doc = [seq, prev, at.astimezone(datetime.UTC).isoformat(timespec="microseconds"), *rest[:-1], detail,
           [[int(pk), basis] for pk, basis in sorted(persons)]]
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class Sealer:
    """Seals with one key (keyed once, copied for each row: ``verify`` seals millions)."""

    def __init__(self, key: bytes | None = None) -> None:
        self.key = key if key is not None else chain_key()
        self._mac = hmac.new(self.key, digestmod=hashlib.sha256)

    def seal(self, seq: int, prev: str, content: Sequence[Any], persons: Persons) -> str:
        mac = self._mac.copy()
        mac.update(canonical(seq, prev, content, persons))
        return mac.hexdigest()


def content_of(event: models.Model) -> tuple[Any, ...]:
    return tuple(getattr(event, f) for f in CONTENT)


# --- writing ------------------------------------------------------------------------------------------------

def _locked_head(using: str, sealer: Sealer) -> AuditHead:
    heads = AuditHead.objects.using(using)
    if connections[using].vendor == "sqlite":
        # SQLite has no row locks: writing to the head takes the database's write lock before the head is read
        # (under transaction_mode IMMEDIATE the transaction holds it already).
        heads.filter(pk=HEAD_ID).update(seq=F("seq"))
    head = heads.select_for_update().filter(pk=HEAD_ID).first()
    if head is None:
        # Migrations create the head; only an emptied database (a test's flush) lacks it.
        heads.get_or_create(pk=HEAD_ID, defaults={"key_check": key_check(sealer.key)})
        head = heads.select_for_update().get(pk=HEAD_ID)
    return head


def append(event: AuditEvent, persons: Persons) -> AuditEvent:
    """Seal ``event`` (unsaved) with ``persons`` (seeker pk, basis) as the chain's next row and save both, in
    the caller's transaction or, outside one, in a transaction of its own."""
    using = router.db_for_write(AuditEvent)
    sealer = Sealer()
    persons = sorted(persons)
    with transaction.atomic(using=using, savepoint=False):
        head = _locked_head(using, sealer)
        event.seq = head.seq + 1
        # Taken under the lock: ``at`` never runs backwards along the chain (short of the clock itself).
        event.at = timezone.now()
        event.digest = sealer.seal(event.seq, head.digest, content_of(event), persons)
        event.save(force_insert=True, using=using)
        AuditPerson.objects.using(using).bulk_create(
            [AuditPerson(event=event, seeker_id=pk, basis=basis) for pk, basis in persons])
        moved: dict[str, Any] = {"seq": event.seq, "digest": event.digest}
        if head.seq == 0:
            moved["key_check"] = key_check(sealer.key)  # the key that seals the chain is the first row's
        AuditHead.objects.using(using).filter(pk=HEAD_ID).update(**moved)
    return event


def seal_unsealed(event_model: Any, person_model: Any, head_model: Any, using: str) -> int:
    """Seal, in id order after the chain's last row, the rows written before the chain existed (no ``seq``).
    For the migration that introduced the chain (given its historical models); returns how many it sealed."""
    sealer = Sealer()
    head, _created = head_model.objects.using(using).get_or_create(
        pk=HEAD_ID, defaults={"key_check": key_check(sealer.key)})
    seq, prev, last_id, sealed = head.seq, head.digest, 0, 0
    while True:
        batch = list(event_model.objects.using(using).filter(seq__isnull=True, id__gt=last_id).order_by("id")
                     [:CHUNK])
        if not batch:
            break
        persons = _persons_of(person_model, using, [e.id for e in batch])
        for event in batch:
            seq += 1
            event.seq = seq
            event.digest = prev = sealer.seal(seq, prev, content_of(event), persons.get(event.id, []))
        event_model.objects.using(using).bulk_update(batch, ["seq", "digest"])
        last_id = batch[-1].id
        sealed += len(batch)
    if sealed:
        moved = {"seq": seq, "digest": prev}
        if head.seq == 0:
            moved["key_check"] = key_check(sealer.key)
        head_model.objects.using(using).filter(pk=HEAD_ID).update(**moved)
    return sealed


def _persons_of(person_model: Any, using: str, event_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """The persons of these events. Asked by the range of their ids (an index range scan, not a list of
    thousands of ids); the ids of one chunk are close together, and persons of other events are left out."""
    wanted = set(event_ids)
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    if not wanted:
        return found
    rows = (person_model.objects.using(using).filter(event_id__gte=min(wanted), event_id__lte=max(wanted))
            .order_by().values_list("event_id", "seeker_id", "basis"))
    for event_id, seeker_id, basis in rows:
        if event_id in wanted:
            found[event_id].append((seeker_id, basis))
    return found


# --- verifying ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    id: int
    seq: int
    digest: str
    content: tuple[Any, ...]
    persons: list[tuple[int, str]]

    def describe(self) -> str:
        at, _staff, username, _agency, _role, action, model = self.content[:7]
        local = timezone.localtime(at)
        try:
            with translation.override("ja"):
                action = str(Action(action).label)
        except ValueError:
            pass
        return f"seq {self.seq}（ID {self.id}、{local:%Y-%m-%d %H:%M:%S} {username or 'システム'} {action} {model}）"


@dataclass(frozen=True)
class Problem:
    """The first thing wrong with the chain: the row it is at (``seq``, ``event_id``) and what, in Japanese."""

    seq: int | None
    event_id: int | None
    kind: str  # edited, inserted, swapped, deleted, truncated, appended, head, broken, no_head
    message: str


@dataclass(frozen=True)
class Verification:
    rows: int
    head_seq: int
    head_digest: str
    problem: Problem | None
    missing_triggers: list[str]
    key_matches: bool

    @property
    def ok(self) -> bool:
        return self.problem is None and not self.missing_triggers


def _rows(using: str, after: int, chunk_size: int) -> Iterator[Row]:
    events = (AuditEvent.objects.using(using).filter(seq__gt=after).order_by("seq")
              .values_list("id", "seq", "digest", *CONTENT))
    batch: list[tuple[Any, ...]] = []

    def flush() -> Iterator[Row]:
        persons = _persons_of(AuditPerson, using, [v[0] for v in batch])
        for v in batch:
            yield Row(id=v[0], seq=v[1], digest=v[2], content=tuple(v[3:]), persons=persons.get(v[0], []))

    for values in events.iterator(chunk_size=chunk_size):
        batch.append(values)
        if len(batch) >= chunk_size:
            yield from flush()
            batch = []
    if batch:
        yield from flush()


def _diagnose(sealer: Sealer, row: Row, nxt: Row | None, prev: str, head: AuditHead | None) -> Problem:
    """Row ``row`` does not match its seal given ``prev``, the seal of the row before: say what happened."""
    k = row.seq
    if nxt is not None and nxt.seq == k + 1:
        if sealer.seal(k, prev, nxt.content, nxt.persons) == nxt.digest:
            if sealer.seal(k + 1, nxt.digest, row.content, row.persons) == row.digest:
                return Problem(k, row.id, "swapped",
                               f"{row.describe()} と次の {nxt.describe()} の順序が入れ替えられています。")
            return Problem(k, row.id, "inserted",
                           f"{row.describe()} は後から挿入された行です（この行を除くと前後の行がつながります）。")
        if sealer.seal(k + 1, row.digest, nxt.content, nxt.persons) == nxt.digest:
            return Problem(k, row.id, "edited", f"{row.describe()} の内容が記録の後に書き換えられています"
                                                "（封印は元のまま、内容が一致しません）。")
    if nxt is None and head is not None:
        if head.seq == k and head.digest == row.digest:
            return Problem(k, row.id, "edited", f"{row.describe()} の内容が記録の後に書き換えられています"
                                                "（封印は元のまま、内容が一致しません）。")
        if head.seq == k - 1:
            return Problem(k, row.id, "appended", f"{row.describe()} は末尾に書き足された行です"
                                                  "（封印が一致せず、監査ログの末尾の記録にもありません）。")
    return Problem(k, row.id, "broken", f"{row.describe()} が封印と一致しません"
                                        "（内容の書き換え、行の挿入、または順序の入れ替えがあります）。")


def verify(using: str | None = None, chunk_size: int = CHUNK, anchors: dict[int, str] | None = None) -> Verification:
    """Walk the chain in ``seq`` order and stop at the first row edited, deleted, inserted or moved, or at a
    removed tail (the head past the last row). Rows added while it runs are walked too. ``anchors`` are heads
    printed by earlier runs and kept elsewhere (seq → digest): the chain must still reach each with that seal,
    which shows a tail removed together with its head, or a chain resealed with the key."""
    using = using or router.db_for_read(AuditEvent)
    anchors = anchors or {}
    sealer = Sealer()
    prev, expected, count = "", 1, 0
    head: AuditHead | None = None
    problem: Problem | None = None
    while problem is None:
        rows = _rows(using, expected - 1, chunk_size)
        row = next(rows, None)
        while row is not None:
            nxt = next(rows, None)
            if row.seq != expected:
                gap = f"seq {expected}" if row.seq == expected + 1 else f"seq {expected}〜{row.seq - 1}"
                problem = Problem(expected, None, "deleted",
                                  f"{gap} の行が削除されています（{row.describe()} の前の行がありません）。")
                break
            if sealer.seal(row.seq, prev, row.content, row.persons) != row.digest:
                if nxt is None:
                    head = AuditHead.objects.using(using).filter(pk=HEAD_ID).first()
                problem = _diagnose(sealer, row, nxt, prev, head)
                break
            if row.seq in anchors and anchors[row.seq] != row.digest:
                problem = Problem(row.seq, row.id, "anchor",
                                  f"{row.describe()} の封印が、控えてあった封印と異なります"
                                  "（この行まで、またはこの行を含めて監査ログが作り直されています）。")
                break
            prev, expected, count = row.digest, expected + 1, count + 1
            row = nxt
        if problem is not None:
            break
        # Read after the walk: a writer commits its row and the head together, so the head read now covers at
        # least every row walked; rows beyond them were added meanwhile and are walked in the next round.
        head = AuditHead.objects.using(using).filter(pk=HEAD_ID).first()
        last = expected - 1
        if head is None:
            problem = Problem(None, None, "no_head", "監査ログの末尾の記録（AuditHead）がありません。")
        elif head.seq > last and _has_rows_after(using, last):
            continue
        elif head.seq > last:
            first = f"seq {last + 1}" if head.seq == last + 1 else f"seq {last + 1}〜{head.seq}"
            problem = Problem(last + 1, None, "truncated",
                              f"末尾の {first} の行が削除されています（最後の行は seq {last}、"
                              f"監査ログの末尾の記録は seq {head.seq}）。")
        elif head.seq < last:
            problem = Problem(head.seq + 1, None, "appended",
                              f"seq {head.seq + 1} 以降の行が、監査ログの末尾の記録（seq {head.seq}）の後に"
                              "書き足されています。")
        elif head.digest != prev:
            problem = Problem(last, None, "head", f"監査ログの末尾の記録（seq {head.seq}）の封印が最後の行と"
                                                  "一致しません。")
        elif anchors and max(anchors) > last:
            problem = Problem(last + 1, None, "truncated",
                              f"控えてあった seq {max(anchors)} まで監査ログが届いていません：seq {last + 1} 以降が"
                              "削除され、監査ログの末尾の記録も書き戻されています。")
        break
    if head is None:
        head = AuditHead.objects.using(using).filter(pk=HEAD_ID).first()
    key_matches = head is None or not head.key_check or head.key_check == key_check(sealer.key)
    return Verification(rows=count, head_seq=head.seq if head else 0, head_digest=head.digest if head else "",
                        problem=problem, missing_triggers=append_only.missing(connections[using]),
                        key_matches=key_matches)


def _has_rows_after(using: str, seq: int) -> bool:
    return AuditEvent.objects.using(using).filter(seq__gt=seq).exists()
