"""Compute the contract dashboard's default figures into the cache ahead of its visitors."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation

from contracts.reporting.dashboard_tables import ReportSet, default_filter
from portal import permissions
from portal.places.models import Municipality


class Command(BaseCommand):
    help = (
        "Compute the contract dashboard's figures for its default view (this year, the whole "
        "region) into the cache, so that the first contract manager to open it does not wait "
        "for seconds of aggregation at national scale. Run it from cron more often than "
        "DASHBOARD_CACHE_SECONDS (e.g. every 4 minutes for the default 5). With "
        "--municipalities, also the default view of every municipality that has a klantmanager. "
        "Each view in every language of the site (the figures hold translated labels)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--municipalities",
            action="store_true",
            help="Also each klantmanager's municipality (one view per municipality).",
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        filters = [default_filter(today)]
        if options["municipalities"]:
            with_klantmanagers = Municipality.objects.filter(
                permissions.klantmanagers_q("staff__")
            ).distinct()
            filters += [
                default_filter(today, municipality_id=pk)
                for pk in with_klantmanagers.values_list("pk", flat=True)
            ]
        started = time.monotonic()
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for report_filter in filters:
                    ReportSet(report_filter, today=today, refresh=True).compute_all()
        if options["verbosity"]:
            self.stdout.write(
                f"Dashboard figures of {len(filters)} view(s) computed in "
                f"{time.monotonic() - started:.1f} s; kept {settings.DASHBOARD_CACHE_SECONDS} s."
            )
