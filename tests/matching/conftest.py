from tests.stations.conftest import clerk, seeded, seeded_for_module

__all__ = ["clerk", "seeded", "seeded_for_module"]
