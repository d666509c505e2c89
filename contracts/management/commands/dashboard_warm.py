"""Compute the contract dashboard's default figures into the cache ahead of its visitors."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from contracts.reporting.warming import dashboard_warm


class Command(BaseCommand):
    help = (
        "Compute the contract dashboard's figures for its default view (this year, the whole "
        "region) into the cache, so that the first contract manager to open it does not wait "
        "for seconds of aggregation at national scale. The worker (`manage.py worker`) does "
        "this on its schedule, more often than DASHBOARD_CACHE_SECONDS; run it by hand after a "
        "restore. With --municipalities, also the default view of every municipality that has "
        "a klantmanager. Each view in every language of the site (the figures hold translated "
        "labels)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipalities",
            action="store_true",
            help="Also each klantmanager's municipality (one view per municipality).",
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        views = dashboard_warm(municipalities=options["municipalities"])
        if options["verbosity"]:
            self.stdout.write(
                f"Dashboard figures of {views} view(s) computed in "
                f"{time.monotonic() - started:.1f} s; kept {settings.DASHBOARD_CACHE_SECONDS} s."
            )
