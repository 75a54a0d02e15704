"""Keeping the facts equal to the records: applying captured changes incrementally, and
rebuilding everything from scratch.

Incremental application moves each affected fact by the difference a change makes, so only
the region-months a change touches are written. For counts and sums the difference of a row
is its value at every ancestor of its region. For distinct subjects (a person counted once
a year in the month of their first matching record under a region) a change can move that
first month; the difference is taken per subject and year: their contributions at every
level before the change and after it, from all their rows of that year.

``rollups_rebuild`` recomputes the same facts with set-based SQL; the tests hold the two
equal after random sequences of inserts, corrections and cancellations.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q

from reporting import definitions
from reporting.definitions import Counted
from reporting.models import Fact, IndicatorVersion, Measure, Outcome, PendingSource, RegionLink
from reporting.sources import SOURCE_KEYS, Row, dependents, derive, key_ranges
from stations.models import Region

BATCH = 2000
ADDITIVE = (Measure.COUNT, Measure.SUM, Measure.BALANCE)
FactKey = tuple[int, int, dt.date]  # version, region, month
OUTCOME = Outcome._meta.db_table
FACT = Fact._meta.db_table
LINK = RegionLink._meta.db_table


def _lock() -> None:
    """One applier at a time: the differences are taken against the state they change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('reporting.rollups'))")


def counted_versions(version_ids: Iterable[int] | None = None) -> list[Counted]:
    """The versions facts are kept for: the current ones (or those asked for), not ratios."""
    versions = IndicatorVersion.objects.exclude(measure=Measure.RATIO).select_related("indicator")
    if version_ids is None:
        versions = versions.filter(superseded_at__isnull=True)
    else:
        versions = versions.filter(pk__in=list(version_ids))
    return [Counted(v.pk, v.indicator.code, v.measure, v.definition) for v in versions]


# --- The region tree's closure ------------------------------------------------------------


def _closure() -> dict[int, tuple[int, ...]]:
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    chains: dict[int, tuple[int, ...]] = {}

    def chain(region_id: int) -> tuple[int, ...]:
        found = chains.get(region_id)
        if found is None:
            parent = parents[region_id]
            found = (region_id, *(chain(parent) if parent is not None else ()))
            chains[region_id] = found
        return found

    for region_id in parents:
        chain(region_id)
    return chains


def links_refresh() -> set[int]:
    """Write the closure again where it changed; returns the regions that had links before
    and whose ancestors changed (their facts are then wrong at every level)."""
    wanted = {
        (descendant, ancestor, depth)
        for descendant, ancestors in _closure().items()
        for depth, ancestor in enumerate(ancestors)
    }
    held = set(RegionLink.objects.values_list("descendant_id", "ancestor_id", "depth"))
    stale, missing = held - wanted, wanted - held
    if stale:
        for descendant, ancestor, _depth in stale:
            RegionLink.objects.filter(descendant_id=descendant, ancestor_id=ancestor).delete()
    RegionLink.objects.bulk_create(
        [RegionLink(descendant_id=d, ancestor_id=a, depth=n) for d, a, n in missing],
        batch_size=5000,
        ignore_conflicts=True,
    )
    known = {d for d, _a, _n in held}
    return {d for d, _a, _n in stale | missing if d in known}


def ancestors_map() -> dict[int, tuple[int, ...]]:
    chains: dict[int, list[int]] = defaultdict(list)
    for descendant, ancestor in RegionLink.objects.order_by("depth").values_list(
        "descendant_id", "ancestor_id"
    ):
        chains[descendant].append(ancestor)
    return {k: tuple(v) for k, v in chains.items()}


# --- Differences ----------------------------------------------------------------------------


def _row_of(outcome: Outcome) -> Row:
    return Row(
        outcome.source,
        outcome.source_id,
        outcome.kind,
        outcome.item,
        outcome.region_id,
        outcome.month,
        outcome.subject,
        outcome.category,
        outcome.tags,
        outcome.amount,
    )


def _counts(version: Counted, row: Row) -> bool:
    return definitions.holds(
        version.definition, kind=row.kind, category=row.category, tags=row.tags
    )


def _additive_delta(
    versions: Sequence[Counted],
    rows: Iterable[Row],
    sign: int,
    ancestors: Mapping[int, tuple[int, ...]],
    into: dict[FactKey, Decimal],
) -> None:
    for row in rows:
        for version in versions:
            if not _counts(version, row):
                continue
            value = Decimal(1) if version.measure == Measure.COUNT else row.amount
            for region in ancestors.get(row.region_id, (row.region_id,)):
                into[(version.version_id, region, row.month)] += sign * value


