"""The 14-day cooling-off period: a full refund within 14 days of enrolling and before the start
date, the provider's late share after either. The days are counted as art. 6:230o BW counts them:
from the day after enrolling, each to its end, in the Netherlands.

Every quote is asked at an injected ``now``: the boundaries are exact instants, and a clock read
at import time (or the real one) would move them with the day the suite runs.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from portal.enrolments.models import Enrolment
from portal.enrolments.rules import cancellation_quote, cooling_off_last_day, in_cooling_off

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


def test_the_cooling_off_period_ends_with_the_14th_day_after_enrolling():
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert cooling_off_last_day(enrolment) == datetime.date(2026, 3, 16)


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(datetime.datetime(2026, 3, 15, 12, 0), id="the 13th day"),
        pytest.param(datetime.datetime(2026, 3, 16, 10, 0), id="14 times 24 hours"),
        pytest.param(
            datetime.datetime(2026, 3, 16, 23, 59, 59), id="the last second of the 14th day"
        ),
    ],
)
def test_a_full_refund_until_the_end_of_the_14th_day(now):
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert_full_refund(cancellation_quote(enrolment, now=now.replace(tzinfo=AMSTERDAM)))


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(datetime.datetime(2026, 3, 17, 0, 0), id="the first second of the 15th day"),
        pytest.param(datetime.datetime(2026, 3, 18, 10, 0), id="the day after"),
    ],
)
def test_the_providers_late_share_once_the_14th_day_has_ended(now):
    enrolment = paid_enrolment(starts_on=LATER_COURSE)
    assert_late_share(cancellation_quote(enrolment, now=now.replace(tzinfo=AMSTERDAM)))


def test_enrolling_late_in_the_evening_counts_the_day_in_the_netherlands():
    """At 23:30 in Amsterdam on 2 March it is 22:30 UTC: still 2 March, so the last day is the
    16th, not the 17th (and enrolling at 00:30 on 3 March, 2 March in UTC, gives the 17th)."""
    late = paid_enrolment(starts_on=LATER_COURSE)
    late.created_at = datetime.datetime(2026, 3, 2, 22, 30, tzinfo=datetime.UTC)
    assert cooling_off_last_day(late) == datetime.date(2026, 3, 16)
    early = paid_enrolment(starts_on=LATER_COURSE)
    early.created_at = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC)
    assert cooling_off_last_day(early) == datetime.date(2026, 3, 17)


# --- A course that starts within the 14 days ---------------------------------------------------

SOON_COURSE = datetime.date(2026, 3, 9)  # a week after enrolling


def test_a_full_refund_before_a_course_that_starts_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 8, 23, 59, tzinfo=AMSTERDAM)
    assert_full_refund(cancellation_quote(enrolment, now=now))


def test_the_late_share_from_the_start_date_even_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 9, 0, 0, tzinfo=AMSTERDAM)
    assert now.date() <= cooling_off_last_day(enrolment)
    assert not in_cooling_off(enrolment, now=now)
    assert_late_share(cancellation_quote(enrolment, now=now))


def test_the_late_share_after_the_start_date_even_within_the_14_days():
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 12, 12, 0, tzinfo=AMSTERDAM)
    assert now.date() <= cooling_off_last_day(enrolment)
    assert_late_share(cancellation_quote(enrolment, now=now))


def test_the_start_date_is_the_date_in_the_netherlands_not_in_utc():
    """At 00:30 on the start date in Amsterdam it is still the day before in UTC, which is how
    ``timezone.now()`` gives the time."""
    enrolment = paid_enrolment(starts_on=SOON_COURSE)
    now = datetime.datetime(2026, 3, 8, 23, 30, tzinfo=datetime.UTC)
    assert now.astimezone(AMSTERDAM).date() == SOON_COURSE
    assert_late_share(cancellation_quote(enrolment, now=now))
