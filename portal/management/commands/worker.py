"""``manage.py worker``: run the background tasks and the periodic schedule.

The task loop is django-tasks-db's worker (``db_worker``, with its options: queues, interval,
``--batch``, ``--max-tasks``, ``--worker-id``, ``--reload``) run by the task layer's
``DurableWorker``, which retries a failed task with back-off and records what keeps failing. Beside
it a thread enqueues the project's periodic jobs (``portal.background.schedule``), each period
once across all workers. Several workers may run, on one machine or many: each claims a task with
``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL), so no task runs twice at once.

``--batch`` enqueues the periods due once, runs every task due and stops (for a cron-driven
set-up, or a test). SIGTERM or SIGINT stops it gracefully: the task under way ends first (a second
signal ends it at once; the task is then tried again later).
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError, CommandParser
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from portal import background
from portal.core.tasks import Scheduler, periodic_enqueue
from portal.core.tasks.running import worker


class Command(db_worker.Command):
    help = (
        "Run the background tasks (e-mails, refunds, Wagtail's tasks) and the periodic schedule "
        "(hold expiry every minute, the dashboard's warm-up, retention and the purge of old "
        "uploads daily). Run one or more; stop with SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")
        parser.add_argument(
            "--no-schedule",
            action="store_false",
            dest="schedule",
            help="Run tasks only; leave the periodic schedule to the other workers.",
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        schedule: bool,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        runner = worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
        )
        runner.excluded_queue_names = excluded

        def run() -> None:
            if schedule and batch:
                # Once, then the tasks due: `worker --batch` from cron does the schedule's work.
                periodic_enqueue(background.schedule())
            scheduler = Scheduler(background.schedule()) if schedule and not batch else None
            if scheduler is not None:
                scheduler.start()
            try:
                runner.run()
            finally:
                if scheduler is not None:
                    scheduler.stop()

        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                runner.configure_signals()
            run_with_reloader(run)
        else:
            runner.configure_signals()
            run()