def _first_months(
    version: Counted, rows: Iterable[Row], ancestors: Mapping[int, tuple[int, ...]]
) -> dict[int, dt.date]:
    """Where one subject's rows of one year count for a distinct version: the first month
    under each region."""
    first: dict[int, dt.date] = {}
    for row in rows:
        if not _counts(version, row):
            continue
        for region in ancestors.get(row.region_id, (row.region_id,)):
            if region not in first or row.month < first[region]:
                first[region] = row.month
    return first


def _distinct_delta(
    versions: Sequence[Counted],
    removed: Sequence[Row],
    added: Sequence[Row],
    ancestors: Mapping[int, tuple[int, ...]],
    into: dict[FactKey, Decimal],
) -> None:
    if not versions:
        return
    kinds = {kind for v in versions for kind in v.kinds}
    groups = {
        (r.subject, r.year) for r in (*removed, *added) if r.kind in kinds and r.subject is not None
    }
    if not groups:
        return
    years = {year for _s, year in groups}
    before: dict[tuple[int, int], list[Row]] = defaultdict(list)
    for outcome in Outcome.objects.filter(
        kind__in=kinds,
        subject__in={s for s, _y in groups},
        month__gte=dt.date(min(years), 1, 1),
        month__lte=dt.date(max(years), 12, 1),
    ):
        row = _row_of(outcome)
        group = (outcome.subject or 0, row.year)
        if group in groups:
            before[group].append(row)
    removed_keys = {r.key for r in removed}
    after: dict[tuple[int, int], list[Row]] = {
        group: [r for r in rows if r.key not in removed_keys] for group, rows in before.items()
    }
    for row in added:
        if row.kind in kinds and row.subject is not None:
            after.setdefault((row.subject, row.year), []).append(row)
    for group in groups:
        for version in versions:
            old = _first_months(version, before.get(group, ()), ancestors)
            new = _first_months(version, after.get(group, ()), ancestors)
            for region in old.keys() | new.keys():
                if old.get(region) == new.get(region):
                    continue
                if region in old:
                    into[(version.version_id, region, old[region])] -= 1
                if region in new:
                    into[(version.version_id, region, new[region])] += 1


def facts_add(delta: Mapping[FactKey, Decimal]) -> None:
    rows = [(v, r, m, value) for (v, r, m), value in delta.items() if value]
    if not rows:
        return
    table = FACT
    with connection.cursor() as cursor:
        cursor.executemany(
            # The table is the model's; the values are parameters.
            f"INSERT INTO {table} (version_id, region_id, month, value) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (version_id, region_id, month) "
            f"DO UPDATE SET value = {table}.value + excluded.value",
            rows,
        )


def _same(a: Row, b: Row) -> bool:
    return a == b


def sources_apply(sources: Mapping[str, set[int]], versions: Sequence[Counted]) -> int:
    """Derive the sources' rows again and move the facts by the difference. Returns how many
    outcome rows changed."""
    expanded: dict[str, set[int]] = defaultdict(set)
    for source, ids in sources.items():
        if source == "region":
            continue
        expanded[source] |= ids
        for other, more in dependents(source, ids).items():
            expanded[other] |= more
    removed: list[Row] = []
    added: list[Row] = []
    stale_ids: list[int] = []
    for source, ids in expanded.items():
        old = {}
        for outcome in Outcome.objects.filter(source=source, source_id__in=ids):
            old[(outcome.source, outcome.source_id, outcome.kind, outcome.item)] = outcome
        new = {row.key: row for row in derive(source, ids)}
        for key, outcome in old.items():
            row = _row_of(outcome)
            if key not in new or not _same(row, new[key]):
                removed.append(row)
                stale_ids.append(outcome.pk)
        for key, row in new.items():
            if key not in old or not _same(_row_of(old[key]), row):
                added.append(row)
    if not removed and not added:
        return 0
    ancestors = ancestors_map()
    delta: dict[FactKey, Decimal] = defaultdict(Decimal)
    additive = [v for v in versions if v.measure in ADDITIVE]
    _additive_delta(additive, removed, -1, ancestors, delta)
    _additive_delta(additive, added, +1, ancestors, delta)
    _distinct_delta(
        [v for v in versions if v.measure == Measure.DISTINCT], removed, added, ancestors, delta
    )
    for chunk in _chunks(stale_ids, 5000):
        Outcome.objects.filter(pk__in=chunk).delete()
    outcomes_write(added)
    facts_add(delta)
    return len(removed) + len(added)


