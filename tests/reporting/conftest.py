from __future__ import annotations

import pytest

from seeds.loader import load_seeds
from tests.stations.conftest import seeded_for_module


@pytest.fixture
def seeded() -> None:
    """Reference data (regions, key groups, occupations, certificate kinds) for one test;
    the indicator catalogue is there from the migrations."""
    load_seeds()


__all__ = ["seeded", "seeded_for_module"]
