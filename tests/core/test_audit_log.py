"""The audit log only grows: no save of an existing entry, no delete, no queryset update or
delete, and on PostgreSQL no UPDATE or DELETE from any client at all."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditAction, AuditLog, AuditLogImmutable

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry() -> AuditLog:
    return audit_record(
        actor=None, action=AuditAction.EXPORT, object_type="jobseeker", detail={"rows": 3}
    )


def test_an_entry_is_written_and_read_back(entry):
    assert AuditLog.objects.get(pk=entry.pk).detail == {"rows": 3}


def test_an_entry_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.detail = {"rows": 0}
    with pytest.raises(AuditLogImmutable):
        entry.save()
    with pytest.raises(AuditLogImmutable):
        entry.delete()
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.filter(pk=entry.pk).update(detail={})
    with pytest.raises(AuditLogImmutable):
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.get(pk=entry.pk).detail == {"rows": 3}


@pytest.mark.services("postgres")
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE core_auditlog SET detail = '{}'::jsonb WHERE id = %s",
        "DELETE FROM core_auditlog WHERE id = %s",
    ],
)
def test_the_database_refuses_sql_that_would_change_an_entry(entry, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    assert AuditLog.objects.get(pk=entry.pk).detail == {"rows": 3}
