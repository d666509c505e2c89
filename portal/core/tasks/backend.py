"""The task backend: django-tasks-db's ``DatabaseBackend``, with a mode for tests and development.

The row of an enqueued task is written with the ORM, in the caller's transaction: enqueued inside
the ``transaction.atomic()`` of the change that causes it, the task and the change commit (or roll
back) together, so a crash between them loses nothing. No other server is needed.

``OPTIONS["RUN"]``:

* ``"worker"`` (production, ``make run``): the rows wait for ``manage.py worker``.
* ``"after-commit"`` (the tests; a development server without a worker): the row is stored all
  the same and, once the transaction commits, run in this process through the worker's own code
  (``running.task_run_now``: claim, run, record, schedule a retry). A failing task is recorded
  and retried like under a worker; it never raises into the request. Retries come due later, for
  a worker (or ``manage.py worker --batch``) to run.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_tasks_db.backend import DatabaseBackend

RUN_MODES = ("worker", "after-commit")


class DurableDatabaseBackend(DatabaseBackend):
    def __init__(self, alias: str, params: dict) -> None:
        super().__init__(alias, params)
        run = self.options.get("RUN", "worker")
        if run not in RUN_MODES:
            raise ImproperlyConfigured(
                f"TASKS[{alias!r}]['OPTIONS']['RUN'] must be one of {RUN_MODES}, not {run!r}"
            )
        self.runs_after_commit = run == "after-commit"

    def enqueue(self, task, args, kwargs):
        result = super().enqueue(task, args, kwargs)
        if self.runs_after_commit and task.run_after is None:
            from portal.core.tasks.running import task_run_now

            result_id, alias = result.id, self.alias
            transaction.on_commit(lambda: task_run_now(result_id, backend_name=alias))
        return result
