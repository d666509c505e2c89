"""``manage.py import_batches_purge``: delete stored spreadsheet imports past their age (the
worker's schedule does it daily; this is the same by hand)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandParser

from portal.core.command_arguments import whole_number
from providers.imports.batches import import_batch_max_age, import_batches_purge

MAX_AGE_HOURS_MAX = 24 * 36_525
"""A hundred years: an older cut-off would leave the calendar (``OverflowError``)."""


class Command(BaseCommand):
    help = (
        "Delete stored spreadsheet imports of offerings (checked files, applied or not) older "
        "than IMPORT_BATCH_MAX_AGE_HOURS (default 48 hours), and print how many were deleted. "
        "Uploading a file does the same, and the worker (manage.py worker) does it daily, so "
        "that old uploads also go when nobody uploads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age-hours",
            type=whole_number(minimum=0, maximum=MAX_AGE_HOURS_MAX),
            default=None,
            help="Delete imports older than this many hours (0: all) instead of the setting's "
            "value.",
        )

    def handle(self, *args, max_age_hours: int | None, **options) -> None:
        max_age = (
            import_batch_max_age()
            if max_age_hours is None
            else datetime.timedelta(hours=max_age_hours)
        )
        deleted = import_batches_purge(max_age=max_age)
        hours = max_age.total_seconds() / 3600
        self.stdout.write(f"Deleted {deleted} spreadsheet import(s) older than {hours:g} hours.")
