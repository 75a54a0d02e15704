"""Beat's schedule (in the database): re-match every open post nightly at 02:30 local time,
and sweep the notification outbox every minute."""

from django.db import migrations

REMATCH = "matching: nightly re-match"
SWEEP = "matching: sweep the notification outbox"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=REMATCH, defaults={"task": "matching.rematch_all", "crontab": nightly}
    )
    PeriodicTask.objects.update_or_create(
        name=SWEEP, defaults={"task": "matching.sweep_notifications", "interval": every_minute}
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[REMATCH, SWEEP]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
