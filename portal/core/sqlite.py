"""How the portal opens SQLite, the embedded default (``make run``: a web server and a worker
writing the same file)."""

from __future__ import annotations

# A writer waits this long for another to finish before "database is locked".
SQLITE_BUSY_SECONDS = 20


def sqlite_options() -> dict[str, object]:
    """The ``OPTIONS`` of a SQLite database.

    * WAL: a writer never blocks the readers, and a commit is not each a full sync.
    * ``IMMEDIATE`` transactions: every ``atomic()`` takes the write lock when it begins. With
      SQLite's default (``DEFERRED``), two transactions that both read and then write (two
      requests of one user, or a request and the worker) deadlock, and SQLite answers the
      second "database is locked" at once, whatever the timeout: a 500. Taking the lock first
      makes the second wait its turn (``SQLITE_BUSY_SECONDS``).
    """
    return {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_SECONDS,
    }
