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
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = f"oddjobs_bench_{uuid.uuid4().hex[:6]}"


def psql(sql: str, database: str = "postgres") -> None:
    command = ["psql", f"{PG}/{database}", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if subprocess.run(command, check=False).returncode:
        raise SystemExit("psql failed (its message is above)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seekers", type=int, default=1_000_000)
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--rematch-sample", type=int, default=1_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    psql(f"CREATE DATABASE {DATABASE}")
    try:
        results = run(arguments)
    finally:
        psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    print(json.dumps(results, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


def populate(seekers: int, posts: int) -> None:
    """The city, in SQL: seekers, skills, key groups, certificates, an employer and posts."""
    trades = "(SELECT array_agg(id ORDER BY code) FROM stations_occupation WHERE level = 'trade')"
    region = "(SELECT id FROM stations_region WHERE code = '620102')"
    psql(
        f"""
        INSERT INTO stations_jobseeker (created_at, updated_at, latitude, longitude, full_name,
            phone, household, expected_daily_wage, max_travel_km, availability,
            employment_status, preferred_language, residence_region_id, birth_date,
            consent_push, consent_sms, consent_wechat, id_number_encrypted, id_number_masked, sex)
        SELECT now(), now() - (n % 60) * interval '1 day',
            36.06 + ((n * 7919) % 20000) / 100000.0 - 0.1,
            103.84 + ((n * 104729) % 30000) / 100000.0 - 0.15,
            '工人' || n, '13' || lpad(n::text, 9, '0'), 'rural', 150 + n % 150, 5 + n % 20,
            2097151, CASE WHEN n % 10 = 0 THEN 'employed' ELSE 'unemployed' END, 'zh-hans',
            {region}, DATE '1965-01-01' + (n % 14000)::int, true, true, false, '', '', ''
        FROM generate_series(1::bigint, {seekers}) AS n;

        INSERT INTO stations_seekerskill (level, years, occupation_id, seeker_id)
        SELECT 0, (s.id % 20)::smallint,
            t.trades[1 + (s.id + k * (1 + s.id % 37)) % array_length(t.trades, 1)], s.id
        FROM stations_jobseeker s, (SELECT {trades} AS trades) t, (VALUES (0), (1)) AS ks(k);

        INSERT INTO stations_seekerkeygroup (seeker_id, key_group_id, started_on)
        SELECT s.id, g.ids[1 + s.id % array_length(g.ids, 1)], DATE '2026-01-01'
        FROM stations_jobseeker s,
             (SELECT array_agg(id ORDER BY id) AS ids FROM stations_keygroup) g
        WHERE s.id % 10 = 3;

        INSERT INTO stations_seekercertificate (seeker_id, kind_id, number, expires_on)
        SELECT s.id, c.ids[1 + s.id % array_length(c.ids, 1)], '', DATE '2028-01-01'
        FROM stations_jobseeker s,
             (SELECT array_agg(id ORDER BY id) AS ids FROM stations_certificatekind) c
        WHERE s.id % 20 = 7;

        INSERT INTO stations_employer (created_at, updated_at, name, credit_code, kind, region_id,
            verified_at, contact_name, contact_phone, id_number_encrypted, id_number_masked)
        VALUES (now(), now(), '兰州宏达建筑劳务有限公司', '91620102MA000001XX', 'enterprise',
            {region}, now(),
            '', '', '', '');

        INSERT INTO stations_jobpost (created_at, updated_at, latitude, longitude, reference,
            employer_id, kind, title, occupation_id, openings, wage_amount, wage_unit,
            settlement, starts_on, ends_on, region_id, take_home, status, opened_at)
        SELECT now(), now(), 36.06 + ((n * 31) % 20000) / 100000.0 - 0.1,
            103.84 + ((n * 57) % 30000) / 100000.0 - 0.15, 'B-' || n,
            (SELECT id FROM stations_employer LIMIT 1), 'odd_job', '装卸工',
            t.trades[1 + (n * 11) % array_length(t.trades, 1)], 1 + n % 5, 180 + n % 120, 'day',
            'daily', CURRENT_DATE + 1, CURRENT_DATE + 3 + (n % 10)::int, {region}, false,
            'open', now()
        FROM generate_series(1::bigint, {posts}) AS n, (SELECT {trades} AS trades) t;
        ANALYZE;
        """,
        DATABASE,
    )


def run(arguments: argparse.Namespace) -> dict[str, object]:
    env = {"DATABASE_URL": f"{PG}/{DATABASE}", "DEBUG": "1"}
    os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    os.environ.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=PROJECT_DIR, check=True)
    subprocess.run(
        [sys.executable, "manage.py", "load_seeds"],
        cwd=PROJECT_DIR,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    started = time.perf_counter()
    populate(arguments.seekers, arguments.posts)
    populate_seconds = time.perf_counter() - started

    import django

    django.setup()
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
