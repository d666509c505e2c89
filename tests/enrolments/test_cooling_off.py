"""The 14-day cooling-off period: a full refund within 14 days of enrolling and before the start
date, the provider's late share after either.

Every quote is asked at an injected ``now``: the boundaries are exact instants, and a clock read
at import time (or the real one) would move them with the day the suite runs.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.enrolments.models import Enrolment
from portal.enrolments.rules import cancellation_quote, cooling_off_ends

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
PRICE = 125_000
LATE_SHARE = 62_500  # the provider's 50 %
ENROLLED_AT = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM)


def paid_enrolment(*, starts_on: datetime.date) -> Enrolment:
    """A place paid online at ``ENROLLED_AT``; the quote reads only the enrolment's own copy of
    the terms, so it needs no database row."""
    return Enrolment(
        state=Enrolment.State.CONFIRMED,
        payment_method=Enrolment.PaymentMethod.STRIPE,
        price_cents=PRICE,
        late_refund_percent=50,
        starts_on=starts_on,
        created_at=ENROLLED_AT,
    )


def assert_full_refund(quote) -> None:
    assert (quote.full_refund, quote.refund_cents, quote.paid_cents) == (True, PRICE, PRICE)


def assert_late_share(quote) -> None:
    assert (quote.full_refund, quote.refund_cents, quote.paid_cents) == (False, LATE_SHARE, PRICE)


# --- The 14 days, for a course starting long after them ----------------------------------------

LATER_COURSE = datetime.date(2026, 5, 4)


def test_the_cooling_off_period_ends_14_days_after_enrolling():
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert cooling_off_ends(enrolment) == datetime.datetime(2026, 3, 16, 10, 0, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(datetime.timedelta(days=13), id="the day before the 14th day"),
        pytest.param(datetime.timedelta(days=14, seconds=-1), id="the last second"),
    ],
)
def test_a_full_refund_until_the_14_days_have_passed(after):
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert_full_refund(cancellation_quote(enrolment, now=ENROLLED_AT + after))


@pytest.mark.parametrize(
    "after",
    [
        pytest.param(datetime.timedelta(days=14), id="exactly 14 days"),
        pytest.param(datetime.timedelta(days=15), id="the day after"),
    ],
)
def test_the_providers_late_share_once_the_14_days_have_passed(after):
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert_late_share(cancellation_quote(enrolment, now=ENROLLED_AT + after))


# --- A course that starts within the 14 days ---------------------------------------------------

SOON_COURSE = datetime.date(2026, 3, 9)  # a week after enrolling


def test_a_full_refund_before_a_course_that_starts_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 8, 23, 59, tzinfo=AMSTERDAM)
    assert_full_refund(cancellation_quote(enrolment, now=now))


def test_the_late_share_from_the_start_date_even_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 9, 0, 0, tzinfo=AMSTERDAM)
    assert now < cooling_off_ends(enrolment)
    assert_late_share(cancellation_quote(enrolment, now=now))


def test_the_late_share_after_the_start_date_even_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=AMSTERDAM)
    assert now < cooling_off_ends(enrolment)
    assert_late_share(cancellation_quote(enrolment, now=now))


def test_the_start_date_is_the_date_in_the_netherlands_not_in_utc():
    """At 00:30 on the start date in Amsterdam it is still the day before in UTC, which is how
    ``timezone.now()`` gives the time."""
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 8, 23, 30, tzinfo=datetime.UTC)
    assert now.astimezone(AMSTERDAM).date() == SOON_COURSE
    assert_late_share(cancellation_quote(enrolment, now=now))
