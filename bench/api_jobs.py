"""Benchmark: ``GET /api/v1/jobs`` near a point, 20 a page, over 50,000 open posts and
1,000,000 seekers in PostgreSQL, served by gunicorn on this machine and loaded by wrk on
loopback (targets, issue 5: at least 400 requests/s with p99 under 100 ms, and at least 10
times the naive version's throughput).

Baseline, in the same run: a plain DRF ``ModelViewSet`` doing the same filter naively
(``bench/naive_jobs.py``), served the same way and loaded by the same wrk script.

Every request asks for another point: a random one inside the populated city, a radius of 5
to 10 km, nearest first, as one of a few hundred seekers signed in with a knox token each.
The servers run with production settings (``DEBUG=0``, Redis as the cache the throttles
use); requests carry ``X-Forwarded-Proto: https`` as the TLS-terminating proxy would set it.

Needs PostgreSQL, Redis and ``wrk`` (``apt-get install wrk``). It creates and drops its own
database.

    .venv/bin/python bench/api_jobs.py [--posts 50000] [--seekers 1000000] [--duration 30]
        [--connections 16] [--threads 2] [--workers 4] [--json results.json]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from city import populate
from pg import PROJECT_DIR, django_setup, migrate_and_seed, project_environment, scratch_database

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# The populated city (bench/city.py): posts lie within these bounds.
LATITUDES = (35.96, 36.16)
LONGITUDES = (103.69, 103.99)
RADII_KM = (5.0, 10.0)
PAGE_SIZE = 20
OURS_PATH = "/api/v1/jobs"
NAIVE_PATH = "/naive/jobs"
PING_PATH = "/bench/ping"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--seekers", type=int, default=1_000_000)
    parser.add_argument("--duration", type=int, default=30, help="seconds of load per server")
    parser.add_argument("--naive-duration", type=int, help="seconds for the naive server")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", help="gunicorn's: sync or gthread")
    parser.add_argument("--worker-threads", type=int, default=1, help="threads a gthread worker")
    parser.add_argument("--users", type=int, default=500, help="signed-in seekers per server")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    # Stopped from outside: still stop gunicorn and drop the database on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    with scratch_database() as database:
        results = run(arguments, database)
    print(json.dumps(results, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


def run(arguments: argparse.Namespace, database: str) -> dict[str, object]:
    env = project_environment(database)
    migrate_and_seed(env)
    started = time.perf_counter()
    populate(database, arguments.seekers, arguments.posts)
    populate_seconds = time.perf_counter() - started
    django_setup(env)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()

    server_env = production_environment(database)
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        server_env["STATIC_ROOT"] = scratch
        # The naive server also serves the ceiling (``/bench/ping``), measured first: the
        # naive requests left queued when wrk stops would slow whatever came after them.
        for settings, runs in (
            ("config.settings", [("ours", OURS_PATH, PAGE_SIZE)]),
            (
                "bench.naive_settings",
                [
                    ("ceiling", PING_PATH, 0),
                    ("naive", NAIVE_PATH, PAGE_SIZE),
                ],
            ),
        ):
            env_of_server = {**server_env, "DJANGO_SETTINGS_MODULE": settings}
            log = Path(scratch) / f"{settings}.log"
            with gunicorn(
                env_of_server,
                arguments.workers,
                log,
                arguments.worker_class,
                arguments.worker_threads,
            ) as server:
                for name, path, results in runs:
                    # Signed in just now: knox writes a token's new expiry when it is used a
                    # minute or more after the last write (AUTO_REFRESH), so no request of a
                    # warm-up and run shorter than that pays the write. At 400 requests/s
                    # from 500 seekers it would be one request in 50.
                    tokens = seeker_tokens(arguments.users, offset=len(figures) * arguments.users)
                    script = Path(scratch) / f"{name}.lua"
                    script.write_text(wrk_script(path, tokens))
                    check(server.url, path, tokens[0], results)
                    load = (script, arguments.connections, arguments.threads)
                    # No warm-up for the naive server: its requests take seconds, and those
                    # still queued when a warm-up stopped would be counted in the run.
                    if arguments.warmup and name != "naive":
                        wrk(server.url, *load, seconds=arguments.warmup)
                    seconds = arguments.duration
                    if name == "naive" and arguments.naive_duration:
                        seconds = arguments.naive_duration
                    figures[name] = measured(server, load, seconds=seconds)
    ours, naive = figures["ours"], figures["naive"]
    return {
        "posts": arguments.posts,
        "seekers": arguments.seekers,
        "populate_seconds_sql": round(populate_seconds, 1),
        "gunicorn": {
            "workers": arguments.workers,
            "worker_class": arguments.worker_class,
            "threads": arguments.worker_threads,
        },
        "wrk": {
            "connections": arguments.connections,
            "threads": arguments.threads,
            "duration_seconds": arguments.duration,
            "naive_duration_seconds": arguments.naive_duration or arguments.duration,
            "warmup_seconds": arguments.warmup,
            "signed_in_seekers": arguments.users,
        },
        "ours": ours,
        "naive": naive,
        "ceiling": figures["ceiling"],
        # None when no naive request finished in time: run it longer (--naive-duration).
        "speedup": (
            round(ours["requests_per_second"] / naive["requests_per_second"], 1)
            if naive["requests"]
            else None
        ),
    }


def seeker_tokens(count: int, *, offset: int) -> list[str]:
    """Knox tokens of ``count`` seekers given app accounts as ``login_code_verify`` gives
    them (a user named after the seeker, no password)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from knox.models import AuthToken

    from stations.models import JobSeeker

    seekers = list(JobSeeker.objects.order_by("pk").values_list("pk", flat=True))
    seekers = seekers[offset : offset + count]
    users = User.objects.bulk_create(
        [User(username=f"seeker-{pk}", password=make_password(None)) for pk in seekers]
    )
    for pk, user in zip(seekers, users, strict=True):
        JobSeeker.objects.filter(pk=pk).update(user=user)
    return [AuthToken.objects.create(user)[1] for user in users]


