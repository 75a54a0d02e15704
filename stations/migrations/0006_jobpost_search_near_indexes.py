# Indexes for jobs near a point (stations/selectors/jobs.py): a box on the coordinates of
# open posts, and on PostgreSQL the open posts' points on the unit sphere (cube extension),
# which lists them nearest first for `ORDER BY point <-> here LIMIT 20`.

from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

SPHERE_POINT = (
    "cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)), "
    "cos(radians(latitude)) * sin(radians(longitude)), sin(radians(latitude))])"
)


def create_sphere_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX jobpost_open_sphere ON stations_jobpost "
            f"USING gist ({SPHERE_POINT}) WHERE status = 'open'"
        )


def drop_sphere_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS jobpost_open_sphere")


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0005_seeker_app_accounts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="jobpost",
            index=models.Index(
                fields=["status", "latitude", "longitude"], name="jobpost_status_place"
            ),
        ),
        CreateExtension("cube"),
        migrations.RunPython(create_sphere_index, drop_sphere_index, elidable=False),
    ]
