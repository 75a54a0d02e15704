"""How evenly pushes spread over people."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def gini(counts: ArrayLike) -> float:
    """Gini coefficient of non-negative counts: 0 when everyone got the same, towards 1 when
    a few got everything. Example: [0, 0, 0, 4] → 0.75; [1, 1, 1, 1] → 0."""
    values = np.sort(np.asarray(counts, dtype=np.float64))
    n = len(values)
    if n == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * values).sum()) / (n * values.sum()) - (n + 1) / n)
