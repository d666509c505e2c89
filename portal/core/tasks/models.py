"""What the task layer keeps beside django-tasks-db's own row per task (``DBTaskResult``).

``TaskFailure``: a task that failed, how often, its last error, when it runs again (or that it
will not), and whether somebody gave it up; written at the first failure only, so a task that
succeeds costs no row here. ``TaskStep``: a step a task has done (an e-mail sent to one person),
so that running it again skips it. ``PeriodicRun``: one row per periodic job and period; the
unique constraint makes one worker out of several enqueue it.
"""

from __future__ import annotations

from django.db import models

from portal.core.fields import actor_field

TASK_RESULT = "django_tasks_database.DBTaskResult"


class TaskFailure(models.Model):
    """The failures of one task (for a periodic job: of its latest runs, one record per job)."""

    task_result = models.OneToOneField(
        TASK_RESULT,
        on_delete=models.CASCADE,
        related_name="failure",
    )
    task_path = models.CharField(max_length=255, db_index=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()
    # None: no attempt is planned (no attempts left, or given up).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    recurring = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    retried_at = models.DateTimeField(null=True, blank=True)
    retried_by = actor_field("retried by", blank=True)
    given_up_at = models.DateTimeField(null=True, blank=True)
    given_up_by = actor_field("given up by", blank=True)

    class Meta:
        ordering = ["-last_failed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.task_path} ({self.failures})"


class TaskStep(models.Model):
    """A step of a task that is done (``done_once``): run again, the task skips it."""

    task_result = models.ForeignKey(TASK_RESULT, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task_result", "key"], name="task_step_once"),
        ]

    def __str__(self) -> str:
        return self.key


class PeriodicRun(models.Model):
    """A periodic job enqueued for one period: the unique pair (job, period) is claimed by one
    worker only, however many run the schedule."""

    job = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result = models.ForeignKey(
        TASK_RESULT, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period_start"], name="periodic_run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period_start:%Y-%m-%d %H:%M}"
