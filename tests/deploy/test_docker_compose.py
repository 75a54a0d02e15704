"""docker-compose.yml must stay true to the project: CI has no Docker engine to try it, so
this test checks every service, command and environment variable it names."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

from tests.helpers import PROJECT_DIR

COMPOSE = yaml.safe_load((PROJECT_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]
SETTINGS_SOURCE = (PROJECT_DIR / "config" / "settings.py").read_text()
SETTINGS_VARIABLES = set(re.findall(r'env\.\w+\(\s*"([A-Z][A-Z0-9_]*)"', SETTINGS_SOURCE))
DOCKERFILE = (PROJECT_DIR / "Dockerfile").read_text()
BIN = Path(importlib.import_module("sys").executable).parent


def _argv(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def _commands(service: dict) -> list[list[str]]:
    """Each shell command in a service's command, split on && into argv lists."""
    argv = _argv(service["command"])
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


def test_the_services_of_the_real_mode_are_all_there():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}
    assert set(APP_SERVICES) == {"web", "worker", "beat"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_health_check(name):
    check = SERVICES[name].get("healthcheck")
    assert check, f"{name} has no health check"
    assert check["test"], f"{name} has an empty health check"


def test_named_volumes_are_declared_and_used():
    declared = set(COMPOSE["volumes"])
    used = {
        volume.split(":")[0]
        for service in SERVICES.values()
        for volume in service.get("volumes", [])
        if not volume.startswith((".", "/"))
    }
    assert declared == used == {"postgres-data", "redis-data"}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_build_from_the_dockerfile_of_this_project(name):
    assert SERVICES[name]["build"] == "."
    for source in re.findall(r"^COPY (\S+)", DOCKERFILE, flags=re.MULTILINE):
        assert (PROJECT_DIR / source).exists(), f"Dockerfile copies missing {source}"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_command_of_an_app_service_exists(name):
    management_commands = get_commands()
    for argv in _commands(SERVICES[name]):
        program = argv[0]
        if program == "python":
            assert argv[1] == "manage.py"
            assert argv[2] in management_commands, f"{name}: no manage.py {argv[2]}"
        elif program == "gunicorn":
            module, attribute = argv[1].split(":")
            assert callable(getattr(importlib.import_module(module), attribute))
            assert (BIN / "gunicorn").exists()
        elif program == "celery":
            assert argv[1:3] == ["-A", "config"]
            assert importlib.import_module("config").celery_app.main == "oddjobs"
            assert argv[3] in {"worker", "beat"}
            assert (BIN / "celery").exists()
            if "--scheduler" in argv:
                path = argv[argv.index("--scheduler") + 1]
                module, attribute = path.split(":")
                assert getattr(importlib.import_module(module), attribute)
        else:
            pytest.fail(f"{name}: unexpected program {program}")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_environment_variable_given_to_the_app_is_read_by_the_settings(name):
    for variable in SERVICES[name]["environment"]:
        assert variable in SETTINGS_VARIABLES, f"{name} sets {variable}, which nothing reads"


def test_the_variables_production_needs_are_given_to_every_app_service():
    for name in APP_SERVICES:
        given = set(SERVICES[name]["environment"])
        assert {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "REDIS_URL",
            "ALLOWED_HOSTS",
            "PERSONAL_DATA_KEYS",
            "PERSONAL_DATA_HASH_KEY",
        } <= given
        assert SERVICES[name]["environment"]["DEBUG"] == "0"
        assert SERVICES[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert SERVICES[name]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_the_web_health_check_polls_a_real_endpoint_with_a_tool_the_image_has():
    test = SERVICES["web"]["healthcheck"]["test"]
    url = next(part for part in test if part.startswith("http://"))
    path = "/" + url.split("/", 3)[3]
    assert resolve(path).url_name == "healthz"
    assert "curl" in test
    assert re.search(r"apt-get install .*\bcurl\b", DOCKERFILE)


def test_the_beat_and_worker_health_checks_use_real_commands():
    beat = SERVICES["beat"]["healthcheck"]["test"]
    assert beat[1:4] == ["python", "manage.py", "check"]
    worker = _argv(SERVICES["worker"]["healthcheck"]["test"][1])
    assert worker[:4] == ["celery", "-A", "config", "inspect"]


def test_app_services_wait_for_healthy_dependencies():
    for name in ("web", "worker"):
        depends = SERVICES[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
    assert SERVICES["beat"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_worker_consumes_every_queue_tasks_are_routed_to():
    from django.conf import settings

    argv = _commands(SERVICES["worker"])[0]
    queues = set(argv[argv.index("--queues") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed | {settings.CELERY_TASK_DEFAULT_QUEUE} <= queues
