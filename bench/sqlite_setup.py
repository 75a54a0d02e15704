"""A fresh SQLite database with the seeds, under production settings, for a benchmark."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def setup_sqlite(database: Path) -> None:
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("REDIS_URL", None)
    # Production settings: DEBUG's query logging would be measured too.
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 60,
        PERSONAL_DATA_KEYS="8bI0ILJnYDgZ5pWTpcTgQNR2Sgn7tGnpJ5J0hjQc1fI=",
        PERSONAL_DATA_HASH_KEY="bench-hash-key",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command

    from seeds.loader import load_seeds

    call_command("migrate", verbosity=0)
    load_seeds()
