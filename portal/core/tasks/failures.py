"""Tasks that keep failing: the list people act on, its two actions, and the queue's figures.

A failure is *listed* while it is neither resolved (a later attempt succeeded) nor given up, and
it has failed ``LISTED_AFTER_FAILURES`` times or has no attempt planned (no attempts left, or a
periodic job's run failed). A single failure that its first retry mends is not listed.

``task_retry_now`` makes the task ready at once (one more attempt beyond its policy when none were
left; failing again, it stays listed); ``task_give_up`` stops it for good and keeps the record.
Who may do either is the caller's question (``portal.permissions``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from portal.core.tasks.declaring import about_text, declaration
from portal.core.tasks.models import TaskFailure

LISTED_AFTER_FAILURES = 3


def failures_listed() -> QuerySet[TaskFailure]:
    """The failures people should look at, latest first, with their task rows."""
    return (
        TaskFailure.objects.filter(resolved_at=None, given_up_at=None)
        .filter(Q(failures__gte=LISTED_AFTER_FAILURES) | Q(next_attempt_at=None))
        .select_related("task_result")
        .order_by("-last_failed_at", "-pk")
    )


@dataclass(frozen=True)
class FailureRow:
    """One line of the failures list, in the reader's language."""

    failure: TaskFailure
    label: str
    about: str
    attempts_allowed: int

    @property
    def task_id(self) -> str:
        return str(self.failure.task_result_id)


def failure_rows(failures: list[TaskFailure]) -> list[FailureRow]:
    """Name each failure's task and what it was about (call inside the reader's language)."""
    rows = []
    for failure in failures:
        row = failure.task_result
        declared = declaration(row.task_path)
        args_kwargs = row.args_kwargs or {}
        rows.append(
            FailureRow(
                failure=failure,
                label=str(declared.label),
                about=about_text(
                    row.task_path, args_kwargs.get("args", []), args_kwargs.get("kwargs", {})
                ),
                attempts_allowed=declared.retry.attempts,
            )
        )
    return rows


class TaskNotActionable(Exception):
    """The task is no longer listed (it succeeded, was given up, or runs now)."""


def _listed_locked(task_id: str) -> tuple[DBTaskResult, TaskFailure]:
    failure = (
        failures_listed().select_for_update(of=("self",)).filter(task_result_id=task_id).first()
    )
    if failure is None:
        raise TaskNotActionable(task_id)
    row = DBTaskResult.objects.select_for_update().get(pk=failure.task_result_id)
    if row.status not in {TaskResultStatus.READY, TaskResultStatus.FAILED}:
        raise TaskNotActionable(task_id)
    return row, failure


def task_retry_now(*, task_id: str, actor=None) -> None:
    """Run the listed task as soon as a worker is free (in after-commit mode: on commit)."""
    with transaction.atomic():
        row, failure = _listed_locked(task_id)
        now = timezone.now()
        row.status = TaskResultStatus.READY
        row.run_after = get_date_max()  # django-tasks-db's "no run_after": due now
        row.save(update_fields=["status", "run_after"])
        failure.next_attempt_at = now
        failure.retried_at = now
        failure.retried_by = actor
        failure.save(update_fields=["next_attempt_at", "retried_at", "retried_by"])
        if getattr(task_backends[row.backend_name], "runs_after_commit", False):
            from portal.core.tasks.running import task_run_now

            transaction.on_commit(lambda: task_run_now(task_id, backend_name=row.backend_name))


def task_give_up(*, task_id: str, actor=None) -> None:
    """Stop the listed task for good: no further attempt; the record stays."""
    with transaction.atomic():
        row, failure = _listed_locked(task_id)
        now = timezone.now()
        if row.status == TaskResultStatus.READY:
            row.status = TaskResultStatus.FAILED
            row.finished_at = now
            row.save(update_fields=["status", "finished_at"])
        failure.given_up_at = now
        failure.given_up_by = actor
        failure.next_attempt_at = None
        failure.save(update_fields=["given_up_at", "given_up_by", "next_attempt_at"])


@dataclass(frozen=True)
class QueueStatus:
    """The queue at a glance, for a readiness check or metrics."""

    due: int  # ready to run now
    scheduled: int  # ready, waiting for their time (retries, mostly)
    running: int
    failing: int  # failures listed for people to act on
    oldest_due_seconds: float  # how long the oldest due task has waited (0: none)


def queue_status(
    *, backend_name: str = DEFAULT_TASK_BACKEND_ALIAS, now: datetime.datetime | None = None
) -> QueueStatus:
    """Counts of the queue in four queries: what is due, scheduled, running, listed as failing."""
    now = now or timezone.now()
    rows = DBTaskResult.objects.filter(backend_name=backend_name)
    ready = rows.filter(status=TaskResultStatus.READY)
    due_now = Q(run_after=get_date_max()) | Q(run_after__lte=now)
    due = ready.filter(due_now)
    oldest = due.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    return QueueStatus(
        due=due.count(),
        scheduled=ready.exclude(due_now).count(),
        running=rows.filter(status=TaskResultStatus.RUNNING).count(),
        failing=failures_listed().count(),
        oldest_due_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )


def task_results_prune(
    *,
    successful_older_than: datetime.timedelta,
    failed_older_than: datetime.timedelta,
    now: datetime.datetime | None = None,
) -> int:
    """Delete finished rows: successful ones after ``successful_older_than``, failed ones no longer
    listed (given up, or superseded by a later run) after ``failed_older_than``. Their steps and
    failure records go with them."""
    now = now or timezone.now()
    listed = failures_listed().values("task_result_id")
    old_success = Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=now - successful_older_than)
    old_failure = Q(status=TaskResultStatus.FAILED, finished_at__lt=now - failed_older_than)
    _, deleted = (
        DBTaskResult.objects.filter(old_success | old_failure).exclude(pk__in=listed).delete()
    )
    return deleted.get(DBTaskResult._meta.label, 0)
