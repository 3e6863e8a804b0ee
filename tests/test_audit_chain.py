"""The audit log cannot be changed quietly: every row is sealed into a chain that `kakehashi audit verify` walks,
and the database refuses UPDATE and DELETE of audit rows (on PostgreSQL also by the application's privileges).

Each tampering is done to the test database with the triggers switched off, as someone who owns the database
could; verify must name the row it happened at."""

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError, QuerySet
from django.test import override_settings

from kakehashi.accounts.models import Role, Staff
from kakehashi.audit import append_only, chain
from kakehashi.audit.log import record
from kakehashi.audit.models import Action, AuditEvent, AuditHead, AuditPerson

ROLES_SQL = Path(__file__).resolve().parent.parent / "deploy" / "postgres" / "roles.sql"
on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL only")


def five_rows(staff: Staff | None = None) -> list[AuditEvent]:
    return [record(staff, Action.VIEW, "seekers.Seeker", [100 + i], purpose="求職者詳細",
                   persons={100 + i: "holder", 200 + i: f"consent:{i}"}, detail={"n": i, "path": f"/s/{i}/"})
            for i in range(1, 6)]


@contextmanager
def triggers_off() -> Iterator[None]:
    """As the database's owner could: switch the append-only triggers off (inside the test's transaction)."""
    tables = append_only.APPEND_ONLY + append_only.NO_DELETE
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            for name in append_only.expected("sqlite"):
                c.execute(f"DROP TRIGGER {name}")
        else:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            for t in tables:
                c.execute(f"ALTER TABLE {t} DISABLE TRIGGER USER")
    yield
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            for sql in append_only.expected("sqlite").values():
                c.execute(sql)
        else:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for t in tables:
                c.execute(f"ALTER TABLE {t} ENABLE TRIGGER USER")
            c.execute("SET CONSTRAINTS ALL DEFERRED")


def renumber(event: AuditEvent, seq: int) -> None:
    AuditEvent.objects.filter(pk=event.pk).update(seq=seq)