def _chunks(items: Sequence, size: int) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


COLUMNS = (
    "source",
    "source_id",
    "kind",
    "item",
    "region_id",
    "month",
    "subject",
    "category",
    "tags",
    "amount",
)


def outcomes_write(rows: Sequence[Row]) -> None:
    """Insert outcome rows: by COPY on PostgreSQL (a rebuild writes millions; model instances
    and INSERT parameters cost more than the derivation), else in batches."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        Outcome.objects.bulk_create([_outcome(row) for row in rows], batch_size=5000)
        return
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {OUTCOME} ({', '.join(COLUMNS)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(
                (
                    row.source,
                    row.source_id,
                    row.kind,
                    row.item,
                    row.region_id,
                    row.month,
                    row.subject,
                    row.category,
                    row.tags,
                    row.amount,
                )
            )


def _outcome(row: Row) -> Outcome:
    return Outcome(
        source=row.source,
        source_id=row.source_id,
        kind=row.kind,
        item=row.item,
        region_id=row.region_id,
        month=row.month,
        subject=row.subject,
        category=row.category,
        tags=row.tags,
        amount=row.amount,
    )


def _take_pending(limit: int) -> dict[str, set[int]]:
    pending = PendingSource.objects.order_by("pk")
    if connection.vendor == "postgresql":
        pending = pending.select_for_update(skip_locked=True)
    taken = list(pending.values_list("pk", "source", "source_id")[:limit])
    PendingSource.objects.filter(pk__in=[pk for pk, _s, _i in taken]).delete()
    sources: dict[str, set[int]] = defaultdict(set)
    for _pk, source, source_id in taken:
        sources[source].add(source_id)
    return sources


def rollups_apply(*, batch: int = BATCH) -> int:
    """Apply every captured change, a batch per transaction. Returns the number of outcome
    rows changed."""
    changed = 0
    while True:
        with transaction.atomic():
            _lock()
            sources = _take_pending(batch)
            if not sources:
                return changed
            if "region" in sources and links_refresh():
                # A region moved: every level above it changes; recompute all facts.
                changed += sources_apply(sources, counted_versions())
                facts_rebuild()
                continue
            changed += sources_apply(sources, counted_versions())


def rollups_fresh() -> None:
    """Before a read: apply what is pending, so a report shows every committed change."""
    if PendingSource.objects.exists():
        rollups_apply()


# --- Rebuild -------------------------------------------------------------------------------
#
# Set-based, one scan of the outcome rows per group of versions reading the same kinds: each
# version's condition is a FILTER on the scan. Counts and sums are taken per community (leaf
# region) and month first, then carried up the closure; distinct subjects keep their first
# month per leaf region and year, then the first month per ancestor.


def _where(q: Q) -> tuple[str, list]:
    """The SQL of a condition on ``Outcome`` columns (no joins), for a FILTER clause."""
    query = Outcome.objects.filter(q).query
    sql, params = query.get_compiler(connection=connection).compile(query.where)
    return sql, list(params)


def _year_sql() -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(YEAR FROM {OUTCOME}.month) AS integer)"
    return f"CAST(strftime('%%Y', {OUTCOME}.month) AS integer)"


def _by_kinds(versions: Sequence[Counted]) -> dict[tuple[str, ...], list[Counted]]:
    groups: dict[tuple[str, ...], list[Counted]] = defaultdict(list)
    for version in versions:
        groups[tuple(sorted(version.kinds))].append(version)
    return groups


def _kinds_sql(kinds: Sequence[str]) -> tuple[str, list]:
    return f"{OUTCOME}.kind IN ({', '.join(['%s'] * len(kinds))})", list(kinds)


def _additive_rebuild(kinds: Sequence[str], versions: Sequence[Counted]) -> None:
    columns, params = [], []
    for index, version in enumerate(versions):
        where, where_params = _where(definitions.as_q(version.definition))
        measure = "1" if version.measure == Measure.COUNT else f"{OUTCOME}.amount"
        columns.append(f"SUM({measure}) FILTER (WHERE {where}) AS v{index}")
        params += where_params
    kinds_where, kinds_params = _kinds_sql(kinds)
    unpivot = " UNION ALL ".join(
        f"SELECT %s AS version_id, region_id, month, v{index} AS value FROM leaf"  # noqa: S608
        for index in range(len(versions))
    )
    with connection.cursor() as cursor:
        cursor.execute(
            # The SQL is this module's and the ORM's; every value is a parameter.
            f"WITH leaf AS (SELECT region_id, month, {', '.join(columns)} "  # noqa: S608
            f"FROM {OUTCOME} WHERE {kinds_where} GROUP BY region_id, month) "
            f"INSERT INTO {FACT} (version_id, region_id, month, value) "
            f"SELECT u.version_id, l.ancestor_id, u.month, SUM(u.value) FROM ({unpivot}) u "
            f"JOIN {LINK} l ON l.descendant_id = u.region_id "
            f"WHERE u.value IS NOT NULL AND u.value <> 0 "
            f"GROUP BY u.version_id, l.ancestor_id, u.month",
            [*params, *kinds_params, *(v.version_id for v in versions)],
        )


def _distinct_rebuild(kinds: Sequence[str], versions: Sequence[Counted]) -> None:
    columns, params = [], []
    for index, version in enumerate(versions):
        where, where_params = _where(definitions.as_q(version.definition))
        columns.append(f"MIN({OUTCOME}.month) FILTER (WHERE {where}) AS m{index}")
        params += where_params
    kinds_where, kinds_params = _kinds_sql(kinds)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS reporting_firsts")
        cursor.execute(
            f"CREATE TEMPORARY TABLE reporting_firsts AS "  # noqa: S608
            f"SELECT subject, {_year_sql()} AS year, region_id, {', '.join(columns)} "
            f"FROM {OUTCOME} WHERE {kinds_where} AND subject IS NOT NULL "
            f"GROUP BY subject, {_year_sql()}, region_id",
            [*params, *kinds_params],
        )
        if connection.vendor == "postgresql":
            # A temporary table has no statistics until analysed: without them the planner
            # joins it to the closure by nested loops.
            cursor.execute("ANALYZE reporting_firsts")
        for index, version in enumerate(versions):
            cursor.execute(
                f"INSERT INTO {FACT} (version_id, region_id, month, value) "  # noqa: S608
                f"SELECT %s, ancestor_id, first_month, COUNT(*) FROM ("
                f"SELECT l.ancestor_id, f.subject, f.year, MIN(f.m{index}) AS first_month "
                f"FROM reporting_firsts f JOIN {LINK} l ON l.descendant_id = f.region_id "
                f"WHERE f.m{index} IS NOT NULL GROUP BY l.ancestor_id, f.subject, f.year"
                f") firsts GROUP BY ancestor_id, first_month",
                [version.version_id],
            )
        cursor.execute("DROP TABLE reporting_firsts")


def facts_rebuild(version_ids: Iterable[int] | None = None) -> None:
    """Recompute the facts of the current versions (or of those given) at every level."""
    versions = counted_versions(version_ids)
    Fact.objects.filter(version_id__in=[v.version_id for v in versions]).delete()
    for kinds, group in _by_kinds([v for v in versions if v.measure in ADDITIVE]).items():
        _additive_rebuild(kinds, group)
    for kinds, group in _by_kinds([v for v in versions if v.measure == Measure.DISTINCT]).items():
        _distinct_rebuild(kinds, group)


def outcomes_rebuild() -> int:
    """Derive every source's rows from scratch. Returns the number of rows."""
    # One DELETE (nothing refers to outcome rows); TRUNCATE would refuse inside a
    # transaction with deferred constraint checks pending.
    Outcome.objects.all().delete()
    total = 0
    for source in SOURCE_KEYS:
        for ids in key_ranges(source, 5000):
            rows = derive(source, ids)
            outcomes_write(rows)
            total += len(rows)
    return total


@transaction.atomic
def rollups_rebuild(*, outcomes: bool = True) -> int:
    """Everything from scratch: the closure, the outcome rows (unless ``outcomes`` is
    false), every fact. Changes captured meanwhile wait for the lock, so none is lost."""
    _lock()
    last = PendingSource.objects.order_by("-pk").values_list("pk", flat=True).first()
    links_refresh()
    total = outcomes_rebuild() if outcomes else Outcome.objects.count()
    if last is not None and outcomes:
        PendingSource.objects.filter(pk__lte=last).delete()
    facts_rebuild()
    return total
