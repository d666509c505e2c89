"""Anonymise the personal data of learners whose case was closed longer ago than the retention
period (``settings.LEARNER_RETENTION_DAYS``). The worker (`manage.py worker`) runs it daily on its
schedule (``portal.background``); this command runs it by hand, with a dry run and other limits.

Bad arguments stop it before it starts: argparse refuses them (exit status 2), and a
``LEARNER_RETENTION_DAYS`` below one day is a ``CommandError`` (exit status 1), so cron reports
the failure instead of a quiet success that anonymised nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from contracts.retention import BATCH_SIZE, BATCH_SIZE_MAX, RETENTION_DAYS_MAX, learners_anonymise
from portal.core.command_arguments import whole_number


class Command(BaseCommand):
    help = (
        "Anonymise learners whose case was closed more than LEARNER_RETENTION_DAYS ago: name, "
        "date of birth (kept: the year) and client number are replaced, the case's notes and "
        "reasons are emptied, and Wagtail's history of the learner and their referrals is "
        "rewritten without them; each learner gets an audit entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the learners due; change nothing."
        )
        parser.add_argument(
            "--older-than-days",
            type=whole_number(minimum=1, maximum=RETENTION_DAYS_MAX),
            default=None,
            help="Override LEARNER_RETENTION_DAYS (days since the case was closed; at least 1).",
        )
        parser.add_argument(
            "--batch-size",
            type=whole_number(minimum=1, maximum=BATCH_SIZE_MAX),
            default=BATCH_SIZE,
            help=f"Learners per transaction (default {BATCH_SIZE}, at most {BATCH_SIZE_MAX:,}).",
        )

    def handle(self, *args, dry_run: bool, older_than_days: int | None, batch_size: int, **options):
        days = settings.LEARNER_RETENTION_DAYS if older_than_days is None else older_than_days
        if not 1 <= days <= RETENTION_DAYS_MAX:
            raise CommandError(
                f"LEARNER_RETENTION_DAYS must be from 1 to {RETENTION_DAYS_MAX:,} days "
                f"(it is {days}); nothing was anonymised."
            )
        now = timezone.now()
        if dry_run:
            count = learners_anonymise(now=now, older_than_days=days, dry_run=True)
            self.stdout.write(
                f"Dry run: {count} learner(s) closed more than {days} days ago would be "
                "anonymised. Nothing was changed."
            )
            return
        count = learners_anonymise(
            now=now,
            older_than_days=days,
            batch_size=batch_size,
            progress=lambda done: self.stdout.write(f"… {done} anonymised"),
        )
        self.stdout.write(
            self.style.SUCCESS(f"{count} learner(s) closed more than {days} days ago anonymised.")
        )