def edit_a_field(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    AuditEvent.objects.filter(pk=rows[2].pk).update(purpose="業務外の閲覧ではない")
    return 3, rows[2].pk, "edited"


def edit_a_person(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    AuditPerson.objects.filter(event=rows[1], seeker_id=202).update(basis="holder")
    return 2, rows[1].pk, "edited"


def delete_a_row_in_the_middle(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    AuditPerson.objects.filter(event=rows[2]).delete()
    AuditEvent.objects.filter(pk=rows[2].pk).delete()
    return 3, None, "deleted"


def delete_the_last_row(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    AuditPerson.objects.filter(event=rows[4]).delete()
    AuditEvent.objects.filter(pk=rows[4].pk).delete()
    return 5, None, "truncated"


def insert_a_forged_row_between_two(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    for event in reversed(rows[2:]):
        renumber(event, event.seq + 1)
    forged = AuditEvent.objects.create(seq=3, digest="f" * 64, at=rows[1].at, action="view",
                                       model="seekers.Seeker", object_ids=["999"], purpose="求職者詳細")
    return 3, forged.pk, "inserted"


def swap_two_rows(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    renumber(rows[2], -1)
    renumber(rows[3], 3)
    renumber(rows[2], 4)
    return 3, rows[3].pk, "swapped"


def swap_two_rows_apart(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    renumber(rows[1], -1)
    renumber(rows[3], 2)
    renumber(rows[1], 4)
    return 2, rows[3].pk, "broken"


def append_a_forged_row(rows: list[AuditEvent]) -> tuple[int, int | None, str]:
    forged = AuditEvent.objects.create(seq=6, digest="0" * 64, at=rows[4].at, action="view",
                                       model="seekers.Seeker", object_ids=["999"])
    return 6, forged.pk, "appended"


TAMPERINGS: list[Callable[[list[AuditEvent]], tuple[int, int | None, str]]] = [
    edit_a_field, edit_a_person, delete_a_row_in_the_middle, delete_the_last_row,
    insert_a_forged_row_between_two, swap_two_rows, swap_two_rows_apart, append_a_forged_row,
]


def test_each_row_is_sealed_after_the_one_before(db: None) -> None:
    rows = five_rows()
    assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
    sealer = chain.Sealer()
    prev = ""
    for r in AuditEvent.objects.order_by("seq"):
        persons = sorted(r.persons.values_list("seeker_id", "basis"))
        assert r.digest == sealer.seal(r.seq, prev, chain.content_of(r), persons)
        prev = r.digest
    head = AuditHead.objects.get()
    assert (head.seq, head.digest) == (5, rows[-1].digest)
    result = chain.verify(chunk_size=2)  # several chunks, the persons fetched for each
    assert result.ok and result.rows == 5


def test_a_row_rolled_back_with_its_change_leaves_the_chain_as_it_was(db: None) -> None:
    five_rows()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(None, Action.UPDATE, "seekers.Seeker", [1], purpose="求職者情報の更新")
        raise RuntimeError
    assert AuditHead.objects.get().seq == 5
    record(None, Action.UPDATE, "seekers.Seeker", [1], purpose="求職者情報の更新")
    assert chain.verify().ok


def test_a_chain_sealed_with_one_key_fails_under_another(db: None) -> None:
    """The seal depends on a key the database does not hold: what is in the database alone cannot reseal."""
    rows = five_rows()
    with override_settings(AUDIT_HMAC_KEY="another key"):
        result = chain.verify()
    assert result.problem is not None and result.problem.seq == 1
    assert not result.key_matches
    assert chain.verify().ok and rows


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__)
def test_verify_names_the_first_row_tampered_with(db: None, tamper: Callable[[list[AuditEvent]], tuple[int, int | None, str]]) -> None:
    rows = five_rows()
    assert chain.verify().ok
    with triggers_off():
        seq, event_id, kind = tamper(rows)
    result = chain.verify()
    assert result.problem is not None
    assert (result.problem.seq, result.problem.event_id, result.problem.kind) == (seq, event_id, kind)
    with pytest.raises(CommandError) as failed:
        call_command("audit", "verify")
    assert failed.value.returncode == 1
    assert f"seq {seq}" in str(failed.value)


def test_a_tail_removed_with_its_head_shows_only_against_a_head_written_down(db: None) -> None:
    """What verify cannot see on its own: the last rows removed and the head moved back with them. The head
    printed by an earlier verify, kept elsewhere, shows it."""
    rows = five_rows()
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    anchored = out.getvalue()
    assert f"末尾の連番：5\n末尾の封印：{rows[-1].digest}" in anchored
    with triggers_off():
        AuditPerson.objects.filter(event=rows[4]).delete()
        AuditEvent.objects.filter(pk=rows[4].pk).delete()
        AuditHead.objects.update(seq=4, digest=rows[3].digest)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "末尾の連番：4" in out.getvalue() and rows[-1].digest not in out.getvalue()
    with pytest.raises(CommandError, match="控えてあった seq 5 まで監査ログが届いていません"):
        call_command("audit", "verify", "--anchor", f"5:{rows[-1].digest}")


def test_an_anchored_head_shows_a_chain_resealed_with_the_key(db: None) -> None:
    """Someone holding the key as well as the database can rewrite a row and reseal everything after it; the
    seal of a row anchored before no longer matches."""
    rows = five_rows()
    anchor = f"3:{rows[2].digest}"
    call_command("audit", "verify", "--anchor", anchor, stdout=StringIO())
    sealer = chain.Sealer()
    with triggers_off():
        AuditEvent.objects.filter(pk=rows[1].pk).update(purpose="書き換え")
        prev = rows[0].digest
        for event in AuditEvent.objects.filter(seq__gte=2).order_by("seq"):
            prev = sealer.seal(event.seq, prev, chain.content_of(event),
                               sorted(event.persons.values_list("seeker_id", "basis")))
            AuditEvent.objects.filter(pk=event.pk).update(digest=prev)
        AuditHead.objects.update(digest=prev)
    assert chain.verify().ok  # resealed with the key: the database alone cannot tell
    with pytest.raises(CommandError, match="seq 3.*控えてあった封印と異なります"):
        call_command("audit", "verify", "--anchor", anchor)
    with pytest.raises(CommandError, match="--anchor"):
        call_command("audit", "verify", "--anchor", "3:abc")


def test_verify_reports_missing_triggers(db: None) -> None:
    five_rows()
    with connection.cursor() as c:
        if connection.vendor == "sqlite":
            c.execute("DROP TRIGGER audit_auditevent_no_update")
            gone = "audit_auditevent_no_update"
        else:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
            c.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
            gone = "audit_auditevent_append_only"
    with pytest.raises(CommandError, match=gone):
        call_command("audit", "verify")


def test_the_database_refuses_to_change_or_remove_audit_rows(db: None) -> None:
    rows = five_rows()
    attempts: list[Callable[[], object]] = [
        lambda: AuditEvent.objects.filter(pk=rows[0].pk).update(purpose="書き換え"),
        lambda: AuditEvent.objects.filter(pk=rows[0].pk).delete(),
        lambda: AuditPerson.objects.filter(event=rows[0]).update(basis="holder"),
        lambda: AuditPerson.objects.filter(event=rows[0]).delete(),
        lambda: AuditHead.objects.all().delete(),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="監査ログは追記のみです"), transaction.atomic():
            attempt()
    assert chain.verify().ok


def test_a_staff_member_with_audit_rows_cannot_be_deleted(db: None) -> None:
    staff = Staff.objects.create_user("gone", role=Role.JOB_COUNSELOR)
    rows = five_rows(staff)
    with pytest.raises(ProtectedError), transaction.atomic():
        staff.delete()
    assert AuditEvent.objects.get(pk=rows[0].pk).staff_id == staff.pk
    staff.is_active = False  # staff leave by being deactivated
    staff.save()
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_writes_the_row_and_its_persons_or_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    five_rows()

    bulk_create = QuerySet.bulk_create

    def failing(self: QuerySet[Any], objs: Any, *args: Any, **kwargs: Any) -> Any:
        if self.model is AuditPerson:
            raise DatabaseError("disk full")
        return bulk_create(self, objs, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "bulk_create", failing)
    with pytest.raises(DatabaseError):
        record(None, Action.VIEW, "seekers.Seeker", [1], purpose="求職者詳細", persons={1: "holder"})
    assert AuditEvent.objects.count() == 5 and AuditHead.objects.get().seq == 5
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_chain_are_sealed_by_the_migration_in_order() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0004_signin_actions")])
    with connection.cursor() as c:
        for day in (3, 1, 2):  # written out of date order: the chain follows the order they were written in
            c.execute("INSERT INTO audit_auditevent (at, username, agency, role, action, model, object_ids, "
                      "subject, purpose, detail) VALUES (%s, '', '', '', 'view', 'seekers.Seeker', %s, '', "
                      "'求職者詳細', %s)", [f"2026-01-0{day} 01:02:03.456789", f'["{day}"]',
                                            '{"whole": 2.0, "big": 1e20}'])
        c.execute("SELECT id FROM audit_auditevent ORDER BY id")
        ids = [r[0] for r in c.fetchall()]
        c.execute("INSERT INTO audit_auditperson (event_id, seeker_id, basis) VALUES (%s, 7, 'consent:1')",
                  [ids[1]])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert list(AuditEvent.objects.order_by("seq").values_list("id", "seq")) == list(zip(ids, [1, 2, 3],
                                                                                        strict=True))
    record(None, Action.VIEW, "seekers.Seeker", [4], purpose="求職者詳細")
    result = chain.verify()
    assert result.ok and result.rows == 4, result
    assert not append_only.missing(connection)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain() -> None:
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(25):
                with transaction.atomic():
                    record(None, Action.VIEW, "seekers.Seeker", [n * 100 + i], purpose="求職者詳細")
        except Exception as e:
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 101))
    assert chain.verify().ok


@on_postgresql
def test_the_application_role_may_only_read_and_add_audit_rows(db: None) -> None:
    """deploy/postgres/roles.sql as shipped, with role names of this test's own (roles belong to the whole
    server; everything here is undone with the test's transaction)."""
    suffix = uuid.uuid4().hex[:8]
    owner, app = f"kakehashi_owner_{suffix}", f"kakehashi_app_{suffix}"
    sql = ROLES_SQL.read_text(encoding="utf-8").replace("kakehashi_owner", owner).replace("kakehashi_app", app)
    with connection.cursor() as c:
        c.execute(sql)
        five_rows()
        c.execute(f"SET ROLE {app}")
        try:
            record(None, Action.VIEW, "seekers.Seeker", [1], purpose="求職者詳細", persons={1: "holder"})
            assert AuditEvent.objects.count() == 6
            for statement in ("UPDATE audit_auditevent SET purpose = 'x'", "DELETE FROM audit_auditevent",
                              "UPDATE audit_auditperson SET basis = 'x'", "DELETE FROM audit_auditperson",
                              "TRUNCATE audit_auditevent CASCADE", "DELETE FROM audit_audithead",
                              "CREATE TABLE kakehashi_intruder (x int)"):
                with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                    c.execute(statement)
        finally:
            c.execute("RESET ROLE")
        c.execute(f"SET ROLE {owner}")
        try:
            assert AuditEvent.objects.filter(seq=1).get().purpose == "求職者詳細"  # the owner owns the tables
            for statement in ("UPDATE audit_auditevent SET purpose = 'x'", "DELETE FROM audit_auditevent"):
                with pytest.raises(DatabaseError, match="監査ログは追記のみです"), transaction.atomic():
                    c.execute(statement)
        finally:
            c.execute("RESET ROLE")
    assert chain.verify().ok
