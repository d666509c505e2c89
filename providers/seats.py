"""Seat allocation: the one place where seats of a start moment are taken and given back.

A taken seat is a ``SeatClaim`` counted in ``StartMoment.seats_taken``. The counter only changes
by a conditional ``UPDATE`` in the same transaction as the claim, and the database's check
constraint ``startmoment_seats_taken_within_seats`` refuses more than ``seats``, so no two processes
can both take the last seat: confirmed enrolments + unexpired holds + placements never exceed the
seats.

A hold is a claim with an expiry. An expired hold counts as free by its timestamp: when a start
moment looks full, the taker first releases its expired holds (under the start moment's row lock)
and tries again. ``holds_release_expired`` does the same for every start moment, for a periodic
job that hands freed seats to the waiting list; correctness does not depend on it.

Every change locks the start moment row before any of its claims, so concurrent takes, releases
and clean-ups cannot deadlock. Whoever owns a claim (enrolments, later placements) listens to
``seat_claims_released`` to learn that expired holds were released on its behalf.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Now
from django.dispatch import Signal
from django.utils import timezone

from portal.core import pagecache
from providers.models import SeatClaim, StartMoment

seat_claims_released = Signal()
"""Sent with ``claim_ids`` (a list) when expired holds were released by the clean-up, inside the
transaction that released them."""


class StartMomentFull(Exception):
    """There are not enough free seats left on the start moment."""

    def __init__(self, start_moment_id: int, requested: int = 1) -> None:
        super().__init__(f"Start moment {start_moment_id} has fewer than {requested} free seats")
        self.start_moment_id = start_moment_id
        self.requested = requested


def free_seats_expression(prefix: str = "") -> CombinedExpression:
    """Seats minus seats taken; expired holds not yet released still count as taken here."""
    return F(f"{prefix}seats") - F(f"{prefix}seats_taken")


def free_seats_now_expression() -> CombinedExpression:
    """Seats free right now for a start moment queryset: expired holds not yet released count as
    free (one correlated subquery on the ``seatclaim_open_holds`` index)."""
    expired_holds = (
        SeatClaim.objects.filter(
            start_moment=OuterRef("pk"), released_at__isnull=True, expires_at__lte=Now()
        )
        .order_by()
        .values("start_moment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return F("seats") - F("seats_taken") + Coalesce(Subquery(expired_holds), 0)


def has_free_seats_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}seats_taken__lt": F(f"{prefix}seats")})


def free_seats(start_moment: StartMoment, *, now: datetime.datetime | None = None) -> int:
    """Free seats of one start moment right now, expired holds counted as free."""
    expired = SeatClaim.objects.filter(
        start_moment_id=start_moment.pk,
        released_at__isnull=True,
        expires_at__lte=now or timezone.now(),
    ).count()
    return max(start_moment.seats - start_moment.seats_taken + expired, 0)


def seat_take(
    *,
    start_moment_id: int,
    purpose: str,
    hold_until: datetime.datetime | None = None,
) -> SeatClaim:
    """Take one seat, held until ``hold_until`` (or for good), or raise ``StartMomentFull``.

    Nothing changes when it raises.
    """
    with transaction.atomic():
        if not _take_releasing_expired(start_moment_id):
            raise StartMomentFull(start_moment_id)
        claim = SeatClaim.objects.create(
            start_moment_id=start_moment_id, purpose=purpose, expires_at=hold_until
        )
        transaction.on_commit(pagecache.catalogue_changed)
    return claim


def seat_keep(claim: SeatClaim, *, hold_until: datetime.datetime | None = None) -> SeatClaim:
    """Keep a claimed seat until ``hold_until``, or for good when it is None.

    A hold that expired but was not released yet is simply kept. If it was released (another
    learner may have the seat now), a seat is taken afresh, which raises ``StartMomentFull`` when
    none is left; ``claim`` is then unchanged.
    """
    with transaction.atomic():
        start_moment_lock(claim.start_moment_id)
        kept = SeatClaim.objects.filter(pk=claim.pk, released_at__isnull=True).update(
            expires_at=hold_until
        )
        if not kept:
            if not _take_releasing_expired(claim.start_moment_id):
                raise StartMomentFull(claim.start_moment_id)
            SeatClaim.objects.filter(pk=claim.pk).update(expires_at=hold_until, released_at=None)
            transaction.on_commit(pagecache.catalogue_changed)
    claim.expires_at, claim.released_at = hold_until, None
    return claim


def seat_release(claim: SeatClaim) -> bool:
    """Give the seat back. True if this call released it, False if it was released before."""
    with transaction.atomic():
        start_moment_lock(claim.start_moment_id)
        now = timezone.now()
        released = SeatClaim.objects.filter(pk=claim.pk, released_at__isnull=True).update(
            released_at=now
        )
        if released:
            StartMoment.objects.filter(pk=claim.start_moment_id).update(
                seats_taken=F("seats_taken") - 1
            )
            transaction.on_commit(pagecache.catalogue_changed)
    if released:
        claim.released_at = now
    return bool(released)


def holds_release_expired(*, now: datetime.datetime | None = None) -> int:
    """Release every expired hold; returns how many seats were freed."""
    now = now or timezone.now()
    start_moment_ids = (
        SeatClaim.objects.filter(released_at__isnull=True, expires_at__lte=now)
        .values_list("start_moment_id", flat=True)
        .distinct()
    )
    freed = 0
    for start_moment_id in list(start_moment_ids):
        with transaction.atomic():
            freed += _release_expired(start_moment_id, now=now)
    return freed


def start_moment_lock(start_moment_id: int) -> None:
    """Lock the start moment's row until the transaction ends.

    The lock order of the whole portal: a start moment before anything that points to it.
    Releasing expired holds locks the start moment and then updates the enrolments that held
    them (``seat_claims_released``), so whoever locks an enrolment and may then keep or release
    its seat must lock the start moment first (``portal.enrolments.enrolling.enrolment_lock``),
    or the two wait for each other and PostgreSQL aborts one of them.
    """
    list(StartMoment.objects.select_for_update().filter(pk=start_moment_id).values_list("pk"))


def _take_releasing_expired(start_moment_id: int) -> bool:
    """Count one more seat taken; if the start moment looks full, release its expired holds and
    try again. The second try runs after waiting for the row lock, so it also sees seats that a
    concurrent taker released and did not need."""
    if _counter_take(start_moment_id):
        return True
    _release_expired(start_moment_id)
    return _counter_take(start_moment_id)


def _counter_take(start_moment_id: int) -> bool:
    return bool(
        StartMoment.objects.filter(pk=start_moment_id, seats_taken__lt=F("seats")).update(
            seats_taken=F("seats_taken") + 1
        )
    )


def _release_expired(start_moment_id: int, *, now: datetime.datetime | None = None) -> int:
    """Release the start moment's expired holds, inside the caller's transaction."""
    now = now or timezone.now()
    start_moment_lock(start_moment_id)
    expired = list(
        SeatClaim.objects.filter(
            start_moment_id=start_moment_id, released_at__isnull=True, expires_at__lte=now
        ).values_list("pk", flat=True)
    )
    if not expired:
        return 0
    released = SeatClaim.objects.filter(pk__in=expired, released_at__isnull=True).update(
        released_at=now
    )
    if released:
        StartMoment.objects.filter(pk=start_moment_id).update(
            seats_taken=F("seats_taken") - released
        )
        seat_claims_released.send(sender=SeatClaim, claim_ids=expired)
        transaction.on_commit(pagecache.catalogue_changed)
    return released
