"""Anonymise the personal data of learners whose case was closed longer ago than the retention
period (``settings.LEARNER_RETENTION_DAYS``). Run it daily (cron, a scheduled task)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from contracts.retention import learners_anonymise


class Command(BaseCommand):
    help = (
        "Anonymise learners whose case was closed more than LEARNER_RETENTION_DAYS ago: name, "
        "date of birth (kept: the year) and client number are replaced; each gets an audit entry."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the learners due; change nothing."
        )
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            help="Override LEARNER_RETENTION_DAYS (days since the case was closed).",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Learners per batch.")

    def handle(self, *args, dry_run: bool, older_than_days: int | None, batch_size: int, **options):
        days = settings.LEARNER_RETENTION_DAYS if older_than_days is None else older_than_days
        if days < 1 or batch_size < 1:
            self.stderr.write("--older-than-days and --batch-size must be at least 1.")
            return
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
