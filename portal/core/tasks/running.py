"""Running a task: one code path for the worker and for the after-commit mode.

``DurableWorker`` is django-tasks-db's ``Worker`` (its loop claims a ready row with
``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, an exclusive transaction on SQLite, and marks
it running) with one addition after each attempt: ``outcome_record``. A failed attempt is
recorded (``TaskFailure``: how often, the last error) and, while the task's ``RetryPolicy`` has
attempts left, the same row is made ready again for later (exponential back-off); a success
clears an earlier failure record.

``task_run_now`` claims one row the way the worker's loop does and runs it through the same
``run_task``; the after-commit mode of ``backend.DurableDatabaseBackend`` calls it. A failure is
recorded and retried, never raised to the caller.

While a task runs, ``done_once`` lets it mark a step as done (an e-mail sent to one person), so a
second run of the same task, after a crash or a retry, skips what was done.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable
from contextvars import ContextVar

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max
from django_tasks_db.utils import exclusive_transaction

from portal.core.tasks.declaring import declaration
from portal.core.tasks.models import TaskFailure, TaskStep

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 500

_running: ContextVar[str | None] = ContextVar("running_task_id", default=None)


class WorkerStopped(Exception):
    """The worker running the task stopped before the task ended (``tasks_recover_stale``)."""


def running_task_id() -> str | None:
    """The id of the task being run in this thread, or None outside a task."""
    return _running.get()


class DurableWorker(Worker):
    """django-tasks-db's worker, recording each attempt's outcome (``outcome_record``)."""

    def run_task(self, db_task_result: DBTaskResult) -> None:
        token = _running.set(str(db_task_result.pk))
        try:
            super().run_task(db_task_result)
        finally:
            _running.reset(token)
        try:
            outcome_record(db_task_result)
        except Exception:
            # The row stays failed (or successful): listed, not lost. The loop goes on.
            logger.exception("Could not record the outcome of task %s", db_task_result.pk)


def worker(
    *,
    worker_id: str,
    backend_name: str = DEFAULT_TASK_BACKEND_ALIAS,
    queue_names: list[str] | None = None,
    interval: float = 1.0,
    batch: bool = False,
    max_tasks: int | None = None,
    startup_delay: bool = False,
) -> DurableWorker:
    """A ``DurableWorker`` with django-tasks-db's options (all queues unless ``queue_names``)."""
    return DurableWorker(
        queue_names=queue_names or ["*"],
        interval=interval,
        batch=batch,
        backend_name=backend_name,
        startup_delay=startup_delay,
        max_tasks=max_tasks,
        worker_id=worker_id,
        excluded_queue_names=[],
    )


def _due(backend_name: str, now: datetime.datetime | None):
    """The rows ready to run at ``now`` (django-tasks-db's ``ready()``, at another time)."""
    if now is None:
        return DBTaskResult.objects.ready().filter(backend_name=backend_name)
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, backend_name=backend_name
    ).filter(Q(run_after=get_date_max()) | Q(run_after__lte=now))


def _claim(rows, runner: DurableWorker) -> DBTaskResult | None:
    """Lock and claim the first of ``rows`` as the worker's loop does."""
    with exclusive_transaction(rows.db):
        row = rows.get_locked()
        if row is not None:
            row.claim(runner.worker_id)
    return row


def task_run_now(result_id: str, *, backend_name: str = DEFAULT_TASK_BACKEND_ALIAS) -> bool:
    """Claim the ready row ``result_id`` as the worker would and run it through the worker's
    ``run_task``. False when it is not ready (a worker took it, it runs later, it is done).
    Never raises: what fails is recorded for the failures list."""
    runner = worker(worker_id=f"in-process-{os.getpid()}", backend_name=backend_name)
    try:
        row = _claim(_due(backend_name, None).filter(pk=result_id), runner)
        if row is None:
            return False
        runner.run_task(row)
    except Exception:
        logger.exception("Task %s could not be run in-process; a worker will run it", result_id)
        return False
    return True


def tasks_run_due(
    *,
    now: datetime.datetime | None = None,
    backend_name: str = DEFAULT_TASK_BACKEND_ALIAS,
    worker_id: str | None = None,
) -> int:
    """Run, in this process and one after another, every task due at ``now`` (default: now),
    including those that become due while it runs, through the worker's code; returns how many
    attempts were made. For tests and one-off use; ``manage.py worker`` is the real loop. (A
    failing task comes back only as often as its policy allows, so this ends.)"""
    runner = worker(worker_id=worker_id or f"in-process-{os.getpid()}", backend_name=backend_name)
    attempts = 0
    while (row := _claim(_due(backend_name, now), runner)) is not None:
        runner.run_task(row)
        attempts += 1
    return attempts


