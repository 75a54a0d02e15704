"""Benchmark: generating a demo city on SQLite (target: 100,000 seekers in under a minute).

Baseline: the same generator saving each seeker, skill and key-group row with its own
INSERT in autocommit, the way a first version of such a command is usually written.

    .venv/bin/python bench/seed_demo.py [--seekers 100000] [--baseline-seekers 3000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlite_setup import setup_sqlite  # noqa: E402


def _setup(database: Path) -> None:
    setup_sqlite(database)


def bulk(seekers: int) -> float:
    from stations.demo import demo_city_generate

    started = time.perf_counter()
    result = demo_city_generate(
        city_code="620100",
        seekers=seekers,
        employers=0,
        posts=0,
        seed=1,
        today=date(2026, 11, 20),
        stream=sys.stderr,
    )
    elapsed = time.perf_counter() - started
    assert result.seekers_created == seekers
    return elapsed


def naive(seekers: int) -> float:
    from stations.demo import city as demo
    from stations.models import Region

    city = Region.objects.get(code="620100")
    plan = demo._plan(city)
    today = date(2026, 11, 20)
    started = time.perf_counter()

    def id_number_of(index: int) -> Callable[[Region, bool], str]:
        return lambda county, male: demo.demo_national_id(
            county=county, city=city, seed=2, index=index, male=male
        )

    for index in range(seekers):
        rng = demo._stream(2, city, "seeker", index)
        phone = demo.demo_phone(city=city, seed=2, index=index)
        seeker, skills, memberships, certificates = demo._generate_seeker(
            rng,
            plan,
            phone,
            today,
            id_number_of(index),
        )
        seeker.save()
        for skill in skills:
            skill.seeker = seeker
            skill.save()
        for membership in memberships:
            membership.seeker = seeker
            membership.save()
        for certificate in certificates:
            certificate.seeker = seeker
            certificate.save()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seekers", type=int, default=100_000)
    parser.add_argument("--baseline-seekers", type=int, default=3_000)
    parser.add_argument("--json", type=Path, help="write the figures here too")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        _setup(Path(directory) / "bench.sqlite3")
        bulk_seconds = bulk(arguments.seekers)
        naive_seconds = naive(arguments.baseline_seekers)
    bulk_rate = arguments.seekers / bulk_seconds
    naive_rate = arguments.baseline_seekers / naive_seconds
    figures = {
        "benchmark": "seed_demo",
        "seekers": arguments.seekers,
        "seconds": round(bulk_seconds, 2),
        "seekers_per_second": round(bulk_rate),
        "baseline_seekers": arguments.baseline_seekers,
        "baseline_seconds": round(naive_seconds, 2),
        "baseline_seekers_per_second": round(naive_rate),
        "speedup": round(bulk_rate / naive_rate, 1),
        "target_met": bulk_seconds < 60 * arguments.seekers / 100_000,
    }
    print(json.dumps(figures, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
