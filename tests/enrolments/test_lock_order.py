"""One lock order for seats and enrolments, on PostgreSQL: the start moment, then the enrolment.

Releasing expired holds locks the start moment and then marks the lapsed enrolments expired. A
learner confirming or cancelling a lapsed hold used to lock the enrolment first and the start
moment second; with another learner taking a seat on the same date at that moment, each waited
for the other until PostgreSQL aborted one ("deadlock detected", a 500 for that learner). The
tests make that interleaving happen every time (``tests/locking.py``): the test's connection
holds the enrolment's lock while the two actions queue, then lets go.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError
from django.utils import timezone

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import cancelling
from providers import seats
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.locking import EnrolmentLockQueue

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _lapsed_hold_on_the_last_seat(*, duo_loan_eligible: bool = False) -> Enrolment:
    """A held place on a start date with one seat, whose hold lapsed a minute ago and whose seat
    nobody has released yet (that happens when the next learner needs it)."""
    moment = start_moment_for_sale(seats=1, duo_loan_eligible=duo_loan_eligible)
    enrolment = held_enrolment(moment)
    lapsed = timezone.now() - datetime.timedelta(minutes=1)
    SeatClaim.objects.filter(pk=enrolment.seat_claim_id).update(expires_at=lapsed)
    Enrolment.objects.filter(pk=enrolment.pk).update(hold_expires_at=lapsed)
    enrolment.refresh_from_db()
    return enrolment


def _no_database_error(results: list[object]) -> None:
    errors = [result for result in results if isinstance(result, DatabaseError)]
    assert not errors, f"a transaction was aborted: {errors}"


def test_a_duo_loan_on_a_lapsed_hold_and_a_new_learner_on_the_same_date_both_finish():
    enrolment = _lapsed_hold_on_the_last_seat(duo_loan_eligible=True)
    with EnrolmentLockQueue(enrolment) as queue:
        queue.add(
            lambda: enrolling.duo_loan_choose(
                enrolment=Enrolment.objects.get(pk=enrolment.pk),
                declaration="I pay with my DUO loan.",
            )
        )
        queue.add(
            lambda: enrolling.enrolment_start(
                user=learner(), start_moment=StartMoment.objects.get(pk=enrolment.start_moment_id)
            )
        )
    confirmed, newcomer = queue.results
    _no_database_error(queue.results)
    # The first learner came first: the lapsed seat is kept for them, the date is full.
    assert isinstance(confirmed, Enrolment) and confirmed.state == Enrolment.State.CONFIRMED
    assert isinstance(newcomer, seats.StartMomentFull)
    assert StartMoment.objects.get(pk=enrolment.start_moment_id).seats_taken == 1


def test_cancelling_a_lapsed_hold_and_a_new_learner_on_the_same_date_both_finish(stripe_standin):
    enrolment = _lapsed_hold_on_the_last_seat()
    with EnrolmentLockQueue(enrolment) as queue:
        queue.add(
            lambda: cancelling.enrolment_cancel(enrolment=Enrolment.objects.get(pk=enrolment.pk))
        )
        queue.add(
            lambda: enrolling.enrolment_start(
                user=learner(), start_moment=StartMoment.objects.get(pk=enrolment.start_moment_id)
            )
        )
    _, newcomer = queue.results
    _no_database_error(queue.results)
    assert Enrolment.objects.get(pk=enrolment.pk).state == Enrolment.State.CANCELLED
    # The seat the first learner gave up goes to the newcomer.
    assert isinstance(newcomer, Enrolment) and newcomer.state == Enrolment.State.HELD
    assert StartMoment.objects.get(pk=enrolment.start_moment_id).seats_taken == 1
