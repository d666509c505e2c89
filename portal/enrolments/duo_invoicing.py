"""What a school can invoice DUO for its DUO-loan learners, quarter by quarter.

The rule (the domain notes, "What gezinsmigranten use today"): DUO pays the school directly;
the school invoices DUO only after the lessons were given, the learner accepts each invoice in
"Mijn Inburgering", and DUO pays at most ``DUO_MAX_PER_QUARTER_CENTS`` (€ 2,000) per learner
per calendar quarter, across all schools. The Haarlem annex beside the domain notes says nothing
about DUO; the figure is the domain notes'. The school sends its invoices itself: this module
only works out an aid.

What counts, once, here:

- **Which places.** Places paid with the DUO loan (``payment_method == DUO_LOAN``) at the
  provider, confirmed or given up later (cancelled, refunded), whose course runs in the quarter.
  A place given up counts its lessons up to the day before it was cancelled; one cancelled
  before its start (the cooling-off period) counts none and is left out.
- **Lessons given.** Routewijzer records no attendance for self-paid places (attendance is
  reported for referrals only, ``contracts.progress``). So the hours are those the course's
  dates plan: the offering's ``hours_total`` spread evenly over the start date's days, from its
  first to its last day. The screen says so; the school checks them against its own register.
- **The amount.** The price paid for the place (the enrolment's copy) spread over the same days.
  Both are counted as "given by the end of a day" minus "given by the day before the quarter",
  so the quarters of a course always add up to exactly its hours and its price.
- **The warning.** A learner whose amounts at this provider in one quarter add up to more than
  € 2,000: DUO pays no more than that in a quarter (and less if another school invoices too).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from portal import permissions
from portal.enrolments.models import Enrolment

if TYPE_CHECKING:
    from portal.accounts.models import User

# DUO pays a school at most € 2,000 per learner per calendar quarter, counted across all the
# learner's schools (domain notes, "What gezinsmigranten use today").
DUO_MAX_PER_QUARTER_CENTS = 200_000

# The states of a DUO place whose lessons can have been given: confirmed, or given up later.
INVOICED_STATES: tuple[str, ...] = (
    Enrolment.State.CONFIRMED,
    Enrolment.State.CANCELLED,
    Enrolment.State.REFUNDED,
)

# How far back the quarter picker reaches: the three years of the inburgeringstermijn.
QUARTERS_LISTED = 12

_TENTH = Decimal("0.1")


@dataclasses.dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter (``number`` 1 to 4) of ``year``."""

    year: int
    number: int

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def from_code(cls, code: str) -> Quarter | None:
        """``"2026-Q1"`` as a quarter, or None for anything else."""
        year, separator, number = code.partition("-Q")
        if not (separator and len(year) == 4 and year.isascii() and year.isdigit()):
            return None
        if number not in ("1", "2", "3", "4") or year.startswith("0"):
            return None
        return cls(int(year), int(number))

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def has_ended(self, *, today: datetime.date) -> bool:
        return self.last_day < today


def last_finished_quarter(*, today: datetime.date | None = None) -> Quarter:
    """The quarter before today's: the one a school invoices now (lessons first, then DUO)."""
    return Quarter.containing(today or timezone.localdate()).previous()


def quarters_to_choose(*, today: datetime.date | None = None) -> list[Quarter]:
    """Today's quarter (not over yet) and the ``QUARTERS_LISTED`` before it, latest first."""
    quarter = Quarter.containing(today or timezone.localdate())
    quarters = [quarter]
    for _step in range(QUARTERS_LISTED):
        quarter = quarter.previous()
        quarters.append(quarter)
    return quarters


def duo_enrolments(*, user: User, provider_id: int, quarter: Quarter) -> QuerySet[Enrolment]:
    """The provider's DUO-loan places that may have lessons in ``quarter``, as ``user`` may see
    them (``permissions.scope``: another provider's are never in it); one query, with the
    learner and the course. ``duo_quarter_lines`` makes the exact cut."""
    quarter_start = timezone.make_aware(
        datetime.datetime.combine(quarter.first_day, datetime.time.min)
    )
    return (
        permissions.scope(user, permissions.Action.VIEW, Enrolment.objects.all())
        .filter(
            payment_method=Enrolment.PaymentMethod.DUO_LOAN,
            state__in=INVOICED_STATES,
            start_moment__offering__provider_id=provider_id,
            start_moment__starts_on__lte=quarter.last_day,
            start_moment__ends_on__gte=quarter.first_day,
        )
        .filter(Q(state=Enrolment.State.CONFIRMED) | Q(cancelled_at__gt=quarter_start))
        .select_related("user", "start_moment__offering")
    )


