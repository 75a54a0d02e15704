"""Benchmark: rollups over 10,000,000 outcome records of a city's region tree and 24 months in
PostgreSQL (targets, issue 7: a full rebuild of the facts in at most 5 minutes; a month's
incremental close, one day's changes applied and the month checked and closed, in at most
2 s; a rollup API answer for a city and a year in at most 50 ms).

The API is timed through Django's whole request path (APIClient, a bureau's report key):
authentication, throttling, validation, the selectors and the JSON rendering.

Baseline, in the same run: the same city-year rollup computed naively, by a GROUP BY over
the raw outcome records joined to the region tree (the SQL alone, no request around it).

The outcome records are written straight in SQL (generate_series) with the kinds, categories,
tags, subjects and amounts the catalogue's definitions read, spread over 8 counties, 80
streets and 800 communities of Lanzhou. One day's changes are real station records (seekers,
posts, applications, hires, wage payments) inserted and corrected in SQL, captured by the
triggers like any write, then applied by ``rollups_apply``.

    .venv/bin/python bench/reporting_rollups.py [--records 10000000] [--day-hires 14000]
        [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg import django_setup, migrate_and_seed, project_environment, psql, scratch_database

CITY = "620100"
MONTHS = 24
FIRST_MONTH = "2025-01-01"


def region_tree(database: str) -> None:
    """10 streets under each of the city's counties and 10 communities under each street."""
    psql(
        f"""
        INSERT INTO stations_region (code, parent_id, path, level, name_zh_hans, name_en)
        SELECT c.code || lpad((100 + s)::text, 3, '0'), c.id,
               c.path || c.code || lpad((100 + s)::text, 3, '0') || '/',
               'township', '街道' || s, 'Street ' || s
        FROM stations_region c, generate_series(1, 10) s
        WHERE c.level = 'county'
          AND c.parent_id = (SELECT id FROM stations_region WHERE code = '{CITY}');
        INSERT INTO stations_region (code, parent_id, path, level, name_zh_hans, name_en)
        SELECT t.code || lpad((100 + m)::text, 3, '0'), t.id,
               t.path || t.code || lpad((100 + m)::text, 3, '0') || '/',
               'community', '社区' || m, 'Community ' || m
        FROM stations_region t, generate_series(1, 10) m
        WHERE t.level = 'township' AND t.code LIKE '{CITY[:4]}__1__';
        """,
        database,
    )


def outcome_records(database: str, count: int) -> None:
    """``count`` outcome rows: hires (with the bulletins' outcome categories and key-group
    tags), wages, visits, services, plans, intentions, fairs, posts, training, claims."""
    psql(
        f"""
        CREATE TEMP TABLE leaves AS
            SELECT array_agg(id ORDER BY id) AS ids FROM stations_region
            WHERE level = 'community' AND code LIKE '{CITY[:4]}__1__1__';
        INSERT INTO reporting_outcome (source, source_id, kind, item, region_id, month, subject,
            category, tags, amount)
        SELECT 'bench', n, k.kind, 0,
            l.ids[1 + (n * 7919) % array_length(l.ids, 1)],
            DATE '{FIRST_MONTH}' + ((n * 31) % {MONTHS}) * interval '1 month',
            CASE WHEN k.kind IN ('fair', 'ledger') THEN NULL ELSE (n * 2654435761) % 3000000 END,
            CASE k.kind
                WHEN 'hire' THEN (ARRAY['new_urban_job', 'reemployment', 'difficulty',
                    'public_welfare', 'flexible', 'transfer_within', 'transfer_out'])[1 + n % 7]
                WHEN 'wage' THEN
                    (ARRAY['transfer_within', 'transfer_out', 'new_urban_job'])[1 + n % 3]
                WHEN 'fair' THEN (ARRAY['on_site', 'online', 'live'])[1 + n % 3]
                WHEN 'service' THEN (ARRAY['job_push', 'training', 'guidance'])[1 + n % 3]
                ELSE '' END,
            CASE WHEN n % 5 = 0 THEN ',lifted_from_poverty,' WHEN n % 5 = 1 THEN ',youth,'
                 WHEN n % 5 = 2 THEN ',employment_difficulty,youth,' ELSE '' END,
            CASE k.kind WHEN 'wage' THEN 2000 + n % 3000 WHEN 'fair' THEN 50 + n % 500
                 ELSE 1 END
        FROM generate_series(1::bigint, {count}) AS n,
             leaves l,
             LATERAL (SELECT CASE
                 WHEN n % 100 < 40 THEN 'hire' WHEN n % 100 < 60 THEN 'wage'
                 WHEN n % 100 < 75 THEN 'visit' WHEN n % 100 < 85 THEN 'service'
                 WHEN n % 100 < 88 THEN 'plan' WHEN n % 100 < 93 THEN 'intention'
                 WHEN n % 100 < 96 THEN 'post_opened' WHEN n % 100 < 98 THEN 'training_referral'
                 WHEN n % 1000 < 999 THEN 'arrears_case' ELSE 'fair' END AS kind) k;
        ANALYZE reporting_outcome;
        """,
        database,
    )


