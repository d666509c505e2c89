"""The task layer (``portal.core.tasks``): a task commits with its change, fails into a record,
is retried with exponential back-off until its attempts are spent, and does each step once;
Wagtail's own tasks are stored and run by the same backend and worker."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import ReferenceIndex

from portal.core.tasks import (
    RetryPolicy,
    failures_listed,
    queue_status,
    task_results_prune,
    tasks_recover_stale,
    tasks_run_due,
)
from portal.core.tasks.models import TaskFailure, TaskStep
from tests.portal.core import tasks_for_tests
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def _later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _no_backlog():
    """Rows enqueued while the test's objects were made (Wagtail's reference index) run first,
    so each test counts its own."""
    tasks_run_due()


def test_the_delay_doubles_from_the_first_up_to_the_longest_and_stops_after_the_attempts():
    policy = RetryPolicy(attempts=8, first_delay=MINUTE, max_delay=datetime.timedelta(hours=1))
    delays = [policy.delay_after(failures) for failures in range(1, 9)]
    assert delays[:7] == [MINUTE * n for n in (1, 2, 4, 8, 16, 32, 60)]
    assert delays[7] is None  # the eighth failure was the last attempt
    assert RetryPolicy(attempts=100).delay_after(99) == datetime.timedelta(hours=6)


def test_a_task_enqueued_in_a_transaction_that_rolls_back_leaves_no_row():
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks_for_tests.failing.enqueue(name="rolled back")
        raise RuntimeError
    assert not DBTaskResult.objects.filter(task_path__endswith=".failing").exists()


def test_a_task_runs_once_its_transaction_commits_and_not_before(
    django_capture_on_commit_callbacks, tmp_path
):
    log = tmp_path / "runs.log"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = tasks_for_tests.record_run.enqueue(log=str(log))
    assert not log.exists()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.READY
    for callback in callbacks:
        callback()
    assert len(log.read_text().splitlines()) == 1
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


def test_a_failing_task_is_retried_with_back_off_until_its_attempts_are_spent(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks_for_tests.failing.enqueue(name="printer")  # never raises here

    failure = TaskFailure.objects.get(task_result_id=result.id)
    row = DBTaskResult.objects.get(pk=result.id)
    assert (failure.failures, row.status) == (1, TaskResultStatus.READY)
    assert failure.last_error == "tests.portal.core.tasks_for_tests.Broken: printer is broken"
    assert _later(0.9) < row.run_after < _later(1.1)
    assert failure not in failures_listed()  # one failure its retry may mend is not listed

    assert tasks_run_due() == 0
    assert tasks_run_due(now=_later(1.5)) == 1
    row.refresh_from_db()
    assert _later(1.9) < row.run_after < _later(2.1)  # twice the first delay
    assert tasks_run_due(now=_later(3)) == 1  # the third and last attempt

    failure.refresh_from_db()
    row.refresh_from_db()
    assert (failure.failures, failure.next_attempt_at) == (3, None)
    assert row.status == TaskResultStatus.FAILED
    assert list(failures_listed()) == [failure]
    assert tasks_run_due(now=_later(24 * 60)) == 0


def test_a_task_with_its_context_knows_its_attempt_and_whether_it_is_the_last(
    django_capture_on_commit_callbacks, tmp_path
):
    log = tmp_path / "attempts.log"
    with django_capture_on_commit_callbacks(execute=True):
        tasks_for_tests.failing_and_telling.enqueue(log=str(log))
    tasks_run_due(now=_later(60))
    assert log.read_text().splitlines() == ["1 more", "2 more", "3 last"]


def test_a_task_that_succeeds_on_a_retry_leaves_the_list(django_capture_on_commit_callbacks):
    cache.set("broken:mailer", True)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks_for_tests.failing_while_flagged.enqueue(name="mailer")
    tasks_run_due(now=_later(1.5))
    cache.delete("broken:mailer")
    tasks_run_due(now=_later(3))
    failure = TaskFailure.objects.get(task_result_id=result.id)
    assert failure.failures == 2
    assert failure.resolved_at is not None
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    assert not failures_listed().exists()


def test_a_periodic_job_failing_every_period_is_one_line_until_a_run_succeeds(
    django_capture_on_commit_callbacks,
):
    cache.set("broken:periodic", True)
    for _period in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            last = tasks_for_tests.periodic_failing_while_flagged.enqueue()
    failure = TaskFailure.objects.get()
    assert (failure.failures, str(failure.task_result_id)) == (3, str(last.id))
    assert failure.next_attempt_at is None  # the next period runs it again
    assert list(failures_listed()) == [failure]

    cache.delete("broken:periodic")
    with django_capture_on_commit_callbacks(execute=True):
        tasks_for_tests.periodic_failing_while_flagged.enqueue()
    assert not failures_listed().exists()


def test_each_step_of_a_task_is_done_once_however_often_the_task_runs(
    django_capture_on_commit_callbacks, tmp_path
):
    log = tmp_path / "steps.log"
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks_for_tests.two_steps.enqueue(log=str(log))
    # As after a worker that stopped after the first step: the mark of step two is lost.
    TaskStep.objects.filter(key="two").delete()
    DBTaskResult.objects.filter(pk=result.id).update(status=TaskResultStatus.READY)
    assert tasks_run_due() == 1
    assert log.read_text().splitlines() == ["one", "two", "two"]


def test_a_task_whose_worker_stopped_is_tried_again(django_capture_on_commit_callbacks, tmp_path):
    log = tmp_path / "runs.log"
    result = tasks_for_tests.record_run.enqueue(log=str(log))
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(hours=2),
        worker_ids=["gone"],
    )
    assert tasks_recover_stale(older_than=datetime.timedelta(hours=1)) == 1
    failure = TaskFailure.objects.get(task_result_id=result.id)
    assert "WorkerStopped" in failure.last_error
    assert tasks_run_due(now=_later(2)) == 1
    assert len(log.read_text().splitlines()) == 1


def test_the_queue_status_counts_what_is_due_scheduled_running_and_failing(
    django_capture_on_commit_callbacks, tmp_path
):
    assert queue_status() == queue_status().__class__(0, 0, 0, 0, 0.0)
    tasks_for_tests.record_run.enqueue(log=str(tmp_path / "a.log"))
    with django_capture_on_commit_callbacks(execute=True):
        tasks_for_tests.failing.enqueue(name="one")
    status = queue_status()
    assert (status.due, status.scheduled, status.running, status.failing) == (1, 1, 0, 0)
    tasks_run_due(now=_later(10))
    status = queue_status()
    assert (status.due, status.scheduled, status.failing) == (0, 0, 1)


def test_finished_tasks_are_pruned_but_listed_failures_are_kept(
    django_capture_on_commit_callbacks, tmp_path
):
    with django_capture_on_commit_callbacks(execute=True):
        done = tasks_for_tests.record_run.enqueue(log=str(tmp_path / "a.log"))
        failed = tasks_for_tests.failing.enqueue(name="kept")
    tasks_run_due(now=_later(10))
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(days=100))
    task_results_prune(
        successful_older_than=datetime.timedelta(days=14),
        failed_older_than=datetime.timedelta(days=90),
    )
    assert not DBTaskResult.objects.filter(pk=done.id).exists()
    assert DBTaskResult.objects.filter(pk=failed.id).exists()


def test_wagtails_own_tasks_are_stored_and_run_by_the_same_backend():
    """Wagtail enqueues through the django_tasks backport, which reads the same TASKS setting:
    saving a snippet stores its reference-index task as a row, and our worker runs it."""
    offering = OfferingFactory()
    row = DBTaskResult.objects.filter(
        task_path="wagtail.tasks.update_reference_index_task",
        args_kwargs__args__2=str(offering.pk),
    ).get()
    assert row.status == TaskResultStatus.READY
    assert not ReferenceIndex.get_references_for_object(offering).exists()
    tasks_run_due()
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert ReferenceIndex.get_references_for_object(offering).exists()


def test_publishing_a_page_stores_wagtails_tasks_and_the_worker_runs_them():
    """What Wagtail 8 enqueues when a page is published (its reference index and, through
    modelsearch, its search index) is a row of ours, run by our worker."""
    from cms.models import ContentPage
    from tests.cms.factories import build_site

    home = build_site()["home"]
    page = home.add_child(instance=ContentPage(title="Over ons", slug="over-ons", live=False))
    tasks_run_due()

    page.save_revision().publish()

    enqueued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, args_kwargs__args__2=str(page.pk)
    )
    assert set(enqueued.values_list("task_path", flat=True)) >= {
        "wagtail.tasks.update_reference_index_task",
        "modelsearch.tasks.insert_or_update_object_task",
    }
    ids = list(enqueued.values_list("pk", flat=True))
    tasks_run_due()
    assert set(DBTaskResult.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        TaskResultStatus.SUCCESSFUL
    }
