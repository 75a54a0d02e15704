"""Benchmark: the seeker snapshot of a city loaded from PostgreSQL (target: 1,000,000 seekers
in at most 15 s), one seeker's change applied (target: at most 1 ms in the engine), and the
nightly re-match of open posts through the database (target: 50,000 posts against 1,000,000
seekers in at most 5 minutes; measured on a chunk and extrapolated, said so in the output).

Baseline, in the same run: the naive load, model instances with their related rows through
the ORM (``prefetch_related``) turned into records one by one, on a sample, per second.

The city is written straight in SQL (generate_series): 1,000,000 seekers around Lanzhou with
two skills each, a tenth in a key group, a twentieth with a certificate.

    .venv/bin/python bench/matching_snapshot.py [--seekers 1000000] [--posts 50000]
        [--baseline 20000] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from city import populate
from pg import django_setup, migrate_and_seed, project_environment, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seekers", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--rematch-sample", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
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

    import numpy as np
    from django.utils import timezone

    from matching.engine import SeekerSnapshot
    from matching.selectors.snapshot import seeker_columns, seeker_records, taxonomy_load
    from matching.services.recommendations import posts_rematch
    from matching.snapshots import snapshots
    from stations.models import JobPost, JobSeeker

    now = timezone.now()
    today = timezone.localdate(now)

    started = time.perf_counter()
    taxonomy = taxonomy_load()
    snapshot = SeekerSnapshot.from_columns(taxonomy, seeker_columns(taxonomy, today=today, now=now))
    load_seconds = time.perf_counter() - started
    memory_mb = (
        sum(getattr(snapshot, name).nbytes for name in [*SeekerSnapshot.COLUMNS, "cert_expiry"])
        / 2**20
    )

    # One seeker's change: read from the database, then applied to the snapshot.
    ids = [int(x) for x in snapshot.ids[: snapshot.size : max(snapshot.size // 200, 1)]]
    read_ms, apply_ms = [], []
    for seeker_id in ids:
        t0 = time.perf_counter()
        columns = seeker_columns(taxonomy, today=today, now=now, ids=[seeker_id])
        (record,) = seeker_records(taxonomy, columns)
        t1 = time.perf_counter()
        record.max_travel_km += 1
        snapshot.upsert(record)
        t2 = time.perf_counter()
        read_ms.append((t1 - t0) * 1000)
        apply_ms.append((t2 - t1) * 1000)

    # The naive load on a sample: instances and related rows through the ORM.
    sample = list(
        JobSeeker.objects.order_by("pk").values_list("pk", flat=True)[: arguments.baseline]
    )
    started = time.perf_counter()
    naive = []
    for seeker in JobSeeker.objects.filter(pk__in=sample).prefetch_related(
        "skill_rows", "key_group_spans__key_group", "certificates__kind"
    ):
        naive.append(
            (
                seeker.pk,
                seeker.latitude,
                seeker.longitude,
                [(s.occupation_id, s.years) for s in seeker.skill_rows.all()],
                [g.key_group.code for g in seeker.key_group_spans.all()],
                {c.kind.code: c.expires_on for c in seeker.certificates.all()},
            )
        )
    naive_per_second = len(naive) / (time.perf_counter() - started)
    load_per_second = snapshot.size / load_seconds

    # The nightly re-match: a chunk of posts through the database (read, rank, store).
    snapshots.clear()
    snapshots._seekers = None
    snapshots.seekers(now=now)  # loaded once per worker process, not per chunk
    post_ids = list(
        JobPost.objects.order_by("pk").values_list("pk", flat=True)[: arguments.rematch_sample]
    )
    started = time.perf_counter()
    for start in range(0, len(post_ids), 500):
        posts_rematch(post_ids=post_ids[start : start + 500], now=now)
    per_post = (time.perf_counter() - started) / len(post_ids)
    total_posts = JobPost.objects.count()
    return {
        "seekers": int(snapshot.size),
        "populate_seconds_sql": round(populate_seconds, 1),
        "snapshot_load_seconds": round(load_seconds, 2),
        "snapshot_memory_mb": round(memory_mb),
        "seeker_update_read_ms_median": round(statistics.median(read_ms), 2),
        "seeker_update_apply_ms_median": round(statistics.median(apply_ms), 3),
        "seeker_update_apply_ms_max": round(max(apply_ms), 3),
        "naive_sample": len(naive),
        "naive_seekers_per_second": round(naive_per_second),
        "load_seekers_per_second": round(load_per_second),
        "load_speedup": round(load_per_second / naive_per_second, 1),
        "naive_extrapolated_seconds_for_all": round(snapshot.size / naive_per_second),
        "rematch_sample_posts": len(post_ids),
        "rematch_ms_per_post": round(per_post * 1000, 2),
        "rematch_extrapolated_seconds_one_process": round(per_post * total_posts),
        "rematch_extrapolated_seconds_two_processes": round(per_post * total_posts / 2),
        "rematch_posts_total": total_posts,
        "checksum": int(np.sum(snapshot.skill_trade[: snapshot.size] >= 0)),
    }


if __name__ == "__main__":
    main()
