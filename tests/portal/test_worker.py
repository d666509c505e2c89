"""``manage.py worker``: runs what other connections enqueue, runs the schedule, stops gracefully
on SIGTERM, and two workers never run the same task (PostgreSQL, worker processes of their own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from portal.core.tasks.models import PeriodicRun
from tests.portal.core import tasks_for_tests

ROOT = Path(__file__).resolve().parents[2]


def _wait_for(condition, *, seconds: float = 60, what: str = "the worker") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.1)


def _worker(*args: str) -> subprocess.Popen:
    """``manage.py worker`` in a process of its own, on the test database."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "true",
        "TASKS_RUN": "worker",
        "ROUTEWIJZER_TESTING": "false",
    }
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-reload", "--no-startup-delay", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture
def left_to_workers(settings):
    """This process only enqueues, as the web processes in production: the workers run."""
    settings.TASKS = {
        alias: {**config, "OPTIONS": {**config.get("OPTIONS", {}), "RUN": "worker"}}
        for alias, config in settings.TASKS.items()
    }


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_the_schedule_and_the_tasks_due_then_stops(tmp_path):
    log = tmp_path / "runs.log"
    result = tasks_for_tests.record_run.enqueue(log=str(log))
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    assert len(_lines(log)) == 1
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    run = PeriodicRun.objects.select_related("task_result").get(job="holds_expire")
    assert run.task_result.status == TaskResultStatus.SUCCESSFUL


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_what_another_connection_enqueues_and_stops_gracefully_on_sigterm(
    tmp_path, left_to_workers
):
    log = tmp_path / "runs.log"
    process = _worker("--interval", "0.1")
    try:
        tasks_for_tests.record_run.enqueue(log=str(log))  # committed: this test's own connection
        _wait_for(lambda: len(_lines(log)) == 1, what="the task")
        assert _lines(log)[0].split()[0] == str(process.pid)  # run by the worker's process
        _wait_for(lambda: PeriodicRun.objects.filter(job="holds_expire").exists(), what="schedule")

        slow = tasks_for_tests.record_run.enqueue(log=str(log), seconds=2)
        _wait_for(
            lambda: DBTaskResult.objects.get(pk=slow.id).status == TaskResultStatus.RUNNING,
            what="the slow task to start",
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        output = process.communicate()[0]
    assert DBTaskResult.objects.get(pk=slow.id).status == TaskResultStatus.SUCCESSFUL, output
    assert len(_lines(log)) == 2
    assert "shutting down gracefully" in output


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_task(tmp_path, left_to_workers):
    log = tmp_path / "runs.log"
    results = [
        tasks_for_tests.record_run.enqueue(log=str(log), seconds=0.2) for _number in range(30)
    ]
    processes = [_worker("--batch", "--no-schedule", "--interval", "0") for _number in range(2)]
    outputs = []
    for process in processes:
        try:
            assert process.wait(timeout=120) == 0
        finally:
            if process.poll() is None:
                process.kill()
            outputs.append(process.communicate()[0])

    runs = [line.split() for line in _lines(log)]
    by_task = Counter(task_id for _pid, task_id in runs)
    assert set(by_task) == {str(result.id) for result in results}, outputs
    assert set(by_task.values()) == {1}  # each task ran once
    assert {pid for pid, _task_id in runs} == {str(process.pid) for process in processes}
    for row in DBTaskResult.objects.filter(pk__in=[result.id for result in results]):
        assert (row.status, len(row.worker_ids)) == (TaskResultStatus.SUCCESSFUL, 1)
