"""Hand-written statements on the API's busiest paths, and model instances from their rows.

Django builds and compiles a query anew for every request, and its PostgreSQL backend binds
parameters on the client, so the server plans every statement anew as well: for the page of
jobs near a point, planning took the database three times as long as running the plan. On
PostgreSQL a statement run through ``fetch_all`` is bound on the server and, unless
``settings.DATABASE_PREPARED_STATEMENTS`` is off (a pooler in transaction mode that cannot
keep them), prepared once per connection; psycopg keeps each connection's prepared
statements. The settings have PostgreSQL plan a prepared statement once for any parameters
(``plan_cache_mode``); Django itself prepares nothing, so nothing else is affected.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

ModelT = TypeVar("ModelT", bound=Model)


def fetch_all(
    sql: str, params: Sequence[Any] | Mapping[str, Any], *, using: str = DEFAULT_DB_ALIAS
) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``%s`` placeholders, or ``%(name)s`` on PostgreSQL) through
    Django's cursor, with its health check, its errors and the queries that tests count."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The same connection and Django's wrapper around it; only the binding differs.
            cursor.cursor.close()
            cursor.cursor = _preparing_cursor_class()(connection.connection)
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


@functools.cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor
    from psycopg._queries import PostgresQuery, _query2pg_nocache

    # psycopg turns a statement's placeholders into PostgreSQL's ($1, $2, ...) on every
    # execution, keeping the result only for statements under 4 KB (so that the ORM's long,
    # ever-different INSERTs do not fill its cache). The page of jobs near a point is longer
    # than that, and converting it cost the web process a tenth of the request. The
    # statements given to ``fetch_all`` are the code's own, a fixed set: each is converted
    # once per process. (psycopg's own PostgresQuery and converter, its cursor's
    # ``_query_cls``: private, hence the version pinned below 3.4 and a test of the cache.)
    converted = functools.lru_cache(maxsize=64)(_query2pg_nocache)

    class StatementQuery(PostgresQuery):
        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str):
                return super().convert(query, vars)
            self.query, self._want_formats, self._order, self._parts = converted(
                query.encode(self._tx.encoding), self._tx.encoding
            )
            self.dump(vars)
            return None

    base: Any = ServerBindingCursor

    class PreparingCursor(base):
        _query_cls = StatementQuery

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", settings.DATABASE_PREPARED_STATEMENTS)
            return super().execute(query, params, **kwargs)

    PreparingCursor.statement_conversions = converted
    return PreparingCursor


def columns(model: type[Model], table: str) -> str:
    """The select list of ``model``'s concrete fields, in their order, from ``table``."""
    return ", ".join(f'{table}."{field.column}"' for field in model._meta.concrete_fields)


def instance_from(
    model: type[ModelT], row: Sequence[Any], start: int, *, using: str = DEFAULT_DB_ALIAS
) -> ModelT:
    """The instance of ``model`` whose ``columns`` begin at ``row[start]``, with its values
    converted as the ORM converts them (SQLite gives dates and times back as text)."""
    fields = model._meta.concrete_fields
    values = list(row[start : start + len(fields)])
    connection = connections[using]
    for index, converters in _converters(model, using):
        expression = fields[index].cached_col
        for convert in converters:
            values[index] = convert(values[index], expression, connection)
    return model.from_db(using, [field.attname for field in fields], values)


@functools.cache
def _converters(model: type[Model], using: str) -> list[tuple[int, list[Callable[..., Any]]]]:
    """What the ORM's compiler would apply to each of ``model``'s columns, where anything."""
    connection = connections[using]
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        expression = field.cached_col
        converters = [
            *connection.ops.get_db_converters(expression),
            *expression.get_db_converters(connection),
        ]
        if converters:
            found.append((index, converters))
    return found
