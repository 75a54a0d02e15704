"""The synthetic city the PostgreSQL benchmarks share, written straight in SQL
(generate_series): seekers around Lanzhou with their skills, key groups and certificates, one
employer and its open posts."""

from __future__ import annotations

from pg import psql


def populate(database: str, seekers: int, posts: int) -> None:
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
        database,
    )
