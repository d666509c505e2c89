import pytest

from portal import pagecache
from providers import seats
from providers.models import StartMoment
from tests.providers.factories import StartMomentFactory

pytestmark = pytest.mark.django_db


def test_taking_a_seat_counts_it():
    moment = StartMomentFactory(seats=3, seats_taken=1)
    seats.seats_take(start_moment_id=moment.pk)
    moment.refresh_from_db()
    assert (moment.seats_taken, moment.free_seats) == (2, 1)


def test_taking_the_last_seat_then_one_more_is_refused():
    moment = StartMomentFactory(seats=2, seats_taken=1)
    seats.seats_take(start_moment_id=moment.pk)
    with pytest.raises(seats.StartMomentFull):
        seats.seats_take(start_moment_id=moment.pk)
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 2


def test_taking_more_seats_than_are_free_changes_nothing():
    moment = StartMomentFactory(seats=5, seats_taken=3)
    with pytest.raises(seats.StartMomentFull):
        seats.seats_take(start_moment_id=moment.pk, count=3)
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 3


def test_releasing_gives_the_seat_back_and_never_goes_below_zero():
    moment = StartMomentFactory(seats=5, seats_taken=1)
    seats.seats_release(start_moment_id=moment.pk)
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 0
    with pytest.raises(seats.SeatsNotTaken):
        seats.seats_release(start_moment_id=moment.pk)


def test_a_seat_change_makes_cached_catalogue_pages_stale(django_capture_on_commit_callbacks):
    moment = StartMomentFactory(seats=5)
    before = pagecache.catalogue_version()
    with django_capture_on_commit_callbacks(execute=True):
        seats.seats_take(start_moment_id=moment.pk)
    assert pagecache.catalogue_version() > before


def test_saving_a_start_moment_read_before_a_seat_was_taken_keeps_the_seat(db):
    moment = StartMomentFactory(seats=10, seats_taken=2)
    stale = StartMoment.objects.get(pk=moment.pk)
    seats.seats_take(start_moment_id=moment.pk)
    stale.seats = 12
    stale.save()
    moment.refresh_from_db()
    assert (moment.seats, moment.seats_taken) == (12, 3)
