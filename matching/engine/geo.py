"""Distances on the earth and a grid of cells to find what is near a point quickly."""

from __future__ import annotations

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


# Keys of a grouped grid: group * GROUP_STRIDE + cell key (cell keys stay well within it).
GROUP_STRIDE = 1 << 40
CELL_OFFSET = 1 << 39


class GridIndex:
    """Rows sorted by (group, grid cell), so the rows of one group near a point are a few
    contiguous slices. Without groups every row is in group 0."""

    def __init__(
        self,
        lats: NDArray[np.float64],
        lons: NDArray[np.float64],
        groups: NDArray[np.int64] | None = None,
        rows: NDArray[np.int64] | None = None,
    ) -> None:
        keys = cell_keys(lats, lons) + CELL_OFFSET
        if groups is not None:
            keys = keys + groups * GROUP_STRIDE
        self.order = np.argsort(keys, kind="stable")
        self.sorted_keys = keys[self.order]
        if rows is not None:
            self.order = rows[self.order]

    def rows_near(
        self, lat: float, lon: float, radius_km: float, group: int = 0
    ) -> NDArray[np.int64]:
        """Rows whose cell touches the box around the point; callers filter by distance."""
        dlat = radius_km / 111.0
        dlon = radius_km / (111.0 * max(np.cos(np.radians(lat)), 0.01))
        row_lo = int(np.floor((lat - dlat) / CELL_DEGREES))
        row_hi = int(np.floor((lat + dlat) / CELL_DEGREES))
        col_lo = int(np.floor((lon - dlon) / CELL_DEGREES))
        col_hi = int(np.floor((lon + dlon) / CELL_DEGREES))
        parts = []
        base = group * GROUP_STRIDE + CELL_OFFSET
        for row in range(row_lo, row_hi + 1):
            lo = np.searchsorted(self.sorted_keys, base + row * 100_000 + col_lo, side="left")
            hi = np.searchsorted(self.sorted_keys, base + row * 100_000 + col_hi, side="right")
            if hi > lo:
                parts.append(self.order[lo:hi])
        if not parts:
            return np.empty(0, dtype=np.int64)
        return np.concatenate(parts)
