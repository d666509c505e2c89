"""The portal's background work as a whole: its periodic schedule and the names of Wagtail's tasks.

``manage.py worker`` runs the queue and this ``SCHEDULE``: each job is a durable task (see
``portal.core.tasks``) enqueued once per period by one of the workers, however many run. The jobs
call the domain functions the management commands of the same name call:

* hold expiry every minute (``enrolments_expire_holds``): freed seats show in the catalogue and
  reach the waiting lists at once (the seat invariant never depends on it);
* the dashboard's warm-up more often than ``DASHBOARD_CACHE_SECONDS`` (``dashboard_warm``), only
  with a shared cache (``REDIS_URL``): in a worker's own memory it would help nobody;
* retention daily (``learners_anonymise``) and the purge of old spreadsheet imports daily
  (``import_batches_purge``), in the night (UTC);
* the dashboard's large downloads hourly (``report_exports_purge``): deleted with their files a
  week after they were asked for, and marked failed when their worker stopped for good;
* the task queue's own upkeep: tasks whose worker died are tried again (every 5 minutes), old
  finished tasks and claimed periods are deleted (daily).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.reporting.large_exports import report_exports_purge
from contracts.reporting.warming import dashboard_warm
from contracts.retention import RETENTION_DAYS_MAX, learners_anonymise
from portal.core.tasks import (
    PERIODIC_RETRY,
    PeriodicJob,
    durable_task,
    periodic_runs_prune,
    task_declare,
    task_results_prune,
    tasks_recover_stale,
)
from portal.enrolments.enrolling import holds_expire
from providers.imports.batches import import_batches_purge

MINUTE = datetime.timedelta(minutes=1)
DAY = datetime.timedelta(days=1)


def _periodic(label):
    return durable_task(label=label, retry=PERIODIC_RETRY, recurring=True)


@_periodic(_("Let lapsed seat holds go and offer the seats to the waiting lists"))
def holds_expire_job() -> int:
    return holds_expire()


@_periodic(_("Compute the dashboard's figures ahead"))
def dashboard_warm_job() -> int:
    return dashboard_warm()


@_periodic(_("Anonymise learners whose case closed long ago"))
def learners_anonymise_job() -> int:
    days = settings.LEARNER_RETENTION_DAYS
    if not 1 <= days <= RETENTION_DAYS_MAX:
        raise ImproperlyConfigured(
            f"LEARNER_RETENTION_DAYS must be from 1 to {RETENTION_DAYS_MAX:,} days (it is {days})"
        )
    return learners_anonymise(now=timezone.now(), older_than_days=days)


@_periodic(_("Delete old spreadsheet uploads"))
def import_batches_purge_job() -> int:
    return import_batches_purge()


@_periodic(_("Delete old large downloads of the dashboard"))
def report_exports_purge_job() -> int:
    return report_exports_purge()


@_periodic(_("Try again the tasks of a worker that stopped"))
def tasks_recover_stale_job() -> int:
    return tasks_recover_stale(
        older_than=datetime.timedelta(minutes=settings.TASKS_STALE_AFTER_MINUTES)
    )


@_periodic(_("Delete old finished tasks"))
def tasks_prune_job() -> int:
    periodic_runs_prune(older_than=datetime.timedelta(days=settings.TASKS_KEEP_DAYS))
    return task_results_prune(
        successful_older_than=datetime.timedelta(days=settings.TASKS_KEEP_DAYS),
        failed_older_than=datetime.timedelta(days=settings.TASKS_KEEP_FAILED_DAYS),
    )


def schedule() -> list[PeriodicJob]:
    """The periodic jobs, as the settings ask for now."""
    jobs = [
        PeriodicJob("holds_expire", holds_expire_job, every=MINUTE),
        PeriodicJob(
            "learners_anonymise",
            learners_anonymise_job,
            every=DAY,
            offset=datetime.timedelta(hours=1, minutes=30),
        ),
        PeriodicJob(
            "import_batches_purge",
            import_batches_purge_job,
            every=DAY,
            offset=datetime.timedelta(hours=1, minutes=45),
        ),
        PeriodicJob(
            "report_exports_purge",
            report_exports_purge_job,
            every=60 * MINUTE,
            offset=datetime.timedelta(minutes=50),
        ),
        PeriodicJob("tasks_recover_stale", tasks_recover_stale_job, every=5 * MINUTE),
        PeriodicJob("tasks_prune", tasks_prune_job, every=DAY, offset=datetime.timedelta(hours=2)),
    ]
    if settings.REDIS_URL:
        # A minute before the figures lapse, so the default view is always ready.
        every = max(MINUTE, datetime.timedelta(seconds=settings.DASHBOARD_CACHE_SECONDS) - MINUTE)
        jobs.append(PeriodicJob("dashboard_warm", dashboard_warm_job, every=every))
    return jobs


# Wagtail's own tasks (enqueued through the ``django_tasks`` backport, which reads the same
# ``TASKS`` setting and so stores them here too), in plain words for the failures list.
task_declare(
    "wagtail.tasks.update_reference_index_task",
    label=_("Update the admin's list of where an item is used"),
)
task_declare(
    "modelsearch.tasks.insert_or_update_object_task", label=_("Update the admin's search index")
)
task_declare(
    "wagtail.tasks.delete_file_from_storage_task", label=_("Delete a file that was removed")
)
task_declare(
    "wagtail.images.tasks.set_image_focal_point_task",
    label=_("Find the focal point of an image"),
)
task_declare(
    "wagtail.contrib.frontend_cache.tasks.purge_urls_from_cache_task",
    label=_("Clear pages from the front-end cache"),
)
