"""Compute the dashboard's monthly summary tables again from all referrals and attendance."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from contracts.summaries import summaries_rebuild


class Command(BaseCommand):
    help = (
        "Compute the dashboard's monthly summaries (referrals per lot, municipality and month "
        "sent; attendance per lot, municipality and month) again from all referrals and "
        "attendance. The portal keeps them in step by itself; run this after loading rows "
        "without the models' signals (a bulk load, a restore) or after upgrading to the version "
        "that introduced them."
    )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        referral_months, attendance_months = summaries_rebuild()
        self.stdout.write(
            f"{referral_months} referral months and {attendance_months} attendance months "
            f"in {time.monotonic() - started:.1f} s."
        )