def production_environment(database: str) -> dict[str, str]:
    """What ``DEBUG=0`` demands (see .ci/run's deploy checks), with Redis as the cache."""
    from cryptography.fernet import Fernet

    env = project_environment(database)
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        PERSONAL_DATA_KEYS=Fernet.generate_key().decode(),
        PERSONAL_DATA_HASH_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="127.0.0.1",
        REDIS_URL=REDIS_URL,
        LOG_LEVEL="WARNING",
    )
    return env


@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    pid: int


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, log: Path, worker_class: str = "sync", threads: int = 1
) -> Iterator[Server]:
    """A gunicorn serving the project on a free loopback port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with log.open("w") as log_file:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--worker-class",
                worker_class,
                "--threads",
                str(threads),
                "--backlog",
                "2048",
                # The app is imported once, before the workers fork: four workers importing
                # Django at once would still be at it when the measurement starts.
                "--preload",
            ],
            cwd=PROJECT_DIR,
            env={**env, "PYTHONPATH": str(PROJECT_DIR)},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                time.sleep(0.5)
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{url}/healthz", timeout=5).close()
                    break
            else:
                raise SystemExit(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
            yield Server(url, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)


def check(url: str, path: str, token: str, results: int) -> None:
    """One request as wrk will send them: 200 and ``results`` results, or the run stops."""
    query = f"lat=36.06&lon=103.84&radius_km=5&ordering=distance&page_size={PAGE_SIZE}"
    request = urllib.request.Request(
        f"{url}{path}?{query}",
        headers={"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{path}: {error.code} {error.read()[:500]!r}") from error
    if len(body["results"]) != results:
        raise SystemExit(f"{path}: {len(body['results'])} results, not {results}")


def wrk_script(path: str, tokens: list[str]) -> str:
    """wrk's Lua: a random point, radius and seeker per request; figures as JSON at the end."""
    return f"""
local tokens = {{{", ".join(json.dumps(token) for token in tokens)}}}
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("number", threads)
end

function init(args)
  math.randomseed(number * 7919 + os.time())
end

function request()
  local lat = {LATITUDES[0]} + math.random() * {LATITUDES[1] - LATITUDES[0]:.4f}
  local lon = {LONGITUDES[0]} + math.random() * {LONGITUDES[1] - LONGITUDES[0]:.4f}
  local radius = {RADII_KM[0]} + math.random() * {RADII_KM[1] - RADII_KM[0]}
  local query = string.format(
    "?lat=%.5f&lon=%.5f&radius_km=%.1f&ordering=distance&page_size={PAGE_SIZE}", lat, lon, radius
  )
  local headers = {{
    ["Authorization"] = "Token " .. tokens[math.random(#tokens)],
    ["X-Forwarded-Proto"] = "https",
  }}
  return wrk.format("GET", "{path}" .. query, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {{"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout
  ))
end
"""


