"""Declaring a durable task: its name in plain words, what it is about, how often it is tried.

``durable_task`` is Django's ``@task`` plus a ``Declaration`` kept by the task's module path, the
key under which django-tasks-db stores each enqueued task. The worker reads the declaration when
an attempt fails (``RetryPolicy``: attempts, and the delay doubling from ``first_delay`` up to
``max_delay``) and the failures list reads its label and ``about``.

Tasks declared by other packages (Wagtail's) are named with ``task_declare``; an undeclared task
gets ``DEFAULT_RETRY`` and its function's name.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.tasks import DEFAULT_TASK_QUEUE_NAME, Task, task
from django.utils.functional import Promise
from django.utils.module_loading import import_string

MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all; after the n-th failure the next attempt waits ``first_delay`` times
    2^(n-1), at most ``max_delay``."""

    attempts: int
    first_delay: datetime.timedelta = MINUTE
    max_delay: datetime.timedelta = 6 * HOUR

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("a task is attempted at least once")

    def delay_after(self, failures: int) -> datetime.timedelta | None:
        """How long to wait after ``failures`` failed attempts; None when none are left."""
        if failures >= self.attempts:
            return None
        # 2**30 minutes is far beyond any max_delay: the exponent cannot overflow a timedelta.
        doubled = self.first_delay * 2 ** min(max(failures - 1, 0), 30)
        return min(doubled, self.max_delay)


# An e-mail: 8 attempts, 1 minute doubling up to 6 hours (about 4 hours from first to last),
# which rides out an SMTP server's outage of an afternoon.
EMAIL_RETRY = RetryPolicy(attempts=8, first_delay=MINUTE, max_delay=6 * HOUR)
# A payment provider's call with an idempotency key: every retry must fall within the key's life
# (Stripe keeps a key 24 hours), so 10 attempts from 1 minute, at most 2 hours apart (~9 hours).
PAYMENT_RETRY = RetryPolicy(attempts=10, first_delay=MINUTE, max_delay=2 * HOUR)
# A periodic job is not retried: the next period runs it again.
PERIODIC_RETRY = RetryPolicy(attempts=1)
DEFAULT_RETRY = RetryPolicy(attempts=3, first_delay=MINUTE, max_delay=HOUR)

# Workers take the highest priority first: what a person waits for (an e-mail, a refund, a freed
# seat) goes before bulk upkeep (Wagtail's reference and search index, periodic jobs), which
# keeps the default 0.
PRIORITY_PEOPLE_WAIT = 10


@dataclass(frozen=True)
class Declaration:
    label: str | Promise
    retry: RetryPolicy = DEFAULT_RETRY
    # What one run is about, from its arguments (an enrolment's reference, say), for the people
    # who read the failures list; called there, in their language. Must not raise.
    about: Callable[..., str] | None = None
    # A periodic job: its failing runs share one failure record, and a run that succeeds clears
    # it (``running.outcome_record``).
    recurring: bool = False


_DECLARED: dict[str, Declaration] = {}


def durable_task(
    *,
    label: str | Promise,
    retry: RetryPolicy = DEFAULT_RETRY,
    about: Callable[..., str] | None = None,
    recurring: bool = False,
    priority: int = 0,
    queue_name: str = DEFAULT_TASK_QUEUE_NAME,
    takes_context: bool = False,
) -> Callable[[Callable[..., Any]], Task]:
    """Declare a module-level function a task of Django's tasks framework, tried as ``retry``
    says. Enqueue it inside the transaction of the change that causes it: the row and the change
    commit together. Its arguments are JSON (ids, not objects: the task reads the rows again).

    ``takes_context``: the function's first argument is Django's ``TaskContext``, whose
    ``attempt`` (1 for the first) tells, with ``attempt_is_last``, whether a failure now is the
    last (a task that keeps its own state shows "failed" only then)."""

    def declare(function: Callable[..., Any]) -> Task:
        declared = task(
            function, priority=priority, queue_name=queue_name, takes_context=takes_context
        )
        _DECLARED[declared.module_path] = Declaration(
            label=label, retry=retry, about=about, recurring=recurring
        )
        return declared

    return declare


def attempt_is_last(path: str, attempt: int) -> bool:
    """Is attempt number ``attempt`` (1 for the first) of the task stored under ``path`` the
    last its ``RetryPolicy`` allows? (A person may retry a task by hand after that: those
    attempts are last ones too.)"""
    return attempt >= declaration(path).retry.attempts


def task_declare(
    path: str,
    *,
    label: str | Promise,
    retry: RetryPolicy = DEFAULT_RETRY,
    about: Callable[..., str] | None = None,
) -> None:
    """Name a task declared elsewhere (Wagtail's), by its module path."""
    _DECLARED[path] = Declaration(label=label, retry=retry, about=about)


def declaration(path: str) -> Declaration:
    """The declaration of the task stored under ``path``, importing its module if need be."""
    if path not in _DECLARED:
        with contextlib.suppress(ImportError):
            import_string(path)
    found = _DECLARED.get(path)
    if found is None:
        found = Declaration(label=path.rsplit(".", 1)[-1].replace("_", " "))
    return found


def about_text(path: str, args: list, kwargs: dict) -> str:
    """What the run with these arguments is about, or "" when the declaration cannot say."""
    about = declaration(path).about
    if about is None:
        return ""
    try:
        return str(about(*args, **kwargs))
    except Exception:  # the list must show even when a row it names is gone
        return ""
