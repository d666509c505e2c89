"""Monthly figures per lot, kept up to date for the dashboard."""

from __future__ import annotations

from django.db import models

from contracts.models.contracting import Lot
from portal.places.models import Municipality


class LotMonthSummary(models.Model):
    """A summary row of one lot, one municipality (the learners' current one) and one month (its
    first day), kept by ``contracts.summaries``."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["lot", "municipality", "month"], name="%(class)s_once"),
        ]
        indexes = [models.Index(fields=["month"], name="%(class)s_month")]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.municipality_id} {self.month:%Y-%m}"


class ReferralMonth(LotMonthSummary):
    """How far the referrals sent in one month, to one lot, for learners of one municipality,
    have got: a summary row kept by ``contracts.summaries`` whenever a referral changes, so the
    dashboard adds up a few thousand rows instead of grouping every referral.

    ``month`` is the first day of the month the referrals were sent (in the portal's time zone);
    the municipality is the learners' current one. Each count is defined as in
    ``contracts.reporting`` (``referral_funnel``, ``sla_breaches``, ``utilisation_by_month``).
    """

    sent = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    awaiting_answer = models.PositiveIntegerField(default=0)
    awaiting_start = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    accepted_late = models.PositiveIntegerField(default=0)
    started_late = models.PositiveIntegerField(default=0)
    placements = models.PositiveIntegerField(default=0)


class AttendanceMonth(LotMonthSummary):
    """The attendance reported for one month, one lot and the learners of one municipality:
    a summary row of ``MonthlyAttendance`` kept by ``contracts.summaries``."""

    placements = models.PositiveIntegerField(default=0)
    hours_offered = models.DecimalField(max_digits=12, decimal_places=1, default=0)
    hours_attended = models.DecimalField(max_digits=12, decimal_places=1, default=0)
