"""The audit log refuses UPDATE and DELETE in the database itself (PostgreSQL), whatever
client sends them: a psql session, a script, a compromised process with the app's role.

TRUNCATE stays with the table's owner (Django's test flush uses it; a production role
should not own the tables). SQLite, the embedded demo mode, relies on the model's guards."""

from django.db import migrations

# Doubled percent signs: the schema editor passes the statement through placeholder
# formatting.
REFUSE = """
CREATE OR REPLACE FUNCTION core_auditlog_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
CREATE TRIGGER core_auditlog_append_only BEFORE UPDATE OR DELETE ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION core_auditlog_refuse();
"""
ALLOW = """
DROP TRIGGER IF EXISTS core_auditlog_append_only ON core_auditlog;
DROP FUNCTION IF EXISTS core_auditlog_refuse();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REFUSE)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_audit_push_action")]

    operations = [migrations.RunPython(install, uninstall)]
