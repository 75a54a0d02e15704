"""The capture triggers again, now skipping rows while a bulk load has paused capture
(reporting.capture.capture_paused)."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from reporting.capture import install as install_triggers

    install_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_capture_triggers")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
