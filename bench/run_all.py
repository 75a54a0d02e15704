"""Run every benchmark in this folder; each prints its figures as JSON and writes them to
bench/results/<name>.json. Figures and the machine go into docs/BENCHMARKS.md by hand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"


def main() -> int:
    RESULTS_DIR.mkdir(exist_ok=True)
    failures = 0
    for script in sorted(BENCH_DIR.glob("*.py")):
        # Helpers the benchmarks import, and the naive API server api_jobs.py starts.
        helpers = {"run_all.py", "__init__.py", "sqlite_setup.py", "pg.py", "city.py"}
        if script.name in helpers or script.name.startswith("naive_"):
            continue
        print(f"=== {script.stem}", flush=True)
        result = subprocess.run(
            [sys.executable, str(script), "--json", str(RESULTS_DIR / f"{script.stem}.json")],
            check=False,
        )
        failures += result.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
