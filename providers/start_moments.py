"""Rules for changing start moments directly (no approval: dates and seats change often)."""

from __future__ import annotations

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
