"""Seat allocation: the one place where seats of a start moment are taken and given back.

Every change is a conditional ``UPDATE`` so two processes can never both take the last seat, backed
by the ``startmoment_seats_taken_within_seats`` check constraint. Holds with expiry, enrolments and
placements build on these functions.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.db.models.expressions import CombinedExpression

from portal import pagecache
from providers.models import StartMoment


class StartMomentFull(Exception):
    """There are not enough free seats left on the start moment."""

    def __init__(self, start_moment_id: int, requested: int) -> None:
        super().__init__(f"Start moment {start_moment_id} has fewer than {requested} free seats")
        self.start_moment_id = start_moment_id
        self.requested = requested


class SeatsNotTaken(Exception):
    """More seats were given back than were taken."""


def free_seats_expression(prefix: str = "") -> CombinedExpression:
    return F(f"{prefix}seats") - F(f"{prefix}seats_taken")


def has_free_seats_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}seats_taken__lt": F(f"{prefix}seats")})


def seats_take(*, start_moment_id: int, count: int = 1) -> None:
    """Take ``count`` seats or raise ``StartMomentFull``; nothing changes when it raises."""
    if count < 1:
        raise ValueError("count must be at least 1")
    with transaction.atomic():
        updated = StartMoment.objects.filter(
            pk=start_moment_id, seats_taken__lte=F("seats") - count
        ).update(seats_taken=F("seats_taken") + count)
        if not updated:
            raise StartMomentFull(start_moment_id, count)
        transaction.on_commit(pagecache.catalogue_changed)


def seats_release(*, start_moment_id: int, count: int = 1) -> None:
    """Give back ``count`` seats that were taken before."""
    if count < 1:
        raise ValueError("count must be at least 1")
    with transaction.atomic():
        updated = StartMoment.objects.filter(pk=start_moment_id, seats_taken__gte=count).update(
            seats_taken=F("seats_taken") - count
        )
        if not updated:
            raise SeatsNotTaken(start_moment_id)
        transaction.on_commit(pagecache.catalogue_changed)
