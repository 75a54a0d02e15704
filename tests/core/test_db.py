"""The hand-written statements' path (core.db.fetch_all) on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import ProgrammingError, connection
from psycopg._queries import MAX_CACHED_STATEMENT_LENGTH

from core.db import _preparing_cursor_class, fetch_all

pytestmark = [pytest.mark.django_db, pytest.mark.services("postgres")]


def test_a_long_statement_is_converted_once_and_still_bound_each_time():
    # Longer than psycopg keeps conversions for, as the page of jobs near a point is.
    padding = " ".join(f"%(n)s AS c{index}," for index in range(400))
    statement = f"SELECT {padding} %(n)s + 1 AS last"
    assert len(statement) > MAX_CACHED_STATEMENT_LENGTH
    conversions = _preparing_cursor_class().statement_conversions
    misses, hits = conversions.cache_info().misses, conversions.cache_info().hits

    first = fetch_all(statement, {"n": 1})
    second = fetch_all(statement, {"n": 41})

    assert (first[0][0], first[0][-1]) == (1, 2)
    assert (second[0][0], second[0][-1], len(second[0])) == (41, 42, 401)
    assert conversions.cache_info().misses == misses + 1
    assert conversions.cache_info().hits == hits + 1
    assert connection.vendor == "postgresql"


def test_a_statement_missing_a_parameter_is_refused_by_name():
    # The conversion is kept; the parameters are still checked against it each time.
    fetch_all("SELECT %(present)s, %(absent)s", {"present": 1, "absent": 2})
    with pytest.raises(ProgrammingError, match="absent"):
        fetch_all("SELECT %(present)s, %(absent)s", {"present": 1})
