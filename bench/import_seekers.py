"""Benchmark: importing seekers from CSV on SQLite (target: 100,000 in under a minute).

Baseline: the same rows registered one by one through ``seeker_register`` (what an import
that loops over the service would do), on a smaller file, compared by rows per second.

    .venv/bin/python bench/import_seekers.py [--rows 100000] [--baseline-rows 2000]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlite_setup import setup_sqlite  # noqa: E402

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
DISTRICTS = ["620102", "620103", "620104", "620105", "620111", "620121", "620122", "620123"]
TRADES = ["6-29-01-01", "6-29-01-04", "6-31-01-03", "4-10-01-04", "4-10-01-05", "4-03-02-10"]
GROUPS = ["rural_labour", "urban_unemployed", "employment_difficulty", "college_graduate"]


def national_id(index: int, rng: random.Random) -> str:
    born = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 16_000))
    first17 = f"{rng.choice(DISTRICTS)}{born:%Y%m%d}{index % 1000:03d}"
    # The date and district vary with the index too, so numbers stay unique.
    first17 = f"{first17[:6]}{(born + dt.timedelta(days=index // 1000)):%Y%m%d}{first17[14:]}"
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    seen: set[str] = set()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "id_number",
                "full_name",
                "phone",
                "household",
                "residence_region",
                "latitude",
                "longitude",
                "expected_daily_wage",
                "key_groups",
                "skills",
            ]
        )
        index = 0
        while len(seen) < rows:
            number = national_id(index, rng)
            index += 1
            if number in seen:
                continue
            seen.add(number)
            writer.writerow(
                [
                    number,
                    f"求职者{len(seen)}",
                    f"15{seed % 10}{len(seen):08d}",
                    rng.choice(["rural", "urban"]),
                    rng.choice(DISTRICTS),
                    f"{36 + rng.random() / 5:.5f}",
                    f"{103.7 + rng.random() / 5:.5f}",
                    rng.choice([150, 180, 200, 220, 260]),
                    rng.choice(GROUPS),
                    f"{rng.choice(TRADES)}:{rng.choice([0, 5, 4])}:{rng.randrange(0, 20)}",
                ]
            )


def _setup(database: Path) -> None:
    setup_sqlite(database)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        write_file(folder / "seekers.csv", arguments.rows, seed=1)
        write_file(folder / "baseline.csv", arguments.baseline_rows, seed=2)
        _setup(folder / "bench.sqlite3")
        from django.utils import timezone

        from stations.imports import import_records
        from stations.models import Region
        from stations.services.seekers import seeker_register

        started = time.perf_counter()
        report = import_records(kind="seekers", source=folder / "seekers.csv", by=None)
        bulk_seconds = time.perf_counter() - started
        assert report.created == arguments.rows, report.summary()
        second = time.perf_counter()
        again = import_records(kind="seekers", source=folder / "seekers.csv", by=None)
        again_seconds = time.perf_counter() - second
        assert again.unchanged == arguments.rows

        regions = {region.code: region for region in Region.objects.all()}
        with (folder / "baseline.csv").open(encoding="utf-8") as handle:
            baseline_rows = list(csv.DictReader(handle))
        started = time.perf_counter()
        for row in baseline_rows:
            seeker_register(
                full_name=row["full_name"],
                residence_region=regions[row["residence_region"]],
                household=row["household"],
                id_number=row["id_number"],
                phone=row["phone"],
                by=None,
                now=timezone.now(),
            )
        naive_seconds = time.perf_counter() - started
    figures = {
        "benchmark": "import_seekers",
        "rows": arguments.rows,
        "seconds": round(bulk_seconds, 2),
        "rows_per_second": round(arguments.rows / bulk_seconds),
        "reimport_seconds": round(again_seconds, 2),
        "baseline_rows": arguments.baseline_rows,
        "baseline_seconds": round(naive_seconds, 2),
        "baseline_rows_per_second": round(arguments.baseline_rows / naive_seconds),
        "speedup": round(
            (arguments.rows / bulk_seconds) / (arguments.baseline_rows / naive_seconds), 1
        ),
        "target_met": bulk_seconds < 60 * arguments.rows / 100_000,
    }
    print(json.dumps(figures, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
