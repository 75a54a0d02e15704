"""The change-capture triggers (reporting/capture.py) on every table a figure reads."""

from __future__ import annotations

from django.db import migrations


def install(apps, schema_editor):
    from reporting.capture import install as install_triggers

    install_triggers(schema_editor)


def uninstall(apps, schema_editor):
    from reporting.capture import uninstall as uninstall_triggers

    uninstall_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
