"""Beat's schedule (in the database) for issue 6: at 18:00 the seekers registered for
tomorrow's fairs hear which booths suit them; at night 311 plans open and close and
zero-employment families are checked; at 08:30 staff get their follow-up digest."""

from django.db import migrations

SCHEDULE = {
    # name: (task, hour, minute)
    "stations: booths for tomorrow's fairs": ("stations.fairs_tomorrow_notify", "18", "0"),
    "stations: open and close 311 plans": ("stations.followup_plans_ensure", "1", "30"),
    "stations: zero-employment families": ("stations.followup_families_check", "1", "45"),
    "stations: staff follow-up digest": ("stations.followup_staff_digest", "8", "30"),
}


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, hour, minute) in SCHEDULE.items():
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab}
        )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=list(SCHEDULE)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0008_overdue_rule_defaults"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
