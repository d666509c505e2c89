"""Periodic jobs: each period of a job is enqueued once, however many workers run the schedule.

A ``PeriodicJob`` names a task and its period (every minute; daily at an offset from midnight
UTC). ``periodic_enqueue`` claims the current period of each job by inserting a ``PeriodicRun``
row, unique per (job, period start), and enqueues the job's task in the same transaction: of two
workers that try at once, the second waits for the first's commit and then finds the pair taken
(``IntegrityError``), so it enqueues nothing. A period missed while no worker ran is not made up
for, except the current one: a worker that starts at noon runs the daily job of that day.

``Scheduler`` is the thread ``manage.py worker`` runs beside its task loop.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, close_old_connections, transaction
from django.tasks import Task
from django.utils import timezone

from portal.core.tasks.models import PeriodicRun

logger = logging.getLogger(__name__)

EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class PeriodicJob:
    """Run ``task`` (no arguments) once every ``every``, the periods starting ``offset`` after
    midnight UTC (``every=1 day, offset=2 h 30 min``: daily at 02:30 UTC)."""

    name: str
    task: Task
    every: datetime.timedelta
    offset: datetime.timedelta = datetime.timedelta(0)

    def __post_init__(self) -> None:
        if self.every <= datetime.timedelta(0):
            raise ValueError(f"{self.name}: the period must be positive")

    def period_start(self, now: datetime.datetime) -> datetime.datetime:
        start = EPOCH + self.offset
        return start + ((now - start) // self.every) * self.every

    def next_period_start(self, now: datetime.datetime) -> datetime.datetime:
        return self.period_start(now) + self.every


def periodic_enqueue(
    jobs: Sequence[PeriodicJob], *, now: datetime.datetime | None = None
) -> list[str]:
    """Enqueue each job whose current period is not claimed yet; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs:
        start = job.period_start(now)
        if PeriodicRun.objects.filter(job=job.name, period_start=start).exists():
            continue
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(job=job.name, period_start=start)
                run.task_result_id = job.task.enqueue().id
                run.save(update_fields=["task_result"])
        except IntegrityError:
            continue  # another worker claimed this period first
        enqueued.append(job.name)
    return enqueued


def periodic_runs_prune(*, older_than: datetime.timedelta, now: datetime.datetime | None = None):
    """Forget claimed periods older than ``older_than`` (they are never claimed again)."""
    now = now or timezone.now()
    return PeriodicRun.objects.filter(period_start__lt=now - older_than).delete()[0]


class Scheduler(threading.Thread):
    """Enqueues the due periods of ``jobs`` at each period's start (checking at least once a
    ``max_wait``), until ``stop()``. Errors of the database are logged and tried again."""

    def __init__(
        self, jobs: Sequence[PeriodicJob], *, max_wait: float = 60.0, name: str = "scheduler"
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.jobs = list(jobs)
        self.max_wait = max_wait
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                close_old_connections()
                try:
                    enqueued = periodic_enqueue(self.jobs)
                    if enqueued:
                        logger.info("Periodic jobs enqueued: %s", ", ".join(enqueued))
                except DatabaseError:
                    logger.exception("The schedule could not be read; trying again")
                self._stopping.wait(self.seconds_to_next_period())
        finally:
            close_old_connections()

    def seconds_to_next_period(self, now: datetime.datetime | None = None) -> float:
        now = now or timezone.now()
        if not self.jobs:
            return self.max_wait
        soonest = min(job.next_period_start(now) for job in self.jobs)
        # A little after the boundary, so the clock has passed it.
        return min(max((soonest - now).total_seconds() + 0.05, 0.05), self.max_wait)
