from tests.stations.conftest import seeded, seeded_for_module

__all__ = ["seeded", "seeded_for_module"]
