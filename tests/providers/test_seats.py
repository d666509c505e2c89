"""The seat module: holds, expiry by timestamp, keeping and giving back, and the invariant."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.core import pagecache
from providers import seats
from providers.models import SeatClaim, StartMoment
from tests.providers.factories import StartMomentFactory

pytestmark = pytest.mark.django_db

ENROLMENT = SeatClaim.Purpose.ENROLMENT


def _hold(moment, *, minutes: int = 30) -> SeatClaim:
    return seats.seat_take(
        start_moment_id=moment.pk,
        purpose=ENROLMENT,
        hold_until=timezone.now() + datetime.timedelta(minutes=minutes),
    )


def _taken(moment) -> int:
    return StartMoment.objects.get(pk=moment.pk).seats_taken


def _expire(claim: SeatClaim) -> None:
    SeatClaim.objects.filter(pk=claim.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_taking_a_seat_counts_it_and_records_the_claim():
    moment = StartMomentFactory(seats=3)
    claim = _hold(moment)
    assert _taken(moment) == 1
    assert claim.start_moment_id == moment.pk
    assert claim.expires_at > timezone.now()
    assert claim.released_at is None


def test_the_last_seat_cannot_be_taken_twice():
    moment = StartMomentFactory(seats=2)
    _hold(moment)
    _hold(moment)
    with pytest.raises(seats.StartMomentFull):
        _hold(moment)
    assert _taken(moment) == 2
    assert SeatClaim.objects.filter(start_moment=moment).count() == 2


def test_an_expired_hold_is_free_for_the_next_taker():
    moment = StartMomentFactory(seats=1)
    lapsed = _hold(moment)
    _expire(lapsed)
    newcomer = _hold(moment)
    assert _taken(moment) == 1
    lapsed.refresh_from_db()
    assert lapsed.released_at is not None
    assert newcomer.released_at is None


def test_a_hold_that_has_not_expired_is_never_taken_over():
    moment = StartMomentFactory(seats=1)
    _hold(moment, minutes=1)
    with pytest.raises(seats.StartMomentFull):
        _hold(moment)


def test_free_seats_counts_expired_holds_as_free():
    moment = StartMomentFactory(seats=3)
    _expire(_hold(moment))
    _hold(moment)
    moment.refresh_from_db()
    assert moment.seats_taken == 2
    assert seats.free_seats(moment) == 2


def test_keeping_a_hold_makes_it_permanent():
    moment = StartMomentFactory(seats=1)
    claim = _hold(moment)
    seats.seat_keep(claim)
    claim.refresh_from_db()
    assert (claim.expires_at, claim.released_at) == (None, None)
    with pytest.raises(seats.StartMomentFull):
        _hold(moment)


def test_keeping_an_expired_hold_that_nobody_took_keeps_the_same_seat():
    moment = StartMomentFactory(seats=1)
    claim = _hold(moment)
    _expire(claim)
    seats.seat_keep(claim)
    assert _taken(moment) == 1
    claim.refresh_from_db()
    assert (claim.expires_at, claim.released_at) == (None, None)


def test_keeping_a_released_hold_takes_a_seat_again_if_one_is_free():
    moment = StartMomentFactory(seats=2)
    claim = _hold(moment)
    _expire(claim)
    assert seats.holds_release_expired() == 1
    assert _taken(moment) == 0
    seats.seat_keep(claim)
    assert _taken(moment) == 1
    claim.refresh_from_db()
    assert claim.released_at is None


def test_keeping_a_released_hold_on_a_full_start_moment_fails_and_changes_nothing():
    moment = StartMomentFactory(seats=1)
    claim = _hold(moment)
    _expire(claim)
    _hold(moment)  # releases the expired hold and takes the seat
    with pytest.raises(seats.StartMomentFull):
        seats.seat_keep(claim)
    claim.refresh_from_db()
    assert claim.released_at is not None
    assert _taken(moment) == 1


def test_releasing_gives_the_seat_back_once():
    moment = StartMomentFactory(seats=1)
    claim = _hold(moment)
    assert seats.seat_release(claim) is True
    assert seats.seat_release(claim) is False
    assert _taken(moment) == 0


def test_the_released_signal_names_the_expired_holds():
    moment = StartMomentFactory(seats=5)
    expired = [_hold(moment), _hold(moment)]
    live = _hold(moment)
    for claim in expired:
        _expire(claim)
    received = []

    def listener(sender, claim_ids, **kwargs):
        received.extend(claim_ids)

    seats.seat_claims_released.connect(listener)
    try:
        assert seats.holds_release_expired() == 2
    finally:
        seats.seat_claims_released.disconnect(listener)
    assert sorted(received) == sorted(claim.pk for claim in expired)
    assert live.pk not in received
    assert _taken(moment) == 1


def test_the_database_refuses_more_seats_taken_than_seats():
    moment = StartMomentFactory(seats=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StartMoment.objects.filter(pk=moment.pk).update(seats_taken=2)


def test_a_seat_change_makes_cached_catalogue_pages_stale(django_capture_on_commit_callbacks):
    moment = StartMomentFactory(seats=5)
    before = pagecache.catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        _hold(moment)
    assert pagecache.catalogue_version() > before


def test_saving_a_start_moment_read_before_a_seat_was_taken_keeps_the_seat():
    moment = StartMomentFactory(seats=10)
    stale = StartMoment.objects.get(pk=moment.pk)
    _hold(moment)
    stale.seats = 12
    stale.save()
    moment.refresh_from_db()
    assert (moment.seats, moment.seats_taken) == (12, 1)


def test_the_catalogue_shows_expired_holds_as_free_seats():
    from providers.selectors import start_moment_public_queryset

    moment = StartMomentFactory(seats=3)
    _expire(_hold(moment))
    _hold(moment)
    shown = start_moment_public_queryset().get(pk=moment.pk)
    assert shown.free == 2
