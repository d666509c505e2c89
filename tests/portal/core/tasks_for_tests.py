"""Tasks the task layer's tests enqueue (a task must be a module-level function a worker in
another process can import)."""

from __future__ import annotations

import datetime
import os
import time

from django.core.cache import cache

from portal.core.tasks import RetryPolicy, done_once, durable_task

FLAKY_RETRY = RetryPolicy(
    attempts=3, first_delay=datetime.timedelta(minutes=1), max_delay=datetime.timedelta(hours=1)
)


class Broken(Exception):
    pass


def _about(*, name: str, **_kwargs: object) -> str:
    return f"about {name}"


@durable_task(label="A task that fails", retry=FLAKY_RETRY, about=_about)
def failing(*, name: str) -> None:
    raise Broken(f"{name} is broken")


@durable_task(label="A task that fails while the cache says so", retry=FLAKY_RETRY, about=_about)
def failing_while_flagged(*, name: str) -> str:
    if cache.get(f"broken:{name}"):
        raise Broken(f"{name} is still broken")
    return "done"


@durable_task(label="A periodic job that fails while the cache says so", recurring=True)
def periodic_failing_while_flagged() -> str:
    if cache.get("broken:periodic"):
        raise Broken("the periodic job is broken")
    return "done"


@durable_task(label="A task with two steps")
def two_steps(*, log: str) -> None:
    for step in ("one", "two"):
        done_once(step, lambda step=step: _append(log, step))


@durable_task(label="A task that writes down who ran it")
def record_run(*, log: str, seconds: float = 0.0) -> None:
    """Appends "<pid> <task id>" to ``log`` (a file), after sleeping ``seconds``."""
    from portal.core.tasks import running_task_id

    time.sleep(seconds)
    _append(log, f"{os.getpid()} {running_task_id()}")


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(line + "\n")


@durable_task(
    label="A task that tells whether it runs for the last time",
    retry=FLAKY_RETRY,
    takes_context=True,
)
def failing_and_telling(context, *, log: str) -> None:
    from portal.core.tasks import attempt_is_last

    last = attempt_is_last(failing_and_telling.module_path, context.attempt)
    with open(log, "a") as file:
        file.write(f"{context.attempt} {'last' if last else 'more'}\n")
    raise Broken("always")