def one_days_changes(database: str, hires: int) -> None:
    """A day of a busy city: ``hires`` new hires with a wage payment each, a tenth of them
    corrected (another outcome) and a fiftieth cancelled, as station records."""
    psql(
        f"""
        CREATE TEMP TABLE leaves AS
            SELECT array_agg(id ORDER BY id) AS ids FROM stations_region
            WHERE level = 'community' AND code LIKE '{CITY[:4]}__1__1__';
        INSERT INTO stations_employer (created_at, updated_at, name, credit_code, kind, region_id,
            verified_at, contact_name, contact_phone, id_number_encrypted, id_number_masked)
        VALUES (now(), now(), '兰州宏达建筑劳务有限公司', '91620102MA000001XX', 'enterprise',
            (SELECT id FROM stations_region WHERE code = '620102'), now(), '', '', '', '');
        INSERT INTO stations_jobseeker (created_at, updated_at, latitude, longitude, full_name,
            phone, household, expected_daily_wage, max_travel_km, availability,
            employment_status, preferred_language, residence_region_id, birth_date,
            consent_push, consent_sms, consent_wechat, id_number_encrypted, id_number_masked, sex)
        SELECT now(), now(), 36.06, 103.84, '工人' || n, '13' || lpad(n::text, 9, '0'), 'rural',
            200, 10, 2097151, 'unemployed', 'zh-hans', l.ids[1 + n % array_length(l.ids, 1)],
            DATE '1980-01-01' + (n % 9000)::int, true, true, false, '', '', ''
        FROM generate_series(1::bigint, {hires}) AS n, leaves l;
        INSERT INTO stations_jobpost (created_at, updated_at, latitude, longitude, reference,
            employer_id, kind, title, occupation_id, openings, wage_amount, wage_unit,
            settlement, starts_on, ends_on, region_id, take_home, status, opened_at)
        SELECT now(), now(), 36.06, 103.84, 'D-' || n, (SELECT max(id) FROM stations_employer),
            'odd_job', '装卸工', (SELECT min(id) FROM stations_occupation WHERE level = 'trade'),
            20, 220, 'day', 'daily', DATE '2026-06-15', DATE '2026-06-30',
            l.ids[1 + n % array_length(l.ids, 1)], false, 'open', TIMESTAMPTZ '2026-06-14 08:00+08'
        FROM generate_series(1::bigint, {hires // 20 + 1}) AS n, leaves l;
        INSERT INTO stations_application (created_at, updated_at, post_id, seeker_id, status,
            source, status_changed_at)
        SELECT now(), now(), p.ids[1 + s.id % array_length(p.ids, 1)], s.id, 'hired',
            'counter', now()
        FROM stations_jobseeker s,
             (SELECT array_agg(id) AS ids FROM stations_jobpost WHERE reference LIKE 'D-%') p;
        INSERT INTO stations_placement (created_at, updated_at, application_id,
            agreed_wage_amount, agreed_wage_unit, starts_on, written_agreement, outcome)
        SELECT now(), now(), a.id, 220, 'day', DATE '2026-06-15', false,
            (ARRAY['new_urban_job', 'reemployment', 'difficulty', 'transfer_out'])[1 + a.id % 4]
        FROM stations_application a;
        INSERT INTO stations_wagepayment (created_at, updated_at, placement_id, amount, paid_on,
            note)
        SELECT now(), now(), p.id, 220, DATE '2026-06-15', '' FROM stations_placement p;
        UPDATE stations_placement SET outcome = 'flexible' WHERE id % 10 = 0;
        UPDATE stations_application SET status = 'no_show' WHERE id % 50 = 0;
        """,
        database,
    )


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def profiled(name: str, function, *args, **kwargs) -> object:
    """With BENCH_PROFILE set (a directory), one more call under cProfile, its statistics
    written there as ``name.prof``; else nothing."""
    directory = os.environ.get("BENCH_PROFILE")
    if not directory:
        return None
    import cProfile

    profile = cProfile.Profile()
    result = profile.runcall(function, *args, **kwargs)
    profile.dump_stats(str(Path(directory) / f"{name}.prof"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--day-hires", type=int, default=14_000)
    parser.add_argument("--answers", type=int, default=30)
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    with scratch_database() as database:
        env = project_environment(database, CELERY_TASK_ALWAYS_EAGER="1")
        migrate_and_seed(env)
        region_tree(database)
        seconds_populate, _ = timed(outcome_records, database, arguments.records)
        result = run(arguments, database, env)
        result["populate_seconds"] = round(seconds_populate, 1)
    print(json.dumps(result, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(result, indent=2))


def run(arguments: argparse.Namespace, database: str, env: dict[str, str]) -> dict[str, object]:
    django_setup(env)
    import datetime as dt

    from django.contrib.auth.models import User
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from reporting.models import Fact, MonthClose, Outcome, PendingSource
    from reporting.services.month_close import month_close
    from reporting.services.rollups import facts_rebuild, links_refresh, rollups_apply
    from reporting.services.tokens import report_token_issue
    from stations.models import Region

    PendingSource.objects.all().delete()  # the region tree's, covered by links_refresh
    links_refresh()
    seconds_rebuild, _ = timed(facts_rebuild)
    facts = Fact.objects.count()

    # A month's close: the day's changes still pending are applied, the month's plausibility
    # checks run, the close is recorded and the bureau users told.
    one_days_changes(database, arguments.day_hires)
    pending = PendingSource.objects.count()
    seconds_apply, changed = timed(rollups_apply)
    june = dt.date(2026, 6, 1)
    seconds_close, close = timed(month_close, month=june, now=timezone.now())
    assert isinstance(close, MonthClose)
    from reporting.checks import month_warnings

    profiled("month_warnings", month_warnings, june)

    city = Region.objects.get(code=CITY)
    children = list(Region.objects.filter(parent=city))
    admin = User.objects.create_superuser("bench-admin", "", None)
    _token, key = report_token_issue(
        name="bench", region=city, by=admin, lifetime=dt.timedelta(days=1)
    )
    client = APIClient(HTTP_HOST="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Report {key}")
    year = {"region": CITY, "from": "2026-01", "to": "2026-12"}
    requests = {
        # Every indicator's twelve months for the city and each of its counties.
        "rollups": ("/api/v1/reports/rollups", {**year, "children": "true"}),
        # The period's figures with year-on-year change and target completion.
        "figures": ("/api/v1/reports/figures", {**year, "children": "true"}),
        "bulletin_md": (
            "/api/v1/reports/bulletin",
            {"region": CITY, "as_of": "2026-12", "lang": "zh-hans", "format": "md"},
        ),
    }

    def answer(path: str, params: dict[str, str]) -> int:
        response = client.get(path, params)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return len(response.content)

    def naive() -> int:
        """The city-year rollup by a GROUP BY over the raw records."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT l.ancestor_id, o.kind, o.category, o.month, count(*), sum(o.amount),
                       count(DISTINCT o.subject)
                FROM reporting_outcome o
                JOIN reporting_regionlink l ON l.descendant_id = o.region_id
                WHERE l.ancestor_id = ANY(%s) AND o.month BETWEEN %s AND %s
                GROUP BY l.ancestor_id, o.kind, o.category, o.month
                """,
                [[city.pk, *[c.pk for c in children]], dt.date(2026, 1, 1), dt.date(2026, 12, 1)],
            )
            return len(cursor.fetchall())

    result: dict[str, object] = {
        "outcome_records": Outcome.objects.count(),
        "facts": facts,
        "rebuild_seconds": round(seconds_rebuild, 1),
        "day_pending_sources": pending,
        "day_outcome_rows_changed": changed,
        "day_apply_seconds": round(seconds_apply, 2),
        "month_close_checks_seconds": round(seconds_close, 2),
        "month_close_seconds": round(seconds_apply + seconds_close, 2),
        "month_close_warnings": len(close.warnings),
    }
    for name, (path, params) in requests.items():
        result[f"{name}_bytes"] = answer(path, params)  # warm, like a serving process
        profiled(name, answer, path, params)
        times = [timed(answer, path, params)[0] for _ in range(arguments.answers)]
        result[f"{name}_ms_median"] = round(statistics.median(times) * 1000, 1)
        result[f"{name}_ms_p95"] = round(sorted(times)[int(len(times) * 0.95) - 1] * 1000, 1)
    naive_answers = [timed(naive)[0] for _ in range(3)]
    result["naive_rollup_ms_median"] = round(statistics.median(naive_answers) * 1000, 1)
    return result


if __name__ == "__main__":
    main()
