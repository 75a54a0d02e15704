"""Columnar snapshots of seekers and posts: NumPy arrays the scorer reads in bulk.

The Django side builds them from the database (``matching.selectors``) and keeps them fresh
with ``upsert``/``remove`` as seekers and posts change; nothing here knows about Django.
A million seekers take about 200 MB.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.engine.geo import GridIndex, cell_key

SKILL_COLUMNS = 4  # a seeker's four longest-practised trades count
BOOKING_COLUMNS = 2  # the current and the next placement
NEVER_EXPIRES = 2**31 - 1


@dataclass(frozen=True)
class Taxonomy:
    """Trade ids (occupation primary keys) to their minor and middle group ids, key-group
    codes in bit order, certificate-kind codes in column order, and names for reasons."""

    trade_minor: dict[int, int]
    trade_middle: dict[int, int]
    trade_names: dict[int, tuple[str, str]]  # id -> (zh-hans, en)
    key_groups: Sequence[str]
    key_group_names: dict[str, tuple[str, str]]
    certificate_kinds: Sequence[str]

    def __post_init__(self) -> None:
        size = max([*self.trade_minor, *self.trade_middle, 0]) + 1
        minor = np.full(size + 1, -1, dtype=np.int64)
        middle = np.full(size + 1, -1, dtype=np.int64)
        for trade, group in self.trade_minor.items():
            minor[trade] = group
        for trade, group in self.trade_middle.items():
            middle[trade] = group
        object.__setattr__(self, "minor_of", minor)
        object.__setattr__(self, "middle_of", middle)
        # The same tables shifted by one, so that trade t is at t + 1 and anything out of
        # range clips to a -1 at either end: one ``take`` per lookup.
        object.__setattr__(self, "_minor_shifted", np.concatenate([[-1], minor]))
        object.__setattr__(self, "_middle_shifted", np.concatenate([[-1], middle]))
        trades_in: dict[tuple[str, int], list[int]] = {}
        for trade in range(size):
            for name, table in (("minor", minor), ("middle", middle)):
                if table[trade] >= 0:
                    trades_in.setdefault((name, int(table[trade])), []).append(trade)
        object.__setattr__(self, "_trades_in", trades_in)
        object.__setattr__(self, "_tiers", {})
        object.__setattr__(self, "_priority_tables", {})

    minor_of: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    middle_of: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _minor_shifted: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _middle_shifted: NDArray[np.int64] = field(init=False, repr=False, compare=False)
    _trades_in: dict[tuple[str, int], list[int]] = field(init=False, repr=False, compare=False)
    _tiers: dict[tuple[int, ...], TradeTiers] = field(init=False, repr=False, compare=False)
    _priority_tables: dict[tuple[float, ...], NDArray[np.float64]] = field(
        init=False, repr=False, compare=False
    )

    def group_bits(self, codes: Iterable[str]) -> int:
        return sum(1 << self.key_groups.index(code) for code in codes if code in self.key_groups)

    def lookup(self, table: NDArray[np.int64], trades: NDArray[Any]) -> NDArray[np.int64]:
        """Group ids of ``trades`` (-1 for no trade or an unknown one)."""
        if table is self.minor_of:
            shifted = self._minor_shifted
        elif table is self.middle_of:
            shifted = self._middle_shifted
        else:
            safe = np.where((trades >= 0) & (trades < len(table) - 1), trades, len(table) - 1)
            return table[safe]
        return shifted.take(np.add(trades, 1, dtype=np.int64), mode="clip")

    def priority_table(self, priorities: tuple[float, ...]) -> NDArray[np.float64] | None:
        """The highest of ``priorities`` (one per key group) among the groups of each
        combination of group bits, or None when there are too many groups to list."""
        if len(self.key_groups) > 12:
            return None
        table = self._priority_tables.get(priorities)
        if table is None:
            bits = np.arange(1 << len(self.key_groups))
            table = np.zeros(len(bits))
            for bit, weight in enumerate(priorities):
                if weight:
                    table = np.maximum(table, np.where(bits >> bit & 1, weight, 0.0))
            self._priority_tables[priorities] = table
        return table

    def trade_tiers(self, trades: Iterable[int]) -> TradeTiers:
        """The trades whose skill fit with any of ``trades`` is the same trade, the same
        minor group, the same middle group (``skill_kind`` 3, 2, 1), each once.

        Example: for a welder (minor group "welding", middle group "construction") they are
        [welder], the other welding trades, the other construction trades.
        """
        key = tuple(sorted({int(trade) for trade in trades if trade >= 0}))
        tiers = self._tiers.get(key)
        if tiers is None:
            known = [trade for trade in key if trade < len(self.minor_of) - 1]
            minor = {
                other
                for trade in known
                for other in self._trades_in.get(("minor", int(self.minor_of[trade])), ())
            } - set(key)
            middle = (
                {
                    other
                    for trade in known
                    for other in self._trades_in.get(("middle", int(self.middle_of[trade])), ())
                }
                - set(key)
                - minor
            )
            tiers = TradeTiers(
                same_trade=np.array(key, dtype=np.int64),
                same_minor=np.array(sorted(minor), dtype=np.int64),
                same_middle=np.array(sorted(middle), dtype=np.int64),
            )
            if len(self._tiers) > 10_000:
                self._tiers.clear()  # one entry per combination of trades seen: keep it small
            self._tiers[key] = tiers
        return tiers


@dataclass(frozen=True)
class TradeTiers:
    same_trade: NDArray[np.int64]
    same_minor: NDArray[np.int64]
    same_middle: NDArray[np.int64]

    def by_kind(self) -> tuple[tuple[int, NDArray[np.int64]], ...]:
        """(skill kind, trades), best kind first."""
        return ((3, self.same_trade), (2, self.same_minor), (1, self.same_middle))


@dataclass
class SeekerRecord:
    """One seeker as the Django side reads it. Protected attributes may be given (the
    database has them); the snapshot never stores them."""

    id: int
    latitude: float | None
    longitude: float | None
    skills: Sequence[tuple[int, int]] = ()  # (trade id, years)
    availability: int = (1 << 21) - 1
    expected_daily_wage: float | None = None
    max_travel_km: float = 10.0
    key_groups: Sequence[str] = ()
    completions: int = 0
    no_shows: int = 0
    recent_pushes: int = 0
    last_active: int = 0  # date ordinal
    birth_date: int = 0  # date ordinal, 0 when unknown
    active: bool = True
    verified: bool = False
    bookings: Sequence[tuple[int, int]] = ()  # (first day, last day) ordinals
    certificates: dict[str, int] = field(default_factory=dict)  # kind -> last valid day
    sex: str | None = None  # never read
    ethnicity: str | None = None  # never read


class SeekerSnapshot:
    # Columns, one row per seeker (allocated with spare capacity; rows beyond ``size`` are
    # unused).
    ids: NDArray[np.int64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    skill_trade: NDArray[np.int64]
    skill_years: NDArray[np.float32]
    availability: NDArray[np.int64]
    expected_wage: NDArray[np.float32]
    travel_km: NDArray[np.float32]
    group_bits: NDArray[np.int64]
    completions: NDArray[np.float32]
    no_shows: NDArray[np.float32]
    recent_pushes: NDArray[np.float32]
    last_active: NDArray[np.int64]
    birth: NDArray[np.int64]
    active: NDArray[np.bool_]
    verified: NDArray[np.bool_]
    booked_start: NDArray[np.int64]
    booked_end: NDArray[np.int64]
    cert_expiry: NDArray[np.int64]
    outside: NDArray[np.bool_]  # True for the rows in ``outside_index``

    COLUMNS: dict[str, tuple[Any, tuple[int, ...], Any]] = {
        # name: (dtype, extra shape, empty value)
        "ids": (np.int64, (), -1),
        "lat": (np.float64, (), np.nan),
        "lon": (np.float64, (), np.nan),
        "skill_trade": (np.int64, (SKILL_COLUMNS,), -1),
        "skill_years": (np.float32, (SKILL_COLUMNS,), 0.0),
        "availability": (np.int64, (), 0),
        "expected_wage": (np.float32, (), np.nan),
        "travel_km": (np.float32, (), 0.0),
        "group_bits": (np.int64, (), 0),
        "completions": (np.float32, (), 0.0),
        "no_shows": (np.float32, (), 0.0),
        "recent_pushes": (np.float32, (), 0.0),
        "last_active": (np.int64, (), 0),
        "birth": (np.int64, (), 0),
        "active": (np.bool_, (), False),
        "verified": (np.bool_, (), False),
        "booked_start": (np.int64, (BOOKING_COLUMNS,), 0),
        "booked_end": (np.int64, (BOOKING_COLUMNS,), -1),
    }

    def __init__(self, taxonomy: Taxonomy, capacity: int = 1024) -> None:
        self.taxonomy = taxonomy
        self.size = 0
        self.row_of: dict[int, int] = {}
        self._allocate(max(capacity, 16))
        self.index = GridIndex(self.lat[:0], self.lon[:0])
        self.trade_index = GridIndex(
            self.lat[:0], self.lon[:0], np.empty(0, dtype=np.int64), carry=self.skill_years[:0, 0]
        )
        # Rows added, moved, or given other trades or years since the last reindex: the
        # grids do not know them as they are, so every query looks at them too.
        self.outside_index: set[int] = set()
        self._outside_rows: NDArray[np.int64] | None = None

    def _allocate(self, capacity: int) -> None:
        old_size = self.size
        for name, (dtype, shape, empty) in self.COLUMNS.items():
            array = np.full((capacity, *shape), empty, dtype=dtype)
            if old_size:
                array[:old_size] = getattr(self, name)[:old_size]
            setattr(self, name, array)
        kinds = len(self.taxonomy.certificate_kinds)
        cert = np.zeros((capacity, kinds), dtype=np.int64)
        if old_size:
            cert[:old_size] = self.cert_expiry[:old_size]
        self.cert_expiry = cert
        outside = np.zeros(capacity, dtype=np.bool_)
        if old_size:
            outside[:old_size] = self.outside[:old_size]
        self.outside = outside
        self.capacity = capacity

    @classmethod
    def build(cls, taxonomy: Taxonomy, records: Iterable[SeekerRecord]) -> SeekerSnapshot:
        records = list(records)
        snapshot = cls(taxonomy, capacity=len(records) + 1024)
        for record in records:
            snapshot._write(snapshot._new_row(record.id), record)
        snapshot.reindex()
        return snapshot

    @classmethod
    def from_columns(cls, taxonomy: Taxonomy, columns: dict[str, NDArray[Any]]) -> SeekerSnapshot:
        """A snapshot from whole columns at once (the fast path for large loads).

        ``columns`` holds the arrays named in ``COLUMNS`` (and ``cert_expiry``), all of one
        length; missing ones take their empty value.
        """
        size = len(columns["ids"])
        snapshot = cls(taxonomy, capacity=size + 1024)
        for name, values in columns.items():
            getattr(snapshot, name)[:size] = values
        snapshot.size = size
        snapshot.row_of = {int(seeker_id): row for row, seeker_id in enumerate(columns["ids"])}
        snapshot.reindex()
        return snapshot

    def _new_row(self, seeker_id: int) -> int:
        if self.size == self.capacity:
            self._allocate(self.capacity * 2)
        row = self.size
        self.size += 1
        self.row_of[seeker_id] = row
        return row

    def _write(self, row: int, record: SeekerRecord) -> None:
        self.ids[row] = record.id
        self.lat[row] = np.nan if record.latitude is None else record.latitude
        self.lon[row] = np.nan if record.longitude is None else record.longitude
        skills = sorted(record.skills, key=lambda skill: -skill[1])[:SKILL_COLUMNS]
        self.skill_trade[row] = -1
        self.skill_years[row] = 0
        for column, (trade, years) in enumerate(skills):
            self.skill_trade[row, column] = trade
            self.skill_years[row, column] = years
        self.availability[row] = record.availability
        self.expected_wage[row] = (
            np.nan if record.expected_daily_wage is None else record.expected_daily_wage
        )
        self.travel_km[row] = record.max_travel_km
        self.group_bits[row] = self.taxonomy.group_bits(record.key_groups)
        self.completions[row] = record.completions
        self.no_shows[row] = record.no_shows
        self.recent_pushes[row] = record.recent_pushes
        self.last_active[row] = record.last_active
        self.birth[row] = record.birth_date
        self.active[row] = record.active
        self.verified[row] = record.verified
        self.booked_start[row] = 0
        self.booked_end[row] = -1
        for column, (start, end) in enumerate(sorted(record.bookings)[:BOOKING_COLUMNS]):
            self.booked_start[row, column] = start
            self.booked_end[row, column] = end
        self.cert_expiry[row] = 0
        for kind, last_day in record.certificates.items():
            if kind in self.taxonomy.certificate_kinds:
                self.cert_expiry[row, self.taxonomy.certificate_kinds.index(kind)] = last_day

    def upsert(self, record: SeekerRecord) -> None:
        """Add or refresh one seeker in place (the grids catch up at the next reindex)."""
        row = self.row_of.get(record.id)
        if row is None:
            row = self._new_row(record.id)
            self._write(row, record)
            self._mark_outside(row)
            return
        if self.outside[row]:
            self._write(row, record)
            return
        cell = self._cell_of(row)
        skills = self._skills_of(row)
        self._write(row, record)
        if self._cell_of(row) != cell or self._skills_of(row) != skills:
            self._mark_outside(row)

    def _cell_of(self, row: int) -> int:
        return cell_key(float(self.lat[row]), float(self.lon[row]))

    def _skills_of(self, row: int) -> list[tuple[int, float]]:
        """(trade, years) as the trade grid lists them."""
        return sorted(
            (int(trade), float(years))
            for trade, years in zip(self.skill_trade[row], self.skill_years[row], strict=True)
            if trade >= 0
        )

    def _mark_outside(self, row: int) -> None:
        self.outside_index.add(row)
        self.outside[row] = True
        self._outside_rows = None

    def outside_rows(self) -> NDArray[np.int64]:
        """The rows in ``outside_index``, sorted."""
        if self._outside_rows is None:
            self._outside_rows = np.array(sorted(self.outside_index), dtype=np.int64)
        return self._outside_rows

    def remove(self, seeker_id: int) -> None:
        row = self.row_of.get(seeker_id)
        if row is not None:
            self.active[row] = False

    def reindex(self) -> None:
        lat, lon = self.lat[: self.size], self.lon[: self.size]
        self.index = GridIndex(lat, lon)
        # A second grid by trade: one entry per (seeker, trade), so the seekers near a post
        # with its trade, or a trade of its minor or middle group, are a few slices. Each
        # entry carries the seeker's years in that trade (the most, if listed twice).
        trades = self.skill_trade[: self.size]
        years = self.skill_years[: self.size].copy()
        listed = trades >= 0
        for column in range(trades.shape[1]):
            same = trades == trades[:, column : column + 1]
            years[:, column] = np.max(np.where(same, self.skill_years[: self.size], -np.inf), 1)
            listed[:, column] &= ~np.any(same[:, :column], axis=1)
        rows, columns = np.nonzero(listed)
        self.trade_index = GridIndex(
            lat[rows], lon[rows], trades[rows, columns], rows, carry=years[rows, columns]
        )
        self.outside_index.clear()
        self.outside[:] = False
        self._outside_rows = None

    def rows_near(
        self, lat: float, lon: float, radius_km: float, middle_group: int | None = None
    ) -> NDArray[np.int64]:
        """Rows near the point (with a skill in ``middle_group`` when given), sorted."""
        if middle_group is None:
            rows = self.index.rows_near(lat, lon, radius_km)
        else:
            in_group = np.flatnonzero(self.taxonomy.middle_of[:-1] == middle_group)
            rows = self.trade_index.rows_near_groups(lat, lon, radius_km, in_group)
        if self.outside_index:
            rows = np.concatenate([rows, self.outside_rows()])
        # Sorted and unique: one row per seeker, read from memory in order.
        return np.unique(rows)


@dataclass
class PostRecord:
    id: int
    latitude: float | None
    longitude: float | None
    trade: int
    daily_wage: float | None  # the offer as a day's pay (None for piece rates)
    starts_on: int  # ordinal
    ends_on: int  # ordinal
    slots: int = (1 << 21) - 1  # weekly availability bits the work needs
    radius_km: float | None = None
    openings_left: int = 1
    certificates: Sequence[str] = ()
    open: bool = True


class PostSnapshot:
    """Open posts, for the seeker-to-posts direction (tens of thousands: rebuilt, not
    updated in place)."""

    def __init__(self, taxonomy: Taxonomy, records: Sequence[PostRecord], radius_km: float):
        self.taxonomy = taxonomy
        n = len(records)
        self.ids = np.array([r.id for r in records], dtype=np.int64)
        self.lat = np.array([np.nan if r.latitude is None else r.latitude for r in records])
        self.lon = np.array([np.nan if r.longitude is None else r.longitude for r in records])
        self.trade = np.array([r.trade for r in records], dtype=np.int64)
        self.wage = np.array(
            [np.nan if r.daily_wage is None else r.daily_wage for r in records], dtype=np.float32
        )
        self.starts = np.array([r.starts_on for r in records], dtype=np.int64)
        self.ends = np.array([r.ends_on for r in records], dtype=np.int64)
        self.slots = np.array([r.slots for r in records], dtype=np.int64)
        self.radius = np.array(
            [radius_km if r.radius_km is None else r.radius_km for r in records], dtype=np.float32
        )
        self.openings = np.array([r.openings_left for r in records], dtype=np.int64)
        self.open = np.array([r.open for r in records], dtype=np.bool_)
        kinds = list(taxonomy.certificate_kinds)
        self.required = np.zeros((n, len(kinds)), dtype=np.bool_)
        for row, record in enumerate(records):
            for kind in record.certificates:
                self.required[row, kinds.index(kind)] = True
        self.index = GridIndex(self.lat, self.lon)
        # Each post once, by (trade, cell): the posts near a seeker in their trades.
        self.trade_index = GridIndex(self.lat, self.lon, self.trade)
        # Where each post stands in the plain grid's order (ties between equal scores go
        # to the one the grid lists first).
        self.grid_rank = np.empty(n, dtype=np.int64)
        self.grid_rank[self.index.order] = np.arange(n)
        self.row_of = {int(post_id): row for row, post_id in enumerate(self.ids)}
