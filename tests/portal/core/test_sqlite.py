"""SQLite, the embedded default: two transactions that read and then write at the same moment
(two requests of one user, or a request and the worker) both succeed, one after the other."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper
from django.db.utils import OperationalError

from portal.core.sqlite import sqlite_options

pytestmark = pytest.mark.django_db  # lets the test open its own connections


def _read_then_write(path: Path, options: dict, start: threading.Barrier, errors: list) -> None:
    """What ``atomic()`` does around a view that reads a row and then changes it."""
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": options}
    connection = DatabaseWrapper(connections.configure_settings({"default": database})["default"])
    try:
        start.wait()
        # Atomic.__enter__'s own call: BEGIN (with the connection's transaction mode).
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT seats FROM moment WHERE id = 1")
            (seats,) = cursor.fetchone()
            time.sleep(0.3)  # the other request reads meanwhile
            cursor.execute("UPDATE moment SET seats = %s WHERE id = 1", [seats - 1])
        connection.commit()
    except OperationalError as error:
        errors.append(str(error))
        connection.rollback()
    finally:
        connection.close()


def _two_at_once(path: Path, options: dict) -> tuple[list[str], int]:
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS moment (id INTEGER PRIMARY KEY, seats INT)")
        setup.execute("INSERT OR REPLACE INTO moment VALUES (1, 10)")
    start, errors = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_read_then_write, args=(path, options, start, errors))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with sqlite3.connect(path) as check:
        (seats,) = check.execute("SELECT seats FROM moment WHERE id = 1").fetchone()
    return errors, seats


def test_two_writers_at_once_wait_their_turn(tmp_path):
    errors, seats = _two_at_once(tmp_path / "portal.sqlite3", sqlite_options())
    assert errors == []
    assert seats == 8  # the second read what the first wrote: no update lost


def test_without_immediate_transactions_the_second_writer_fails(tmp_path):
    """The failure the setting prevents (SQLite's default mode), so the test above can fail."""
    options = {key: value for key, value in sqlite_options().items() if key != "transaction_mode"}
    errors, seats = _two_at_once(tmp_path / "portal.sqlite3", options)
    assert errors == ["database is locked"]
    assert seats == 9
