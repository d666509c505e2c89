"""Rules for changing start moments directly (no approval: dates and seats change often), and
which start dates a provider should look at (nearly full, or still empty shortly before the
start)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.models import StartMoment


def start_moment_delete_refusal(*, start_moment: StartMoment) -> str | None:
    """Why this start moment may not be deleted, or None when it may.

    Enrolments and placements hold taken seats; deleting the start date would orphan them. The
    provider lowers the seats or ends the course instead.
    """
    if start_moment.seats_taken:
        return ngettext(
            "%(moment)s cannot be deleted: %(count)s seat is taken by an enrolment or placement.",
            "%(moment)s cannot be deleted: %(count)s seats are taken by enrolments or placements.",
            start_moment.seats_taken,
        ) % {"moment": start_moment, "count": start_moment.seats_taken}
    if start_moment.seat_claims.exists():
        return _(
            "%(moment)s cannot be deleted: learners enrolled on it before, and their history "
            "refers to it. Set its seats to the seats taken instead."
        ) % {"moment": start_moment}
    return None


def start_moments_delete_refusals(*, start_moments) -> list[str]:
    return [
        reason
        for moment in start_moments
        if (reason := start_moment_delete_refusal(start_moment=moment))
    ]


# --- Start dates to watch (the providers' start page) -----------------------------------------

NEARLY_FULL_SHARE = Decimal("0.8")
"""A start date is nearly full when at least this share of its seats is taken (full ones too):
time to add seats or a start date. The same 80 % at which a lot is called nearly full
(``contracts.contracting.UTILISATION_THRESHOLD``)."""

EMPTY_SOON_DAYS = 28
"""A start date that begins within this many days with no seat taken yet is worth a look:
four weeks is about when learners are found for it, or it is moved."""


def start_moments_upcoming_q(*, today: datetime.date) -> Q:
    """Start dates that have not begun: ``today`` or later."""
    return Q(starts_on__gte=today)


def start_moment_nearly_full_q() -> Q:
    """At least ``NEARLY_FULL_SHARE`` of the seats taken (exact: 8 of 10 is nearly full)."""
    numerator, denominator = NEARLY_FULL_SHARE.as_integer_ratio()
    # taken / seats >= 4 / 5, in whole numbers: taken * 5 >= seats * 4 (no rounding in SQL).
    return Q(seats__gt=0) & Q(
        GreaterThanOrEqual(F("seats_taken") * denominator, F("seats") * numerator)
    )


def start_moment_empty_soon_q(*, today: datetime.date) -> Q:
    """No seat taken and beginning within ``EMPTY_SOON_DAYS`` days from ``today``."""
    return Q(
        seats_taken=0,
        starts_on__gte=today,
        starts_on__lte=today + datetime.timedelta(days=EMPTY_SOON_DAYS),
    )
