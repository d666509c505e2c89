"""The rules of buying and cancelling a self-paid place, in one module.

- A start moment is for sale online when its offering is published, has a price, is open to
  gezinsmigranten, and its enrolment deadline (else its start date) has not passed.
- Paying by DUO loan is possible only for DUO-eligible offerings.
- Cancelling: within ``ENROLMENT_COOLING_OFF_DAYS`` (14) days of enrolling and before the start
  date, the whole price is refunded (the statutory cooling-off period for distance contracts);
  later, the provider's stated share (``late_refund_percent``, 0 by default).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.enrolments.models import Enrolment
from providers.models import StartMoment


def last_enrolment_day(start_moment: StartMoment) -> datetime.date:
    """The last day to enrol: the deadline, else the day before the start."""
    return start_moment.enrolment_deadline or start_moment.starts_on - datetime.timedelta(days=1)


def sale_refusal(start_moment: StartMoment, *, today: datetime.date | None = None) -> str | None:
    """Why a learner cannot buy a place on this start moment, or None when they can."""
    today = today or timezone.localdate()
    offering = start_moment.offering
    if not offering.live or not offering.provider.is_active:
        return _("This course is not offered at the moment.")
    if offering.price_cents is None:
        return _("This course cannot be bought: the provider has not set a price for self-payers.")
    if not offering.for_gezinsmigranten:
        return _("This course is not open to self-paying learners.")
    if today > last_enrolment_day(start_moment):
        return _("Enrolment for this start date has closed.")
    return None


def duo_loan_possible(enrolment: Enrolment) -> bool:
    return enrolment.start_moment.offering.duo_loan_eligible


def cooling_off_ends(enrolment: Enrolment) -> datetime.datetime:
    return enrolment.created_at + datetime.timedelta(days=settings.ENROLMENT_COOLING_OFF_DAYS)


@dataclass(frozen=True)
class CancellationQuote:
    """What cancelling now means for the learner."""

    full_refund: bool
    refund_cents: int
    paid_cents: int


def cancellation_quote(
    enrolment: Enrolment, *, now: datetime.datetime | None = None
) -> CancellationQuote:
    """The refund for cancelling ``enrolment`` at ``now``; nothing is refunded for unpaid places
    (DUO loan or not yet paid)."""
    now = now or timezone.now()
    paid = enrolment.price_cents if _paid_online(enrolment) else 0
    in_cooling_off = now < cooling_off_ends(enrolment) and (
        timezone.localdate(now) < enrolment.starts_on
    )
    if in_cooling_off:
        return CancellationQuote(full_refund=True, refund_cents=paid, paid_cents=paid)
    refund = paid * enrolment.late_refund_percent // 100
    return CancellationQuote(full_refund=refund == paid, refund_cents=refund, paid_cents=paid)


def cancellation_refusal(enrolment: Enrolment) -> str | None:
    """Why the learner cannot cancel online now, or None."""
    if enrolment.state == Enrolment.State.AWAITING_PAYMENT:
        return _(
            "Your payment is still being processed. You can cancel once it has been confirmed."
        )
    if enrolment.state not in {Enrolment.State.HELD, Enrolment.State.CONFIRMED}:
        return _("This enrolment can no longer be cancelled.")
    if timezone.localdate() > enrolment.start_moment.ends_on:
        return _("This course has ended.")
    return None


def _paid_online(enrolment: Enrolment) -> bool:
    return (
        enrolment.state == Enrolment.State.CONFIRMED
        and enrolment.payment_method == Enrolment.PaymentMethod.STRIPE
    )
