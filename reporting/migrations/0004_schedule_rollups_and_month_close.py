"""Beat's schedule (in the database): captured changes are applied to the rollups every
minute, and on the 1st of each month at 02:00 the previous month is closed."""

from django.db import migrations

TIMEZONE = "Asia/Shanghai"
APPLY = ("reporting: apply changes to the rollups", "reporting.rollups_apply")
CLOSE = ("reporting: close the previous month", "reporting.month_close")


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = CrontabSchedule.objects.get_or_create(
        minute="*",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=TIMEZONE,
    )
    monthly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="2",
        day_of_week="*",
        day_of_month="1",
        month_of_year="*",
        timezone=TIMEZONE,
    )
    for (name, task), crontab in ((APPLY, every_minute), (CLOSE, monthly)):
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab}
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[APPLY[0], CLOSE[0]]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0003_capture_pause"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
