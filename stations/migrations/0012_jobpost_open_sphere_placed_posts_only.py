# The sphere index of migration 0006 covered every open post, but a post without coordinates
# (work at a station: placed by its region) has no point on the sphere, and PostgreSQL
# refused to open one ("cannot work with arrays containing NULLs"). The index now holds the
# open posts that have coordinates; the others are found by jobpost_status_place.

from django.db import migrations

SPHERE_POINT = (
    "cube(ARRAY[cos(radians(latitude)) * cos(radians(longitude)), "
    "cos(radians(latitude)) * sin(radians(longitude)), sin(radians(latitude))])"
)


def sphere_index(predicate):
    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute("DROP INDEX IF EXISTS jobpost_open_sphere")
            schema_editor.execute(
                "CREATE INDEX jobpost_open_sphere ON stations_jobpost "
                f"USING gist ({SPHERE_POINT}) WHERE {predicate}"
            )

    return create


class Migration(migrations.Migration):
    dependencies = [
        ("stations", "0011_schedule_station_day_close"),
    ]

    operations = [
        migrations.RunPython(
            sphere_index("status = 'open' AND latitude IS NOT NULL"),
            sphere_index("status = 'open'"),
            elidable=False,
        ),
    ]