def short_error(row: DBTaskResult) -> str:
    """The last line of the row's traceback ("smtplib.SMTPServerDisconnected: …"), shortened."""
    lines = [line.strip() for line in row.traceback.splitlines() if line.strip()]
    text = lines[-1] if lines else row.exception_class_path
    return text[:ERROR_MAX_LENGTH]


def outcome_record(row: DBTaskResult, *, now: datetime.datetime | None = None) -> None:
    """After an attempt: on failure record it and make the row ready again for a later attempt
    while its policy allows; on success clear its failure record (for a periodic job: the job's).
    """
    now = now or timezone.now()
    declared = declaration(row.task_path)
    if row.status == TaskResultStatus.SUCCESSFUL:
        if declared.recurring:
            _unresolved(row.task_path).update(resolved_at=now, next_attempt_at=None)
        elif len(row.worker_ids) > 1:
            TaskFailure.objects.filter(task_result_id=row.pk, resolved_at=None).update(
                resolved_at=now, next_attempt_at=None
            )
        return
    if row.status != TaskResultStatus.FAILED:
        return
    with transaction.atomic():
        locked = (
            DBTaskResult.objects.select_for_update()
            .filter(pk=row.pk, status=TaskResultStatus.FAILED)
            .first()
        )
        if locked is None:
            return
        failure = _failure_for(locked, declared.recurring, now=now)
        failure.failures += 1
        failure.last_error = short_error(locked)
        failure.last_failed_at = now
        failure.resolved_at = None
        delay = declared.retry.delay_after(failure.failures)
        if delay is not None and failure.given_up_at is None:
            locked.status = TaskResultStatus.READY
            locked.run_after = now + delay
            locked.save(update_fields=["status", "run_after"])
            failure.next_attempt_at = locked.run_after
        else:
            failure.next_attempt_at = None
        failure.save()
    logger.warning(
        "Task %s (%s) failed %s time(s)%s: %s",
        row.pk,
        row.task_path,
        failure.failures,
        f"; next attempt at {failure.next_attempt_at:%Y-%m-%d %H:%M:%S}"
        if failure.next_attempt_at
        else "; no attempt planned",
        failure.last_error,
    )


def _unresolved(task_path: str):
    return TaskFailure.objects.filter(task_path=task_path, resolved_at=None, given_up_at=None)


def _failure_for(row: DBTaskResult, recurring: bool, *, now: datetime.datetime) -> TaskFailure:
    """The failure record of ``row``, locked; for a periodic job the job's open record moves to
    this latest run, so a job failing every period is one line, not one per period."""
    existing = TaskFailure.objects.select_for_update().filter(task_result_id=row.pk).first()
    if existing is not None:
        return existing
    if recurring:
        shared = _unresolved(row.task_path).select_for_update().first()
        if shared is not None:
            shared.task_result_id = row.pk
            return shared
    return TaskFailure(
        task_result_id=row.pk,
        task_path=row.task_path[:255],
        first_failed_at=now,
        last_failed_at=now,
        recurring=recurring,
    )


def done_once(key: str, step: Callable[[], object]) -> bool:
    """Do ``step`` unless the running task did it already (marked under ``key``, e.g.
    ``"mail:42"``). The mark is written after the step: a crash between the two repeats the
    step once on the next run, and never more. Outside a task the step is simply done. True if
    it was done now."""
    task_id = running_task_id()
    if task_id is None:
        step()
        return True
    if TaskStep.objects.filter(task_result_id=task_id, key=key).exists():
        return False
    step()
    try:
        with transaction.atomic():
            TaskStep.objects.create(task_result_id=task_id, key=key)
    except IntegrityError:
        pass  # a second run of the same task did it at the same time
    return True


def tasks_recover_stale(*, older_than: datetime.timedelta, now: datetime.datetime | None = None):
    """Rows still marked running long after they started: their worker stopped (killed, the
    machine went down). Each counts as a failed attempt and is retried as its policy says.
    Returns how many were recovered."""
    now = now or timezone.now()
    recovered = 0
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - older_than
    )
    for pk in list(stale.values_list("pk", flat=True)[:1000]):
        with transaction.atomic():
            row = stale.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is None:
                continue
            row.set_failed(WorkerStopped("The worker stopped while it ran this task."))
        outcome_record(row, now=now)
        recovered += 1
    return recovered
