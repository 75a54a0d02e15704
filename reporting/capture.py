"""Change capture: database triggers note, in the changing transaction, every record whose
outcome rows must be derived again.

Why triggers and not calls from the services: a figure must follow the records whatever
wrote them (services, the admin, imports, bulk loads, a bureau's SQL fix), and a capture
that lives in the database cannot be forgotten by a new write path. The triggers only note
``(source, id)`` in ``reporting_pendingsource``; what a record counts as stays in Python
(reporting/sources.py). The same spec is installed as PL/pgSQL on PostgreSQL and as
SQLite triggers in the embedded mode.

The migrations call ``install``, which drops and recreates every trigger from the spec
below: a changed spec ships with a new migration that calls it again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


@dataclass(frozen=True)
class Capture:
    table: str
    # SELECTs of (source, source_id) for the changed row, written with {row} for NEW or OLD.
    selects: tuple[str, ...]
    # Updates of only these columns are captured (None: every update).
    columns: tuple[str, ...] | None = None


def _own(source: str, column: str = "id") -> str:
    return f"SELECT '{source}' AS source, {{row}}.{column} AS source_id"


SPEC: tuple[Capture, ...] = (
    # A region moved in the tree (or came or went): the closure and the facts follow.
    Capture("stations_region", (_own("region"),), ("parent_id",)),
    Capture("stations_application", (_own("application"),), ("status", "post_id", "seeker_id")),
    Capture("stations_placement", (_own("application", "application_id"),)),
    Capture(
        "stations_wagepayment",
        (
            "SELECT 'application' AS source, application_id AS source_id "
            "FROM stations_placement WHERE id = {row}.placement_id",
        ),
    ),
    Capture(
        "stations_jobseeker",
        (_own("seeker"),),
        (
            "residence_region_id",
            "registering_station_id",
            "verified_at",
            "graduation_year",
            "birth_date",
        ),
    ),
    Capture("stations_seekerkeygroup", (_own("seeker", "seeker_id"),)),
    Capture("stations_jobfair", (_own("fair"),)),
    Capture("stations_booth", (_own("fair", "fair_id"),)),
    Capture("stations_intention", (_own("intention"),)),
    Capture("stations_serviceplan", (_own("plan"),)),
    Capture("stations_servicerecord", (_own("plan", "plan_id"),)),
    Capture("stations_trainingreferral", (_own("referral"),)),
    Capture(
        "stations_trainingcourse",
        (
            "SELECT 'referral' AS source, id AS source_id "
            "FROM stations_trainingreferral WHERE course_id = {row}.id",
        ),
        ("region_id",),
    ),
    Capture("stations_wageclaim", (_own("claim"),)),
    Capture("stations_zeroemploymentalert", (_own("alert"),)),
    Capture(
        "stations_family",
        (
            "SELECT 'alert' AS source, id AS source_id "
            "FROM stations_zeroemploymentalert WHERE family_id = {row}.id",
        ),
        ("region_id",),
    ),
    Capture("stations_station", (_own("station"),), ("region_id", "active")),
    Capture("stations_staff_stations", (_own("station", "station_id"),)),
    Capture("stations_signin", (_own("signin"),), ("station_id", "seeker_id", "day")),
    Capture("stations_guidancesession", (_own("guidance"),)),
    Capture(
        "stations_jobpost",
        (_own("post"),),
        ("opened_at", "openings", "region_id", "employer_id", "kind"),
    ),
    Capture("reporting_programmeledger", (_own("ledger"),)),
)

PENDING = "reporting_pendingsource"
# Set (transaction-locally) by ``capture_paused``: a bulk load followed by a full rebuild.
PAUSE_SETTING = "reporting.capture_paused"


def _inserts(capture: Capture, row: str) -> str:
    return "".join(
        # The spec is this module's constants, never input.
        f"INSERT INTO {PENDING} (source, source_id) SELECT source, source_id FROM "  # noqa: S608
        f"({select.format(row=row)}) AS captured WHERE source_id IS NOT NULL;\n"
        for select in capture.selects
    )


def _postgresql(capture: Capture) -> list[str]:
    function = f"reporting_capture_{capture.table}"
    update = "UPDATE" + (f" OF {', '.join(capture.columns)}" if capture.columns else "")
    return [
        f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
  IF current_setting('{PAUSE_SETTING}', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    {_inserts(capture, "NEW")}
  END IF;
  IF TG_OP <> 'INSERT' THEN
    {_inserts(capture, "OLD")}
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql""",
        f"DROP TRIGGER IF EXISTS reporting_capture ON {capture.table}",
        f"CREATE TRIGGER reporting_capture AFTER INSERT OR DELETE OR {update} "
        f"ON {capture.table} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _sqlite(capture: Capture) -> list[str]:
    name = f"reporting_capture_{capture.table}"
    update = "UPDATE" + (f" OF {', '.join(capture.columns)}" if capture.columns else "")
    return [
        *(f"DROP TRIGGER IF EXISTS {name}_{event}" for event in ("insert", "update", "delete")),
        f"CREATE TRIGGER {name}_insert AFTER INSERT ON {capture.table} BEGIN\n"
        f"{_inserts(capture, 'NEW')}END",
        f"CREATE TRIGGER {name}_update AFTER {update} ON {capture.table} BEGIN\n"
        f"{_inserts(capture, 'NEW')}{_inserts(capture, 'OLD')}END",
        f"CREATE TRIGGER {name}_delete AFTER DELETE ON {capture.table} BEGIN\n"
        f"{_inserts(capture, 'OLD')}END",
    ]


def statements(vendor: str) -> list[str]:
    build = {"postgresql": _postgresql, "sqlite": _sqlite}.get(vendor)
    if build is None:
        raise NotImplementedError(f"change capture has no triggers for {vendor}")
    return [sql for capture in SPEC for sql in build(capture)]


@contextlib.contextmanager
def capture_paused() -> Iterator[None]:
    """Inside a transaction that ends with ``rollups_rebuild``: the triggers note nothing,
    since the rebuild derives every record anyway (a bulk load of a million rows otherwise
    writes a million pending rows for the rebuild to discard). PostgreSQL only, and only
    for the current transaction (``SET LOCAL``); elsewhere capture goes on."""
    if not connection.in_atomic_block:
        raise RuntimeError("capture is paused only inside a transaction that rebuilds")
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL {PAUSE_SETTING} = 'on'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {PAUSE_SETTING} = 'off'")


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    vendor = schema_editor.connection.vendor
    for capture in SPEC:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS reporting_capture ON {capture.table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS reporting_capture_{capture.table}()")
        else:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(
                    f"DROP TRIGGER IF EXISTS reporting_capture_{capture.table}_{event}"
                )
