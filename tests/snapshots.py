"""The demo data seeded once per test process, and put back for each browser test.

A browser test needs the demo site in a database its live server can read, so it runs as a
transactional test: the tables are emptied after it, and each test seeded the demo again
(``seed_demo``: some 5 s, with the Wagtail pages, their translations, the search and reference
index tasks). That was four fifths of a browser test's time. Now the first seed's result is kept
as the rows of every Django table (the tables ``flush`` empties) and put back, byte for byte, for
each later test: 0.1 to 0.3 s.

What is kept is keyed by what was seeded, the database and the day (the demo's dates count from
today). Rows only: the test process's in-memory state is what it is after a flush (the page
language table forgets locales then, ``cms.page_language``), and ids are those of the first
seed, the same in every test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone


@dataclass(frozen=True)
class _Table:
    name: str
    columns: tuple[str, ...]
    # SQLite: the rows as tuples; PostgreSQL: the table in COPY's text format.
    rows: list[tuple] | None = None
    copied: bytes | None = None


_kept: dict[tuple, list[_Table]] = {}


def seed_demo_kept(*, users: bool, using: str = "default") -> None:
    """``manage.py seed_demo`` (``--no-users`` unless ``users``) in the test database: run the
    first time in this process today, put back from what it made every time after."""

    def seed() -> None:
        call_command("seed_demo", *([] if users else ["--no-users"]), verbosity=0)

    seeded(f"seed_demo users={users}", seed, using=using)


def seeded(key: str, seed: Callable[[], None], *, using: str = "default") -> None:
    """The database as ``seed`` leaves it: ``seed`` runs the first time for ``key`` (in this
    process, this database, today) and its tables are kept; later calls replace every table's
    rows with the kept ones. For transactional tests, whose tables are emptied after each."""
    connection = connections[using]
    name = (key, connection.vendor, connection.settings_dict["NAME"], timezone.localdate())
    kept = _kept.get(name)
    if kept is None:
        seed()
        _kept[name] = _take(connection)
    else:
        _put_back(connection, kept)


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True))


def _take(connection: BaseDatabaseWrapper) -> list[_Table]:
    tables = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in _tables(connection):
            columns = tuple(
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            )
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} TO STDOUT") as copy:
                    copied = b"".join(bytes(block) for block in copy)
                tables.append(_Table(table, columns, copied=copied))
            else:
                cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (a table's name)
                tables.append(_Table(table, columns, rows=list(cursor.fetchall())))
    return tables


def _put_back(connection: BaseDatabaseWrapper, kept: list[_Table]) -> None:
    """Every table's rows replaced by the kept ones in one transaction (the foreign keys are
    checked at its end, Django makes them deferrable), then the sequences moved past the ids."""
    quote = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(quote(table.name) for table in kept)
            cursor.execute(f"TRUNCATE {names} CASCADE")
            for table in kept:
                if table.copied:
                    with cursor.cursor.copy(f"COPY {quote(table.name)} FROM STDIN") as copy:
                        copy.write(table.copied)
        else:
            for table in kept:
                cursor.execute(f"DELETE FROM {quote(table.name)}")  # noqa: S608
            for table in kept:
                if table.rows:
                    columns = ", ".join(quote(column) for column in table.columns)
                    marks = ", ".join(["%s"] * len(table.columns))
                    cursor.executemany(
                        f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({marks})",  # noqa: S608
                        table.rows,
                    )
        _sequences_reset(connection, cursor)


def _sequences_reset(connection: BaseDatabaseWrapper, cursor) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), apps.get_models())
    for statement in statements:
        cursor.execute(statement)