def measured(server: Server, load: tuple[Path, int, int], *, seconds: int) -> dict[str, float]:
    """wrk's figures, and the CPU time the run cost: the server's (gunicorn's workers and
    their PostgreSQL backends), wrk's, and the other processes' on the machine."""
    before = _server_cpu(server.pid)
    busy_before, wrk_before = _machine_busy_seconds(), _children_cpu_seconds()
    figures = wrk(server.url, *load, seconds=seconds)
    wrk_seconds = _children_cpu_seconds() - wrk_before
    busy = _machine_busy_seconds() - busy_before
    after = _server_cpu(server.pid)
    server_seconds = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
    requests = max(figures["requests"], 1)
    cores = os.cpu_count() or 1
    return {
        **figures,
        "server_cpu_ms_per_request": round(server_seconds / requests * 1000, 2),
        "wrk_cpu_ms_per_request": round(wrk_seconds / requests * 1000, 2),
        # What else ran meanwhile (other people's work on a shared machine), as a share of
        # all cores: the figures above are only comparable between quiet runs.
        "other_processes_cpu_share": round(
            max(busy - server_seconds - wrk_seconds, 0.0) / (cores * seconds), 2
        ),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def _server_cpu(master: int) -> dict[int, float]:
    """CPU seconds so far of gunicorn's workers and of the database's backends."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        backends = [pid for (pid,) in cursor.fetchall()]
    workers = [
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and _parent(int(entry.name)) == master
    ]
    return {pid: _cpu_seconds(pid) for pid in [*workers, *backends]}


def _proc_stat(pid: int) -> list[str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone meanwhile
        return []
    return text.rsplit(")", 1)[1].split()


def _parent(pid: int) -> int:
    fields = _proc_stat(pid)
    return int(fields[1]) if fields else -1


def _cpu_seconds(pid: int) -> float:
    fields = _proc_stat(pid)
    ticks = int(fields[11]) + int(fields[12]) if fields else 0
    return ticks / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float:
    """CPU seconds spent by every process so far: user, nice, system, irq and softirq."""
    ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(ticks[0:3]) + sum(ticks[5:7])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(
    url: str, script: Path, connections: int, threads: int, *, seconds: int
) -> dict[str, float]:
    output = subprocess.run(
        [
            "wrk",
            "--latency",
            "--timeout",
            "60s",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "-s",
            str(script),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    return {
        "requests": raw["requests"],
        "requests_per_second": round(raw["requests"] / (raw["duration_us"] / 1e6), 2),
        "p50_ms": round(raw["p50_us"] / 1000, 1),
        "p90_ms": round(raw["p90_us"] / 1000, 1),
        "p99_ms": round(raw["p99_us"] / 1000, 1),
        "max_ms": round(raw["max_us"] / 1000, 1),
        "non_2xx_3xx": raw["status"],
        "socket_errors": raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
    }


if __name__ == "__main__":
    main()
