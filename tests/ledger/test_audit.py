from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from chengxin.ledger import services as audit
from chengxin.ledger.models import AppendOnlyError, AuditEntry
from chengxin.registry import services as registry

from ..factories import make_subject

pytestmark = pytest.mark.django_db


def test_every_registry_change_is_audited_with_before_after_and_reason(admin_user):
    subject = make_subject(admin_user)
    registry.update_subject(actor=admin_user, subject=subject, data={"address": "杭州市西湖区文三路90号"}, reason="moved office")
    entries = audit.history(subject)
    assert [e.action for e in entries] == ["subject.create", "subject.update"]
    update = entries[-1]
    assert update.actor == admin_user
    assert update.before == {"address": "北京市朝阳区建国路1号"}
    assert update.after == {"address": "杭州市西湖区文三路90号"}
    assert update.reason == "moved office"


def test_an_update_needs_a_reason(admin_user):
    subject = make_subject(admin_user)
    from chengxin.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        registry.update_subject(actor=admin_user, subject=subject, data={"name": "新名字有限公司"}, reason=" ")
    assert err.value.field == "reason"
    subject.refresh_from_db()
    assert subject.name != "新名字有限公司"


def test_entries_are_hash_linked(admin_user):
    make_subject(admin_user)
    make_subject(admin_user)
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].prev_hash == audit.GENESIS
    for prev, cur in zip(entries, entries[1:], strict=False):
        assert cur.prev_hash == prev.hash
        assert cur.seq == prev.seq + 1
    assert audit.verify_chain().ok


def test_orm_cannot_update_or_delete(admin_user):
    make_subject(admin_user)
    entry = AuditEntry.objects.first()
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


def test_database_refuses_raw_update_and_delete(admin_user):
    make_subject(admin_user)
    table = AuditEntry._meta.db_table
    for sql in (f"UPDATE {table} SET reason = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql)
    assert AuditEntry.objects.exclude(reason="x").count() == AuditEntry.objects.count() > 0


def _disable_triggers():
    table = AuditEntry._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute(f"DROP TRIGGER {table}_no_update")
            cur.execute(f"DROP TRIGGER {table}_no_delete")
        else:
            # pending deferred-constraint events would block the ALTER
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def test_verify_names_the_first_tampered_entry(admin_user, capsys):
    for _ in range(4):
        make_subject(admin_user)
    target = AuditEntry.objects.order_by("seq")[2]
    _disable_triggers()  # simulate someone with direct database access
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEntry._meta.db_table} SET reason = 'forged' WHERE seq = %s", [target.seq])
    result = audit.verify_chain()
    assert not result.ok
    assert result.first_bad_seq == target.seq
    with pytest.raises(SystemExit):
        call_command("audit", "verify")
    assert f"#{target.seq}" in capsys.readouterr().err


def test_verify_detects_a_removed_entry(admin_user):
    for _ in range(3):
        make_subject(admin_user)
    target = AuditEntry.objects.order_by("seq")[1]
    _disable_triggers()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEntry._meta.db_table} WHERE seq = %s", [target.seq])
    result = audit.verify_chain()
    assert not result.ok and result.first_bad_seq == target.seq


def test_verify_command_reports_ok(admin_user, capsys):
    make_subject(admin_user)
    call_command("audit", "verify")
    assert "OK" in capsys.readouterr().out


def test_identity_number_is_never_in_the_audit_trail(admin_user):
    from ..factories import make_id_number

    number = make_id_number()
    subject = make_subject(admin_user, kind="individual", uscc="", id_number=number, name="张三日用百货店")
    registry.update_subject(actor=admin_user, subject=subject, data={"id_number": make_id_number()}, reason="correction")
    for entry in AuditEntry.objects.all():
        assert number not in str(entry.before) + str(entry.after)