def last_day_taught(enrolment: Enrolment) -> datetime.date:
    """The last day whose lessons count: the course's end date, or for a place given up the day
    before it was cancelled (its start date's eve when the moment is not known)."""
    moment = enrolment.start_moment
    if enrolment.state == Enrolment.State.CONFIRMED:
        return moment.ends_on
    if enrolment.cancelled_at is None:
        return moment.starts_on - datetime.timedelta(days=1)
    cancelled_on = timezone.localtime(enrolment.cancelled_at).date()
    return min(moment.ends_on, cancelled_on - datetime.timedelta(days=1))


def _days_taught(enrolment: Enrolment, through: datetime.date) -> int:
    """The course's days from its start through ``through`` (never past the last day taught)."""
    moment = enrolment.start_moment
    until = min(through, last_day_taught(enrolment))
    return max((until - moment.starts_on).days + 1, 0)


def _course_days(enrolment: Enrolment) -> int:
    moment = enrolment.start_moment
    return (moment.ends_on - moment.starts_on).days + 1


def hours_given_by(enrolment: Enrolment, day: datetime.date) -> Decimal:
    """The hours the course's dates plan from its start through ``day``, to a tenth of an hour."""
    hours = Decimal(enrolment.start_moment.offering.hours_total * _days_taught(enrolment, day))
    return (hours / _course_days(enrolment)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def cents_earned_by(enrolment: Enrolment, day: datetime.date) -> int:
    """The part of the price for the lessons from the start through ``day``, in whole cents
    (rounded down, so the last day brings the price to the cent)."""
    return enrolment.price_cents * _days_taught(enrolment, day) // _course_days(enrolment)


@dataclasses.dataclass
class InvoiceLine:
    """One place in one quarter: what its lessons were, and what the learner's quarter adds up
    to at this provider."""

    enrolment: Enrolment
    learner_key: tuple[str, int]
    learner_name: str
    hours: Decimal
    amount_cents: int
    learner_total_cents: int = 0

    @property
    def over_by_cents(self) -> int:
        """How far the learner's quarter at this provider goes past what DUO pays (0 if not)."""
        return max(self.learner_total_cents - DUO_MAX_PER_QUARTER_CENTS, 0)

    @property
    def over_maximum(self) -> bool:
        return self.over_by_cents > 0


@dataclasses.dataclass
class QuarterOverview:
    quarter: Quarter
    finished: bool  # the quarter is over: its lessons were given (by the course's dates)
    lines: list[InvoiceLine]

    @property
    def learners(self) -> int:
        return len({line.learner_key for line in self.lines})

    @property
    def learners_over(self) -> int:
        return len({line.learner_key for line in self.lines if line.over_maximum})

    @property
    def hours(self) -> Decimal:
        return sum((line.hours for line in self.lines), Decimal("0.0"))

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def learner_name(enrolment: Enrolment) -> str:
    """The learner's name, else the address they enrolled with (an account since deleted)."""
    if enrolment.user is not None:
        return enrolment.user.get_full_name() or enrolment.user.email
    return enrolment.learner_email


def duo_quarter_lines(
    enrolments: QuerySet[Enrolment] | list[Enrolment], *, quarter: Quarter
) -> list[InvoiceLine]:
    """Each place's hours and amount in ``quarter`` (places without lessons in it left out), by
    learner name, then start date; each line knows its learner's total for the quarter."""
    day_before = quarter.first_day - datetime.timedelta(days=1)
    lines = []
    for enrolment in enrolments:
        amount = cents_earned_by(enrolment, quarter.last_day) - cents_earned_by(
            enrolment, day_before
        )
        hours = hours_given_by(enrolment, quarter.last_day) - hours_given_by(enrolment, day_before)
        if not hours and not amount:
            continue
        key = ("user", enrolment.user_id) if enrolment.user_id else ("place", enrolment.pk)
        lines.append(
            InvoiceLine(
                enrolment=enrolment,
                learner_key=key,
                learner_name=learner_name(enrolment),
                hours=hours,
                amount_cents=amount,
            )
        )
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for line in lines:
        totals[line.learner_key] += line.amount_cents
    for line in lines:
        line.learner_total_cents = totals[line.learner_key]
    lines.sort(
        key=lambda line: (
            line.learner_name.casefold(),
            line.learner_key,
            line.enrolment.start_moment.starts_on,
            line.enrolment.reference,
        )
    )
    return lines


def duo_quarter_overview(
    *, user: User, provider_id: int, quarter: Quarter, today: datetime.date | None = None
) -> QuarterOverview:
    """The provider's DUO-loan learners in ``quarter`` as ``user`` may see them: one query."""
    today = today or timezone.localdate()
    enrolments = duo_enrolments(user=user, provider_id=provider_id, quarter=quarter)
    return QuarterOverview(
        quarter=quarter,
        finished=quarter.has_ended(today=today),
        lines=duo_quarter_lines(enrolments, quarter=quarter),
    )
