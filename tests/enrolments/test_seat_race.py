"""The seat invariant under real concurrency: 50 learners on 50 connections race for 5 seats.

Runs on PostgreSQL (CI's second pass); SQLite serialises all writers, so it proves nothing there.
"""

from __future__ import annotations

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.utils import timezone

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from providers import seats
from providers.models import SeatClaim, StartMoment
from tests.enrolments.factories import learner, start_moment_for_sale

RACERS = 50
LAST_SEATS = 5

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def _race(action, arguments):
    """Run ``action(argument)`` for every argument at the same moment, each on its own
    connection; returns each outcome ("held", "full" or the unexpected exception)."""
    barrier = threading.Barrier(len(arguments))

    def attempt(argument):
        try:
            barrier.wait(timeout=30)
            action(argument)
            return "held"
        except seats.StartMomentFull:
            return "full"
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(attempt, arguments))


def test_fifty_learners_racing_for_the_last_five_seats_get_exactly_five_holds():
    moment = start_moment_for_sale(seats=20)
    StartMoment.objects.filter(pk=moment.pk).update(seats_taken=20 - LAST_SEATS)
    learners = [learner() for _ in range(RACERS)]

    outcomes = _race(
        lambda user: enrolling.enrolment_start(user=user, start_moment=moment), learners
    )

    errors = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert errors == []
    assert outcomes.count("held") == LAST_SEATS
    assert outcomes.count("full") == RACERS - LAST_SEATS
    moment.refresh_from_db()
    assert moment.seats_taken == moment.seats == 20
    live_claims = SeatClaim.objects.filter(start_moment=moment, released_at__isnull=True)
    assert live_claims.count() == LAST_SEATS
    assert Enrolment.objects.filter(start_moment=moment, state="held").count() == LAST_SEATS


def test_racing_for_seats_freed_by_expired_holds_never_oversells():
    moment = start_moment_for_sale(seats=LAST_SEATS)
    lapsed = [
        enrolling.enrolment_start(user=learner(), start_moment=moment) for _ in range(LAST_SEATS)
    ]
    past = timezone.now() - datetime.timedelta(minutes=1)
    SeatClaim.objects.filter(enrolment__in=lapsed).update(expires_at=past)
    Enrolment.objects.filter(pk__in=[e.pk for e in lapsed]).update(hold_expires_at=past)
    learners = [learner() for _ in range(RACERS)]

    outcomes = _race(
        lambda user: enrolling.enrolment_start(user=user, start_moment=moment), learners
    )

    assert [outcome for outcome in outcomes if isinstance(outcome, Exception)] == []
    assert outcomes.count("held") == LAST_SEATS
    assert outcomes.count("full") == RACERS - LAST_SEATS
    moment.refresh_from_db()
    assert moment.seats_taken == LAST_SEATS
    assert SeatClaim.objects.filter(start_moment=moment, released_at__isnull=True).count() == 5
    assert Enrolment.objects.filter(pk__in=[e.pk for e in lapsed], state="expired").count() == 5
