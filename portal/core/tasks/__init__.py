"""Durable background work on Django's tasks framework, stored by django-tasks-db.

A domain module declares a task with ``durable_task`` (its name in plain words, what a run is
about, its ``RetryPolicy``) and enqueues it inside the transaction of the change that causes it;
the row commits with the change. ``manage.py worker`` runs the rows (``running.DurableWorker``)
and the project's periodic schedule (``schedule``); a failure is recorded and retried with
exponential back-off, and a task that keeps failing is listed for people to retry or give up
(``failures``). In tests the backend runs each task after the commit, in-process, through the
worker's own code (``backend``).

This package is part of the bottom layer: it imports no app of the portal. It is also the Django
app of its tables, so its names are imported when first used (the app registry imports this
module before any model may be).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_NAMES = {
    "declaring": (
        "DEFAULT_RETRY",
        "EMAIL_RETRY",
        "PAYMENT_RETRY",
        "PERIODIC_RETRY",
        "PRIORITY_PEOPLE_WAIT",
        "Declaration",
        "RetryPolicy",
        "attempt_is_last",
        "declaration",
        "durable_task",
        "task_declare",
    ),
    "failures": (
        "LISTED_AFTER_FAILURES",
        "FailureRow",
        "QueueStatus",
        "TaskNotActionable",
        "failure_rows",
        "failures_listed",
        "queue_status",
        "task_give_up",
        "task_results_prune",
        "task_retry_now",
    ),
    "running": (
        "done_once",
        "running_task_id",
        "task_run_now",
        "tasks_recover_stale",
        "tasks_run_due",
    ),
    "schedule": ("PeriodicJob", "Scheduler", "periodic_enqueue", "periodic_runs_prune"),
}
_MODULE_OF = {name: module for module, names in _NAMES.items() for name in names}
__all__ = sorted(_MODULE_OF)

if TYPE_CHECKING:
    from portal.core.tasks.declaring import (  # noqa: F401
        DEFAULT_RETRY,
        EMAIL_RETRY,
        PAYMENT_RETRY,
        PERIODIC_RETRY,
        PRIORITY_PEOPLE_WAIT,
        Declaration,
        RetryPolicy,
        attempt_is_last,
        declaration,
        durable_task,
        task_declare,
    )
    from portal.core.tasks.failures import (  # noqa: F401
        LISTED_AFTER_FAILURES,
        FailureRow,
        QueueStatus,
        TaskNotActionable,
        failure_rows,
        failures_listed,
        queue_status,
        task_give_up,
        task_results_prune,
        task_retry_now,
    )
    from portal.core.tasks.running import (  # noqa: F401
        done_once,
        running_task_id,
        task_run_now,
        tasks_recover_stale,
        tasks_run_due,
    )
    from portal.core.tasks.schedule import (  # noqa: F401
        PeriodicJob,
        Scheduler,
        periodic_enqueue,
        periodic_runs_prune,
    )


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
