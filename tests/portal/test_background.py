"""The periodic schedule (``portal.background``): each job's period is enqueued once however many
workers run it, and hold expiry runs every minute."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal import background
from portal.core.tasks import PeriodicJob, periodic_enqueue, tasks_run_due
from portal.core.tasks.models import PeriodicRun
from portal.core.tasks.running import worker
from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment, WaitingListEntry
from providers.models import SeatClaim
from tests.enrolments.factories import learner, start_moment_for_sale

UTC = datetime.UTC
HOLDS = "portal.background.holds_expire_job"


def _lapsed_hold_with_a_waiting_learner() -> tuple[Enrolment, WaitingListEntry]:
    """A one-seat start date whose only hold has lapsed, and a learner waiting for the seat."""
    moment = start_moment_for_sale(seats=1)
    lapsed = enrolling.enrolment_start(user=learner(), start_moment=moment)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Enrolment.objects.filter(pk=lapsed.pk).update(hold_expires_at=past)
    SeatClaim.objects.filter(pk=lapsed.seat_claim_id).update(expires_at=past)
    waiting = WaitingListEntry.objects.create(user=learner(), start_moment=moment)
    return lapsed, waiting


def test_a_period_starts_at_the_jobs_offset_and_repeats_every_period():
    daily = PeriodicJob("daily", background.holds_expire_job, every=datetime.timedelta(days=1))
    at_half_past_one = PeriodicJob(
        "night",
        background.holds_expire_job,
        every=datetime.timedelta(days=1),
        offset=datetime.timedelta(hours=1, minutes=30),
    )
    moment = datetime.datetime(2026, 3, 10, 1, 29, 59, tzinfo=UTC)
    assert daily.period_start(moment) == datetime.datetime(2026, 3, 10, tzinfo=UTC)
    assert at_half_past_one.period_start(moment) == datetime.datetime(2026, 3, 9, 1, 30, tzinfo=UTC)
    assert at_half_past_one.period_start(moment + datetime.timedelta(seconds=1)) == (
        datetime.datetime(2026, 3, 10, 1, 30, tzinfo=UTC)
    )


def test_the_schedule_holds_the_periodic_work_and_warms_the_dashboard_only_with_a_shared_cache(
    settings,
):
    settings.REDIS_URL = None
    names = {job.name for job in background.schedule()}
    assert {"holds_expire", "learners_anonymise", "import_batches_purge"} <= names
    assert "dashboard_warm" not in names
    settings.REDIS_URL = "redis://127.0.0.1:6379/3"
    settings.DASHBOARD_CACHE_SECONDS = 300
    [warm] = [job for job in background.schedule() if job.name == "dashboard_warm"]
    assert warm.every == datetime.timedelta(minutes=4)
    [holds] = [job for job in background.schedule() if job.name == "holds_expire"]
    assert holds.every == datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_the_schedule_expires_lapsed_holds_once_a_minute_however_many_workers_ask():
    lapsed, waiting = _lapsed_hold_with_a_waiting_learner()
    tasks_run_due()  # what making the test's objects enqueued
    now = datetime.datetime.now(UTC)
    start = now.replace(minute=now.minute - now.minute % 5 + 1, second=5, microsecond=0)

    first = periodic_enqueue(background.schedule(), now=start)
    second = periodic_enqueue(background.schedule(), now=start + datetime.timedelta(seconds=40))
    assert "holds_expire" in first
    assert "holds_expire" not in second  # the other worker, the same minute
    assert PeriodicRun.objects.filter(job="holds_expire").count() == 1
    tasks_run_due()
    for run in PeriodicRun.objects.select_related("task_result"):
        assert run.task_result.status == TaskResultStatus.SUCCESSFUL, run.job

    lapsed.refresh_from_db()
    assert lapsed.state == Enrolment.State.EXPIRED
    waiting.refresh_from_db()
    assert waiting.state == WaitingListEntry.State.OFFERED
    assert DBTaskResult.objects.get(task_path=HOLDS).status == TaskResultStatus.SUCCESSFUL

    # The next minute it is due again (other jobs may be due then too: the dashboard's warm-up
    # every 4 minutes with a shared cache, so the test does not depend on the minute it runs in).
    assert "holds_expire" in periodic_enqueue(
        background.schedule(), now=start + datetime.timedelta(minutes=1)
    )


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_enqueue_and_run_hold_expiry_once():
    lapsed, _waiting = _lapsed_hold_with_a_waiting_learner()
    DBTaskResult.objects.all().delete()  # the reference index of the objects made: not ours
    jobs = [job for job in background.schedule() if job.name == "holds_expire"]
    start = timezone.now()
    barrier = threading.Barrier(2)
    enqueued: list[list[str]] = []

    def schedule_then_work(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            enqueued.append(periodic_enqueue(jobs, now=start))
            worker(worker_id=name, batch=True, interval=0).run()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=schedule_then_work, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(enqueued) == [[], ["holds_expire"]]
    [row] = DBTaskResult.objects.filter(task_path=HOLDS)
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert len(row.worker_ids) == 1
    lapsed.refresh_from_db()
    assert lapsed.state == Enrolment.State.EXPIRED
