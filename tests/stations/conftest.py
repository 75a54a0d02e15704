from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import transaction

from seeds.loader import load_seeds
from tests.factories import UserFactory


@pytest.fixture
def seeded() -> None:
    """Reference data (regions, key groups, occupations, certificate kinds) for one test."""
    load_seeds()


@pytest.fixture(scope="module")
def seeded_for_module(django_db_setup, django_db_blocker):
    """Reference data once per module, in a transaction rolled back after its last test
    (each test's own transaction nests inside as a savepoint). Not for modules with
    ``transaction=True`` tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_seeds()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def clerk() -> User:
    return UserFactory(username="clerk")
