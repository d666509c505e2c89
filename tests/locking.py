"""Making an interleaving happen every time on PostgreSQL, instead of hoping for it: the test's own
connection holds a row lock while actions, each on its own thread and connection, queue behind
it; ``pg_locks`` shows when they wait. Then the lock goes and they run in the order they queued
(PostgreSQL grants a row lock first come, first served)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection, connections, transaction

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def wait_until_waiting(count: int) -> None:
    deadline = time.monotonic() + 20
    while waiting_for_locks() < count:
        assert time.monotonic() < deadline, f"fewer than {count} connections queued for the lock"
        time.sleep(0.02)


class EnrolmentLockQueue:
    """Runs callables on their own threads (and connections) behind the enrolment's row lock,
    held by the test's connection, in the order they were queued."""

    def __init__(self, enrolment: Enrolment) -> None:
        self.enrolment = enrolment
        self.threads: list[threading.Thread] = []
        self.results: list[object] = []
        self._atomic = transaction.atomic()

    def __enter__(self) -> EnrolmentLockQueue:
        self._atomic.__enter__()
        # As the portal locks an enrolment: its start moment first (one lock order everywhere).
        enrolling.enrolment_lock(self.enrolment.pk)
        return self

    def add(self, action: Callable[[], object]) -> None:
        index = len(self.results)
        self.results.append(None)

        def run() -> None:
            try:
                self.results[index] = action()
            except Exception as exc:
                self.results[index] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)
        # Each queues behind the one before: PostgreSQL grants a row lock first come, first served.
        wait_until_waiting(len(self.threads))

    def __exit__(self, *exc_info: object) -> None:
        self._atomic.__exit__(*exc_info)
        for thread in self.threads:
            thread.join(timeout=60)
            assert not thread.is_alive()
