# The overdue rules bureaus start with (issue 6): no first job push within 7 days of a plan
# opening, the duty unmet 60 days before the plan ends, no guidance within 30 days, a fair's
# intention idle for 7 days, a guidance next step past due. Bureau admins change them.

from django.db import migrations

DEFAULTS = {
    "no_first_push": 7,
    "duty_unmet": 60,
    "no_guidance": 30,
    "intention_idle": 7,
    "next_step_due": 0,
}


def add_defaults(apps, schema_editor):
    OverdueRule = apps.get_model("stations", "OverdueRule")
    for kind, days in DEFAULTS.items():
        OverdueRule.objects.get_or_create(kind=kind, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("stations", "0007_station_day_fairs_311")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
