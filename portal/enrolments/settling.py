"""What the outcome of a payment does to a place: the domain functions the payments app calls.

The payments app sits above this package: it owns Stripe, the ``Payment`` rows and the
decisions about money (refund or not), and calls these functions with plain values (the
payment method, cents, a reason for the record). Nothing here knows how the money moved.

Every function here runs inside the caller's transaction, with the enrolment locked and read
under the lock (the caller locks the enrolment before its payments: style.md point 26); each
looks at the place's current state, so calling it again changes nothing that is already true.
E-mails are tasks enqueued in the caller's transaction (``tasks.enrolment_email``): they go once
it commits, and are retried while the mail server fails.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils import timezone

from portal.accounts.models import User
from portal.enrolments import rules, states
from portal.enrolments.enrolling import seat_give_back, waiting_entry_close
from portal.enrolments.models import Enrolment, EnrolmentTransition
from portal.enrolments.tasks import Email, enrolment_email
from providers import seats

State = Enrolment.State


class Paid(StrEnum):
    """What money arriving for a place did to it (``enrolment_paid``)."""

    CONFIRMED = "confirmed"
    # The place was bought already: the money buys nothing.
    PAID_TWICE = "paid twice"
    # The place was given up before the money arrived: it buys nothing.
    PAID_AFTER_CANCELLING = "paid after cancelling"
    # The hold lapsed and somebody else took the last seat: the place is cancelled.
    SEAT_GONE = "seat gone"


class Pending(StrEnum):
    """What a delayed payment (SEPA) under way did to a place (``enrolment_payment_pending``)."""

    AWAITING_PAYMENT = "awaiting payment"
    # Neither held nor lapsed: nothing to keep.
    NOT_WAITING = "not waiting"
    # The lapsed seat went to somebody else; the payment, if it succeeds, buys nothing.
    SEAT_GONE = "seat gone"


def enrolment_paid(
    *,
    enrolment: Enrolment,
    payment_method: Enrolment.PaymentMethod,
    reason: str,
    now: datetime.datetime | None = None,
) -> Paid:
    """The whole price of ``enrolment`` is paid by ``payment_method``: confirm the place (its
    seat kept, the learner's waiting-list entry closed, the confirmation e-mailed), unless the
    money buys nothing (see ``Paid``). On ``SEAT_GONE`` the place is cancelled; the caller
    refunds and tells the learner (``Email.LATE_PAYMENT_REFUNDED``)."""
    now = now or timezone.now()
    if enrolment.state == State.CONFIRMED:
        return Paid.PAID_TWICE
    if enrolment.state in rules.GIVEN_UP_STATES:
        return Paid.PAID_AFTER_CANCELLING
    try:
        seats.seat_keep(enrolment.seat_claim)
    except seats.StartMomentFull:
        # The hold lapsed and somebody else took the last seat before the money arrived.
        states.enrolment_transition(
            enrolment=enrolment,
            to_state=State.CANCELLED,
            reason=EnrolmentTransition.SystemReason.PAID_TOO_LATE,
            cancelled_at=now,
        )
        return Paid.SEAT_GONE
    states.enrolment_transition(
        enrolment=enrolment,
        to_state=State.CONFIRMED,
        reason=reason,
        payment_method=payment_method,
        hold_expires_at=None,
        confirmed_at=now,
    )
    waiting_entry_close(enrolment)
    enrolment_email(enrolment=enrolment, email=Email.CONFIRMED)
    return Paid.CONFIRMED


def enrolment_payment_pending(
    *, enrolment: Enrolment, payment_method: Enrolment.PaymentMethod, reason: str
) -> Pending:
    """A delayed payment is under way: the seat is kept (it can take days) until it succeeds
    (``enrolment_paid``) or fails (``enrolment_payment_failed``); the learner is told."""
    if enrolment.state not in {State.HELD, State.EXPIRED}:
        return Pending.NOT_WAITING
    try:
        seats.seat_keep(enrolment.seat_claim)
    except seats.StartMomentFull:
        return Pending.SEAT_GONE
    states.enrolment_transition(
        enrolment=enrolment,
        to_state=State.AWAITING_PAYMENT,
        reason=reason,
        payment_method=payment_method,
        hold_expires_at=None,
    )
    enrolment_email(enrolment=enrolment, email=Email.PROCESSING)
    return Pending.AWAITING_PAYMENT


def enrolment_payment_failed(*, enrolment: Enrolment, reason: str) -> bool:
    """A delayed payment failed: the seat goes back, the learner is told. False (and nothing
    changes) when the place was not awaiting that payment."""
    if enrolment.state != State.AWAITING_PAYMENT:
        return False
    seat_give_back(enrolment=enrolment, to_state=State.EXPIRED, reason=reason)
    enrolment_email(enrolment=enrolment, email=Email.PAYMENT_FAILED)
    return True


def hold_end_unpaid(
    *, enrolment: Enrolment, reason: str, now: datetime.datetime | None = None
) -> bool:
    """The payment of a held place closed unpaid: the seat goes, unless the hold still runs
    (it then lapses at its own end). True if the seat was freed. Call it for a held place."""
    now = now or timezone.now()
    if enrolment.hold_expires_at and enrolment.hold_expires_at > now:
        return False
    seat_give_back(enrolment=enrolment, to_state=State.EXPIRED, reason=reason)
    return True


def enrolment_refunded(
    *,
    enrolment: Enrolment,
    refunded_cents: int,
    reason: str,
    ended_reason: str,
    now: datetime.datetime | None = None,
) -> None:
    """The learner got ``refunded_cents`` back in all: a live place ends (refunded outside the
    portal; recorded with ``ended_reason``; the learner is told), a cancelled one becomes refunded
    (recorded with ``reason``; the learner is told), a refunded one records the new total."""
    now = now or timezone.now()
    if enrolment.is_live:
        # Refunded from the payment provider's dashboard, or the refund of the learner's own
        # cancellation overtook it (``payments.cancelling``): the place is given up as well, and
        # the learner is told so first, as the refund e-mail follows the cancellation's.
        seat_give_back(
            enrolment=enrolment,
            to_state=State.CANCELLED,
            reason=ended_reason,
            cancelled_at=now,
        )
        cancellation_announce(
            enrolment=enrolment,
            quote=rules.CancellationQuote(
                full_refund=refunded_cents >= enrolment.price_cents,
                refund_cents=refunded_cents,
                paid_cents=enrolment.price_cents,
            ),
        )
    if enrolment.state == State.CANCELLED:
        states.enrolment_transition(
            enrolment=enrolment,
            to_state=State.REFUNDED,
            reason=reason,
            refund_cents=refunded_cents,
            refunded_at=now,
        )
        enrolment_email(enrolment=enrolment, email=Email.REFUNDED)
    elif enrolment.state == State.REFUNDED:
        enrolment.refund_cents = refunded_cents
        enrolment.save(update_fields=["refund_cents", "updated_at"])


def enrolment_cancel(
    *, enrolment: Enrolment, quote: rules.CancellationQuote, actor: User | None = None
) -> None:
    """The learner gives up a held or confirmed place, with the refund ``quote`` (already
    started by the caller, if any): the seat is freed at once and offered to the waiting list,
    the learner is e-mailed what they get back."""
    seat_give_back(
        enrolment=enrolment,
        to_state=State.CANCELLED,
        actor=actor,
        reason=EnrolmentTransition.SystemReason.CANCELLED_BY_LEARNER,
        cancelled_at=timezone.now(),
        hold_expires_at=None,
    )
    cancellation_announce(enrolment=enrolment, quote=quote)


def cancellation_announce(*, enrolment: Enrolment, quote: rules.CancellationQuote) -> None:
    """E-mail the learner, once the caller's transaction commits, that their place is cancelled
    and what they get back."""
    enrolment_email(enrolment=enrolment, email=Email.CANCELLED, quote=quote)
