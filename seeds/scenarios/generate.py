"""Record-level scenarios: synthetic people and events that reproduce a bulletin's figures.

Each scenario is a small JSON file in this folder (``sanmenxia.json``, ``lanzhou.json``)
stating the city, the year and months, how the records spread over the counties, the
cohorts of people (how many, what they are, the hire each makes and the wages it earns),
the fairs, the programme ledgers and the annual targets. ``scenario_load`` expands it
deterministically (no randomness: the same file gives the same records) and writes the
records in a few large batches: PostgreSQL COPY there, multi-row INSERTs elsewhere. Then
one set-based ``rollups_rebuild`` derives the outcome rows and facts, and deletes the
pending rows the capture triggers noted for every inserted record (applying hundreds of
thousands of them one change at a time would take far longer).

Cohorts are chosen so that every figure comes out exactly under the catalogue's
definitions (reporting/catalogue.py): for instance the re-employed are hires with the
outcomes ``reemployment`` and ``difficulty`` and so part of the new urban jobs; only the
young cohorts have birth dates (``youth`` is a tag of hires of people under 35, so a person
whose age is unknown is never counted as young); graduates have a graduation year and a
real-name verification, which is what ``graduates_registered`` counts. Seekers have no ID
numbers or phones: they are synthetic.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from core.errors import DomainError
from reporting.capture import capture_paused
from reporting.models import AnnualTarget, Indicator, ProgrammeLedger
from reporting.services.rollups import rollups_rebuild
from stations.models import (
    Application,
    Booth,
    Employer,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    Region,
    SeekerKeyGroup,
    WagePayment,
)
from stations.validators import credit_code_check_character

SCENARIOS_DIR = Path(__file__).resolve().parent
# Scenario records carry this prefix in their natural keys; it also tells a loaded scenario.
REFERENCE_PREFIX = "scn"


class ScenarioError(DomainError):
    pass


# --- The scenario file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    name: str
    count: int
    household: str
    age: str | None = None  # "youth": born so as to be 20 to 32 when hired; else unknown
    graduate: bool = False  # a graduate of the year under real-name registration
    key_groups: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()  # the hire's outcome, taken in turn; none: no hire
    wages: int | None = None  # yuan, paid in one payment per hire


@dataclass(frozen=True)
class FairGroup:
    name: str
    count: int
    formats: tuple[str, ...]
    series: tuple[str, ...]
    booths_per_fair: int = 0
    jobs: int = 0
    intention_people: int = 0
    intention_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    city: str
    year: int
    months: tuple[int, ...]
    counties: dict[str, int]
    employers_per_county: int
    hires_per_post: int
    cohorts: tuple[Cohort, ...]
    fairs: tuple[FairGroup, ...]
    ledgers: dict[str, tuple[int, str]]
    targets: dict[str, int]
    published: dict[str, Any] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        return f"{REFERENCE_PREFIX}-{self.name}-"

    @property
    def first_month(self) -> dt.date:
        return dt.date(self.year, self.months[0], 1)

    @property
    def last_day(self) -> dt.date:
        month = self.months[-1]
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])


def scenario_names() -> list[str]:
    return sorted(path.stem for path in SCENARIOS_DIR.glob("*.json"))


def scenario_read(name: str) -> Scenario:
    path = SCENARIOS_DIR / f"{name}.json"
    if not path.is_file():
        raise ScenarioError(f"No scenario {name!r}; there are: {', '.join(scenario_names())}.")
    raw = json.loads(path.read_text(encoding="utf-8"))
    cohorts = tuple(
        Cohort(
            name=c["name"],
            count=int(c["count"]),
            household=c["household"],
            age=c.get("age"),
            graduate=bool(c.get("graduate", False)),
            key_groups=tuple(c.get("key_groups", ())),
            outcomes=tuple(c.get("hire", {}).get("outcomes", ())),
            wages=c.get("hire", {}).get("wages"),
        )
        for c in raw["cohorts"]
    )
    fairs = tuple(
        FairGroup(
            name=f["name"],
            count=int(f["count"]),
            formats=tuple(f["formats"]),
            series=tuple(f["series"]),
            booths_per_fair=int(f.get("booths_per_fair", 0)),
            jobs=int(f.get("jobs", 0)),
            intention_people=int(f.get("intentions", {}).get("people", 0)),
            intention_from=tuple(f.get("intentions", {}).get("from", ())),
        )
        for f in raw["fairs"]
    )
    return Scenario(
        name=raw["name"],
        title=raw["title"],
        city=raw["city"],
        year=int(raw["year"]),
        months=tuple(raw["months"]),
        counties={str(k): int(v) for k, v in raw["counties"].items()},
        employers_per_county=int(raw["employers_per_county"]),
        hires_per_post=int(raw["hires_per_post"]),
        cohorts=cohorts,
        fairs=fairs,
        ledgers={k: (int(v["total"]), v["spread"]) for k, v in raw["ledgers"].items()},
        targets={k: int(v) for k, v in raw["targets"].items()},
        published=raw.get("published", {}),
    )


# --- Deterministic spreading -----------------------------------------------------------------


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into whole parts in proportion to ``weights`` (largest remainders),
    so the parts always add up: apportion(10, [1, 1, 1]) == [4, 3, 3]."""
    whole = sum(weights)
    exact = [total * w for w in weights]
    parts = [e // whole for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


def spread(total: int, count: int) -> list[int]:
    """``count`` amounts adding up to ``total`` that vary (by pairs moving in opposite
    directions) around the mean: amounts are never all equal, the sum is exact."""
    base = apportion(total, [1] * count)
    mean = total // max(count, 1)
    for pair in range(count // 2):
        step = (pair * 37) % max(mean // 5, 1)
        base[2 * pair] += step
        base[2 * pair + 1] -= step
    return base


def _cells(scenario: Scenario, count: int) -> list[tuple[str, int]]:
    """(county, month) for each of ``count`` people, spread by the county weights and
    evenly over the months, interleaved so each county-month gets its share."""
    cells = [(county, month) for county in scenario.counties for month in scenario.months]
    weights = [scenario.counties[county] for county, _month in cells]
    result: list[tuple[str, int]] = []
    for cell, size in zip(cells, apportion(count, weights), strict=True):
        result.extend([cell] * size)
    return result


def _day(year: int, month: int, index: int) -> dt.date:
    return dt.date(year, month, 1 + (index * 7) % 28)


# --- Writing ---------------------------------------------------------------------------------


class _Table:
    """Rows of one model written in one go, with ids taken beforehand (so that other rows
    can point at them) and every column the rows do not give filled with its default."""

    def __init__(self, model: type[models.Model], names: Sequence[str], now: dt.datetime) -> None:
        self.model = model
        self.names = list(names)
        by_name = {f.attname: f for f in model._meta.concrete_fields}
        given = {"id", *self.names}
        self.fixed: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
                value: Any = now
            elif f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif f.empty_strings_allowed:
                value = ""
            else:
                raise ScenarioError(f"{model.__name__}.{f.name} needs a value")
            self.fixed.append((str(f.column), value))
        given_columns = [str(by_name[n].column) for n in self.names]
        self.columns = ["id", *given_columns, *(column for column, _ in self.fixed)]
        self.rows: list[tuple[Any, ...]] = []

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def write(self, ids: Sequence[int]) -> None:
        suffix = tuple(value for _c, value in self.fixed)
        rows = ((pk, *values, *suffix) for pk, values in zip(ids, self.rows, strict=True))
        _write(self.model._meta.db_table, self.columns, rows)


def _reserve(model: type[models.Model], count: int) -> list[int]:
    """Ids for ``count`` new rows of ``model``: from its sequence on PostgreSQL, after the
    highest id elsewhere (one writer at a time there)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [pk for (pk,) in cursor.fetchall()]
        # The table name is the model's, never input.
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        (highest,) = cursor.fetchone()
    return list(range(highest + 1, highest + 1 + count))


def _write(table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == 5000:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608
                batch = []
        if batch:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)  # noqa: S608


# --- Expanding a scenario ------------------------------------------------------------------


@dataclass
class LoadReport:
    scenario: str
    rows: dict[str, int]
    outcome_rows: int

    def __str__(self) -> str:
        written = ", ".join(f"{count} {name}" for name, count in self.rows.items() if count)
        return f"{self.scenario}: {written}; {self.outcome_rows} outcome rows derived"


def scenario_loaded(scenario: Scenario) -> bool:
    return (
        JobPost.objects.filter(reference__startswith=scenario.prefix).exists()
        or JobFair.objects.filter(reference__startswith=scenario.prefix).exists()
    )


def other_records(scenario: Scenario) -> list[str]:
    """Records of the scenario's city and year that are not the scenario's: they would be
    counted with it, and the figures would no longer be the bulletin's."""
    city = Region.objects.filter(code=scenario.city).first()
    if city is None:
        return []
    under = {"application__post__region__path__startswith": city.path}
    found = []
    hires = (
        Placement.objects.filter(starts_on__year=scenario.year, **under)
        .exclude(application__post__reference__startswith=scenario.prefix)
        .count()
    )
    if hires:
        found.append(f"{hires} placements")
    fairs = (
        JobFair.objects.filter(region__path__startswith=city.path, starts_at__year=scenario.year)
        .exclude(reference__startswith=scenario.prefix)
        .count()
    )
    if fairs:
        found.append(f"{fairs} job fairs")
    ledgers = ProgrammeLedger.objects.filter(
        region__path__startswith=city.path, month__year=scenario.year
    ).count()
    if ledgers:
        found.append(f"{ledgers} programme ledger entries")
    return found


def _credit_code(county: str, index: int) -> str:
    # "91": an enterprise registered with market regulation; then the county code.
    first17 = f"91{county}MX{index:07d}"
    return first17 + credit_code_check_character(first17)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(settings.TIME_ZONE))


class _Expansion:
    def __init__(self, scenario: Scenario, now: dt.datetime) -> None:
        self.s = scenario
        self.now = now
        regions = Region.objects.filter(code__in=[scenario.city, *scenario.counties])
        self.regions = {r.code: r for r in regions}
        missing = {scenario.city, *scenario.counties} - set(self.regions)
        if missing:
            raise ScenarioError(
                f"Regions {', '.join(sorted(missing))} are missing: load the seeds first."
            )
        self.key_groups = dict(KeyGroup.objects.values_list("code", "pk"))
        self.indicators = dict(Indicator.objects.values_list("code", "pk"))
        occupation = (
            Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
        )
        if occupation is None:
            raise ScenarioError("No trades in the occupations: load the seeds first.")
        self.occupation_id = occupation.pk
        self.counts: dict[str, int] = {}

    def _table(self, model: type[models.Model], names: Sequence[str]) -> _Table:
        return _Table(model, names, self.now)

    def _flush(self, label: str, table: _Table) -> list[int]:
        ids = _reserve(table.model, len(table.rows))
        table.write(ids)
        self.counts[label] = len(ids)
        return ids

    def employers(self) -> dict[str, list[int]]:
        table = self._table(Employer, ["name", "credit_code", "kind", "region_id", "verified_at"])
        owners: list[str] = []
        for county in self.s.counties:
            region = self.regions[county]
            for index in range(self.s.employers_per_county):
                table.add(
                    f"{region.name_en} scenario employer {index + 1}",
                    _credit_code(county, index),
                    Employer.Kind.ENTERPRISE,
                    region.pk,
                    self.now,
                )
                owners.append(county)
        ids = self._flush("employers", table)
        by_county: dict[str, list[int]] = {county: [] for county in self.s.counties}
        for county, pk in zip(owners, ids, strict=True):
            by_county[county].append(pk)
        return by_county

    def people(self) -> dict[str, list[int]]:
        seekers = self._table(
            JobSeeker,
            [
                "full_name",
                "household",
                "residence_region_id",
                "birth_date",
                "graduation_year",
                "verified_at",
                "employment_status",
            ],
        )
        spans: list[tuple[int, str, dt.date]] = []  # (seeker index, key group, from)
        names: list[str] = []
        for cohort in self.s.cohorts:
            for index, (county, month) in enumerate(_cells(self.s, cohort.count)):
                day = _day(self.s.year, month, index)
                birth = None
                if cohort.age == "youth":
                    birth = dt.date(self.s.year - 20 - index % 13, 1 + index % 12, 1 + index % 28)
                verified = _at(day, 9) if cohort.graduate else None
                seekers.add(
                    f"{cohort.name.replace('_', ' ')} {index + 1}",
                    cohort.household,
                    self.regions[county].pk,
                    birth,
                    self.s.year if cohort.graduate else None,
                    verified,
                    JobSeeker.EmploymentStatus.EMPLOYED
                    if cohort.outcomes
                    else JobSeeker.EmploymentStatus.UNEMPLOYED,
                )
                for code in cohort.key_groups:
                    # In the group from before the year: the tag holds on every hire.
                    spans.append((len(names), code, dt.date(self.s.year - 1, 12, 1)))
                names.append(cohort.name)
        ids = self._flush("seekers", seekers)
        groups = self._table(SeekerKeyGroup, ["seeker_id", "key_group_id", "started_on"])
        for index, code, started in spans:
            groups.add(ids[index], self.key_groups[code], started)
        self._flush("key group memberships", groups)
        by_cohort: dict[str, list[int]] = {cohort.name: [] for cohort in self.s.cohorts}
        for name, pk in zip(names, ids, strict=True):
            by_cohort[name].append(pk)
        return by_cohort

    def hires(self, people: dict[str, list[int]], employers: dict[str, list[int]]) -> None:
        """Every hired cohort's posts (up to ``hires_per_post`` hires each, by county and
        month), applications, placements and wage payments."""
        posts = self._table(
            JobPost,
            [
                "reference",
                "employer_id",
                "kind",
                "title",
                "occupation_id",
                "openings",
                "wage_amount",
                "wage_unit",
                "settlement",
                "starts_on",
                "ends_on",
                "region_id",
                "latitude",
                "longitude",
                "status",
            ],
        )
        # (post index, seeker, starts on, outcome, wage or None)
        hires: list[tuple[int, int, dt.date, str, int | None]] = []
        for cohort in self.s.cohorts:
            if not cohort.outcomes:
                continue
            wages = spread(cohort.wages, cohort.count) if cohort.wages else None
            cells = _cells(self.s, cohort.count)
            start = 0
            while start < len(cells):
                county, month = cells[start]
                end = start
                while (
                    end < len(cells)
                    and cells[end] == (county, month)
                    and end - start < self.s.hires_per_post
                ):
                    end += 1
                post_index = len(posts.rows)
                region = self.regions[county]
                county_employers = employers[county]
                first_day = dt.date(self.s.year, month, 1)
                monthly_wage = Decimal(4000 + (post_index * 50) % 2000)
                posts.add(
                    f"{self.s.prefix}post-{post_index + 1:06d}",
                    county_employers[post_index % len(county_employers)],
                    JobPost.Kind.REGULAR,
                    f"{cohort.name.replace('_', ' ')} work, {region.name_en}",
                    self.occupation_id,
                    end - start,
                    monthly_wage,
                    JobPost.WageUnit.MONTH,
                    JobPost.Settlement.MONTHLY,
                    first_day,
                    dt.date(self.s.year, 12, 31),
                    region.pk,
                    region.latitude,
                    region.longitude,
                    JobPost.Status.FILLED,
                )
                for index in range(start, end):
                    outcome = cohort.outcomes[index % len(cohort.outcomes)]
                    hires.append(
                        (
                            post_index,
                            people[cohort.name][index],
                            _day(self.s.year, month, index),
                            outcome,
                            wages[index] if wages else None,
                        )
                    )
                start = end
        post_ids = self._flush("posts", posts)
        wage_by_post = {i: row[6] for i, row in enumerate(posts.rows)}

        applications = self._table(
            Application, ["post_id", "seeker_id", "status", "source", "status_changed_at"]
        )
        for post_index, seeker_id, starts_on, _outcome, _wage in hires:
            applications.add(
                post_ids[post_index],
                seeker_id,
                Application.Status.STARTED,
                Application.Source.COUNTER,
                _at(starts_on, 8),
            )
        application_ids = self._flush("applications", applications)

        placements = self._table(
            Placement,
            [
                "application_id",
                "agreed_wage_amount",
                "agreed_wage_unit",
                "starts_on",
                "written_agreement",
                "outcome",
                "started_at",
            ],
        )
        for application_id, (post_index, _seeker, starts_on, outcome, _wage) in zip(
            application_ids, hires, strict=True
        ):
            placements.add(
                application_id,
                wage_by_post[post_index],
                JobPost.WageUnit.MONTH,
                starts_on,
                True,
                outcome,
                _at(starts_on, 8),
            )
        placement_ids = self._flush("placements", placements)

        payments = self._table(WagePayment, ["placement_id", "amount", "paid_on", "note"])
        last_day = self.s.last_day
        for placement_id, (_post, _seeker, starts_on, _outcome, wage) in zip(
            placement_ids, hires, strict=True
        ):
            if wage is None:
                continue
            # The wages earned to the end of the period, paid once: labour income needs
            # no more than one payment per transfer placement.
            paid_on = min(starts_on + dt.timedelta(days=20), last_day)
            payments.add(placement_id, Decimal(wage), paid_on, "wages to the end of the period")
        self._flush("wage payments", payments)

    def fairs(self, people: dict[str, list[int]], employers: dict[str, list[int]]) -> None:
        fairs = self._table(
            JobFair,
            [
                "reference",
                "name",
                "format",
                "series",
                "region_id",
                "starts_at",
                "ends_at",
                "status",
                "latitude",
                "longitude",
            ],
        )
        all_employers = [pk for county in self.s.counties for pk in employers[county]]
        # (fair index, employer, jobs)
        booths: list[tuple[int, int, int]] = []
        # (fair index, seeker, employer, reached at)
        intentions: list[tuple[int, int, int, dt.datetime]] = []
        for group in self.s.fairs:
            cells = _cells(self.s, group.count)
            jobs = spread(group.jobs, group.count * group.booths_per_fair) if group.jobs else []
            first = len(fairs.rows)
            for index, (county, month) in enumerate(cells):
                region = self.regions[county]
                starts_at = _at(_day(self.s.year, month, index), 9)
                fair_format = group.formats[index % len(group.formats)]
                fairs.add(
                    f"{self.s.prefix}fair-{first + index + 1:05d}",
                    f"{region.name_en} {group.name} fair {index + 1}",
                    fair_format,
                    group.series[index % len(group.series)],
                    region.pk,
                    starts_at,
                    starts_at + dt.timedelta(hours=4),
                    JobFair.Status.HELD,
                    None if fair_format == JobFair.Format.ONLINE else region.latitude,
                    None if fair_format == JobFair.Format.ONLINE else region.longitude,
                )
                for booth in range(group.booths_per_fair):
                    employer = all_employers[
                        ((first + index) * group.booths_per_fair + booth) % len(all_employers)
                    ]
                    booths.append(
                        (first + index, employer, jobs[index * group.booths_per_fair + booth])
                    )
            pool = [pk for name in group.intention_from for pk in people[name]]
            if len(pool) < group.intention_people:
                raise ScenarioError(f"fair group {group.name}: too few people for intentions")
            for person, seeker_id in enumerate(pool[: group.intention_people]):
                index = person % group.count
                fair_booths = group.booths_per_fair
                employer = all_employers[
                    ((first + index) * fair_booths + person % fair_booths) % len(all_employers)
                ]
                starts_at = fairs.rows[first + index][5]
                intentions.append(
                    (first + index, seeker_id, employer, starts_at + dt.timedelta(hours=1))
                )
        fair_ids = self._flush("fairs", fairs)
        booth_table = self._table(Booth, ["fair_id", "employer_id", "label", "jobs_offered"])
        for number, (fair_index, employer, jobs_offered) in enumerate(booths):
            booth_table.add(fair_ids[fair_index], employer, f"B{number % 100 + 1}", jobs_offered)
        self._flush("booths", booth_table)
        intention_table = self._table(
            Intention, ["fair_id", "seeker_id", "employer_id", "reached_at", "status"]
        )
        for fair_index, seeker_id, employer, reached_at in intentions:
            intention_table.add(
                fair_ids[fair_index], seeker_id, employer, reached_at, Intention.Status.OPEN
            )
        self._flush("intentions", intention_table)

    def programmes(self) -> None:
        ledger = self._table(
            ProgrammeLedger, ["indicator_id", "region_id", "month", "value", "note"]
        )
        city = self.regions[self.s.city]
        for code, (total, how) in self.s.ledgers.items():
            if how == "last_month":
                entries = [(city.pk, dt.date(self.s.year, self.s.months[-1], 1))]
                parts = [total]
            elif how == "months":
                entries = [(city.pk, dt.date(self.s.year, m, 1)) for m in self.s.months]
                parts = apportion(total, [1] * len(entries))
            elif how == "counties_months":
                entries = [
                    (self.regions[county].pk, dt.date(self.s.year, m, 1))
                    for county in self.s.counties
                    for m in self.s.months
                ]
                weights = [self.s.counties[county] for county in self.s.counties]
                parts = apportion(total, [w for w in weights for _m in self.s.months])
            else:
                raise ScenarioError(f"ledger {code}: unknown spread {how!r}")
            for (region_id, month), value in zip(entries, parts, strict=True):
                ledger.add(
                    self.indicators[code], region_id, month, Decimal(value), self.s.title[:300]
                )
        self._flush("ledger entries", ledger)
        targets = self._table(AnnualTarget, ["region_id", "indicator_id", "year", "value"])
        for code, value in self.s.targets.items():
            targets.add(city.pk, self.indicators[code], self.s.year, Decimal(value))
        self._flush("annual targets", targets)


@transaction.atomic
def scenario_load(name: str, *, now: dt.datetime | None = None) -> LoadReport | None:
    """Write the scenario's records and rebuild the rollups; None if it is loaded already."""
    scenario = scenario_read(name)
    if scenario_loaded(scenario):
        return None
    others = other_records(scenario)
    if others:
        raise ScenarioError(
            f"{scenario.city} already has {', '.join(others)} in {scenario.year}; the "
            f"scenario's figures would not be the bulletin's. Load it into an empty database."
        )
    now = now or timezone.now()
    expansion = _Expansion(scenario, now)
    # The rebuild below derives every record; the triggers need not note each one.
    with capture_paused():
        employers = expansion.employers()
        people = expansion.people()
        expansion.hires(people, employers)
        expansion.fairs(people, employers)
        expansion.programmes()
    outcome_rows = rollups_rebuild()
    return LoadReport(scenario.name, expansion.counts, outcome_rows)
