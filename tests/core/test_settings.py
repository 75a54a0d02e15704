from __future__ import annotations

import json
import secrets

from tests.helpers import manage, run_python, settings_in_fresh_process

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "jobs.example.org",
    "PERSONAL_DATA_KEYS": "8bI0ILJnYDgZ5pWTpcTgQNR2Sgn7tGnpJ5J0hjQc1fI=",
    "PERSONAL_DATA_HASH_KEY": secrets.token_urlsafe(32),
    "DATABASE_URL": "sqlite:////tmp/oddjobs-settings-test.sqlite3",
}


def test_embedded_default_uses_sqlite_under_var_eager_celery_and_local_cache():
    values = settings_in_fresh_process(
        "DATABASES", "CACHES", "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL", "DEBUG"
    )
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("var/oddjobs.sqlite3")
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert values["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["DEBUG"] is True


def test_redis_url_makes_redis_the_broker_result_backend_and_cache():
    values = settings_in_fresh_process(
        "CACHES",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        REDIS_URL="redis://127.0.0.1:6399/3",
    )
    assert values["CACHES"]["default"]["BACKEND"] == "core.cache.RedisCache"
    assert values["CACHES"]["default"]["LOCATION"] == "redis://127.0.0.1:6399/3"
    assert values["CELERY_BROKER_URL"] == "redis://127.0.0.1:6399/3"
    assert values["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6399/3"
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


def test_database_url_selects_postgresql_with_persistent_checked_connections():
    values = settings_in_fresh_process(
        "DATABASES", DATABASE_URL="postgres://someone@db.internal:5433/stations"
    )
    database = values["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == (
        "db.internal",
        5433,
        "stations",
    )
    assert database["CONN_HEALTH_CHECKS"] is True


def test_postgresql_plans_prepared_statements_once_unless_they_are_turned_off():
    url = "postgres://someone@db.internal:5433/stations?options=-c%20statement_timeout%3D5000"
    prepared = settings_in_fresh_process("DATABASES", DATABASE_URL=url)["DATABASES"]["default"]
    unprepared = settings_in_fresh_process(
        "DATABASES", DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS="0"
    )["DATABASES"]["default"]

    assert prepared["OPTIONS"]["options"] == (
        "-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan"
    )
    assert prepared["OPTIONS"]["prepare_threshold"] > 10**9
    assert unprepared["OPTIONS"]["options"] == "-c statement_timeout=5000"
    assert "prepare_threshold" not in unprepared["OPTIONS"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_python("import django; django.setup()", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = run_python(
        "import django; django.setup()",
        DEBUG="0",
        SECRET_KEY="development-only-insecure-key-do-not-use-in-production",
    )
    assert result.returncode != 0
    assert "must not be the development key" in result.stderr


def test_check_deploy_reports_no_warnings_with_production_values():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_with_debug_on():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **{**PRODUCTION, "DEBUG": "1"},
    )
    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


def test_production_logs_json_lines_to_stdout():
    result = run_python(
        "import django, logging; django.setup(); "
        "logging.getLogger('stations').warning('post %s expired', 42, extra={'post_id': 42})",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["message"] == "post 42 expired"
    assert record["level"] == "WARNING"
    assert record["logger"] == "stations"
    assert record["post_id"] == 42


def test_development_logs_readable_lines():
    result = run_python(
        "import django, logging; django.setup(); logging.getLogger('stations').warning('hello')"
    )
    line = result.stdout.strip().splitlines()[-1]
    assert line.endswith("WARNING stations: hello")
    assert not line.startswith("{")


def test_time_zone_and_languages():
    values = settings_in_fresh_process("TIME_ZONE", "USE_TZ", "LANGUAGES", "MIDDLEWARE")
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["USE_TZ"] is True
    assert [code for code, _ in values["LANGUAGES"]] == ["zh-hans", "en"]
    assert "core.middleware.LocaleMiddleware" in values["MIDDLEWARE"]


def test_django_log_lines_are_printed_once():
    result = run_python(
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('once')"
    )
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if "once" in line] == [
        result.stdout.strip().splitlines()[-1]
    ]
    assert result.stderr.count("once") == 0
