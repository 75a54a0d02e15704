"""Distances on the earth and a grid of cells to find what is near a point quickly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

EARTH_RADIUS_KM = 6371.0088
# Grid cells of 0.05° latitude (about 5.6 km) by 0.05° longitude (about 4.5 km at 36°N).
CELL_DEGREES = 0.05


def haversine_km(
    lat: ArrayLike, lon: ArrayLike, lats: ArrayLike, lons: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distances in km from one point to many (degrees in)."""
    lat1, lon1 = np.radians(lat), np.radians(lon)
    lat2, lon2 = np.radians(lats), np.radians(lons)
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def cell_keys(lats: NDArray[np.float64], lons: NDArray[np.float64]) -> NDArray[np.int64]:
    """One integer per grid cell (NaN coordinates get a key no query asks for)."""
    rows = np.floor(np.nan_to_num(lats, nan=-1000.0) / CELL_DEGREES).astype(np.int64)
    cols = np.floor(np.nan_to_num(lons, nan=-1000.0) / CELL_DEGREES).astype(np.int64)
    return rows * 100_000 + cols


def cell_key(lat: float, lon: float) -> int:
    """``cell_keys`` of one point, without NumPy's overhead (the same arithmetic)."""
    row = math.floor((-1000.0 if math.isnan(lat) else lat) / CELL_DEGREES)
    col = math.floor((-1000.0 if math.isnan(lon) else lon) / CELL_DEGREES)
    return row * 100_000 + col


# Keys of a grouped grid: group * GROUP_STRIDE + cell key (cell keys stay well within it).
GROUP_STRIDE = 1 << 40
CELL_OFFSET = 1 << 39


@dataclass(frozen=True)
class Box:
    """Grid rows and columns, inclusive."""

    row_lo: int
    row_hi: int
    col_lo: int
    col_hi: int

    @classmethod
    def around(cls, lat: float, lon: float, radius_km: float) -> Box:
        """The cells touching the box around the point: every point within the radius is
        in one of them.

        A degree of longitude shrinks towards the poles, so the box is as wide as the
        radius spans at its edge farthest from the equator, not at its centre.
        """
        dlat = min(radius_km, 20_000.0) / 111.0  # half way round the earth at most
        farthest = min(abs(lat) + dlat, 89.0)
        dlon = min(radius_km / (111.0 * max(np.cos(np.radians(farthest)), 0.01)), 360.0)
        return cls(
            int(np.floor((lat - dlat) / CELL_DEGREES)),
            int(np.floor((lat + dlat) / CELL_DEGREES)),
            int(np.floor((lon - dlon) / CELL_DEGREES)),
            int(np.floor((lon + dlon) / CELL_DEGREES)),
        )

    def without(self, inner: Box) -> list[Box]:
        """This box's cells outside ``inner`` (which lies within it), as up to four boxes."""
        parts = [
            Box(self.row_lo, inner.row_lo - 1, self.col_lo, self.col_hi),
            Box(inner.row_hi + 1, self.row_hi, self.col_lo, self.col_hi),
            Box(inner.row_lo, inner.row_hi, self.col_lo, inner.col_lo - 1),
            Box(inner.row_lo, inner.row_hi, inner.col_hi + 1, self.col_hi),
        ]
        return [box for box in parts if box.row_lo <= box.row_hi and box.col_lo <= box.col_hi]


def range_positions(starts: NDArray[np.intp], ends: NDArray[np.intp]) -> NDArray[np.intp]:
    """``starts[0]:ends[0]``, ``starts[1]:ends[1]``, ... as one array of positions."""
    lengths = ends - starts
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.intp)
    # Position i of the output reads starts[j] + (i - where range j begins in the output).
    shifts = starts - (np.cumsum(lengths) - lengths)
    return np.repeat(shifts, lengths) + np.arange(total)


class GridIndex:
    """Rows sorted by (group, grid cell), so the rows of one group near a point are a few
    contiguous slices. Without groups every row is in group 0.

    Within one (group, cell) rows keep the order they were given in (for a snapshot,
    ascending). ``carry``, one value per entry, is kept in the same order (``carried``).
    """

    def __init__(
        self,
        lats: NDArray[np.float64],
        lons: NDArray[np.float64],
        groups: NDArray[np.int64] | None = None,
        rows: NDArray[np.int64] | None = None,
        carry: NDArray[Any] | None = None,
    ) -> None:
        keys = cell_keys(lats, lons) + CELL_OFFSET
        if groups is not None:
            keys = keys + groups * GROUP_STRIDE
        order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[order]
        self.order = order if rows is None else rows[order]
        self.carried = None if carry is None else carry[order]

    def positions_in(self, boxes: list[Box], groups: NDArray[np.int64]) -> NDArray[np.intp]:
        """Where in ``order`` the entries of any of ``groups`` in the cells of ``boxes`` are."""
        needles = [
            np.asarray(groups, dtype=np.int64)[:, None] * GROUP_STRIDE
            + CELL_OFFSET
            + np.arange(box.row_lo, box.row_hi + 1, dtype=np.int64) * 100_000
            for box in boxes
        ]
        if not needles:
            return np.empty(0, dtype=np.intp)
        bases = np.concatenate([needle.ravel() for needle in needles])
        col_lo = np.concatenate(
            [np.full(needle.size, box.col_lo) for needle, box in zip(needles, boxes, strict=True)]
        )
        col_hi = np.concatenate(
            [np.full(needle.size, box.col_hi) for needle, box in zip(needles, boxes, strict=True)]
        )
        starts = np.searchsorted(self.sorted_keys, bases + col_lo, side="left")
        ends = np.searchsorted(self.sorted_keys, bases + col_hi, side="right")
        return range_positions(starts, ends)

    def rows_in(self, boxes: list[Box], groups: NDArray[np.int64]) -> NDArray[np.int64]:
        """Rows of any of ``groups`` in the cells of ``boxes``."""
        return self.order[self.positions_in(boxes, groups)]

    def rows_near_groups(
        self, lat: float, lon: float, radius_km: float, groups: NDArray[np.int64]
    ) -> NDArray[np.int64]:
        """Rows of any of ``groups`` whose cell touches the box around the point."""
        return self.rows_in([Box.around(lat, lon, radius_km)], groups)

    def rows_near(
        self, lat: float, lon: float, radius_km: float, group: int = 0
    ) -> NDArray[np.int64]:
        """Rows whose cell touches the box around the point; callers filter by distance."""
        return self.rows_near_groups(lat, lon, radius_km, np.array([group], dtype=np.int64))
