"""What Stripe's verified events do to payments and enrolments.

Each function runs inside the webhook's transaction (with the event id stored in it) and is
idempotent on its own as well: it looks at the payment's and enrolment's current state, so a
replayed, late or out-of-order event changes nothing that is already true. The browser's return
from Checkout never confirms anything.

Two different events for one payment can arrive in the same millisecond
(``checkout.session.completed`` and ``…async_payment_succeeded``, say). So every handler first
locks the enrolment, then the payment, and only then reads what it decides on
(:func:`_locked`); a ``Payment`` loaded before the lock is never trusted. The lock order, enrolment
before its payments, is the one every writer of an enrolment's payments keeps (``paying``,
``cancelling``, here).
"""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.utils import timezone

from portal.enrolments import emails, states
from portal.enrolments.enrolling import waiting_list_offer
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments import checkout
from portal.payments.models import Payment
from providers import seats

logger = logging.getLogger(__name__)

Outcome = str

# A payment attempt number as the portal writes it in Stripe's metadata (ASCII digits only).
ATTEMPT = re.compile(r"[0-9]{1,4}")


def checkout_completed(session: dict) -> Outcome:
    """``checkout.session.completed`` and ``…async_payment_succeeded``: paid, or (SEPA) pending."""
    locked = _locked(_payment_for(session))
    if locked is None:
        return "unknown session"
    payment, enrolment = locked
    if session.get("payment_intent") and not payment.payment_intent_id:
        payment.payment_intent_id = _id(session["payment_intent"])
    if session.get("payment_status") == "paid":
        return _payment_fulfil(payment, enrolment)
    return _payment_processing(payment, enrolment)


def _payment_fulfil(payment: Payment, enrolment: Enrolment) -> Outcome:
    """The money is in: confirm the place, or, if the seat is gone or the place was given up,
    refund in full and tell the learner. Safe to call again. ``payment`` and ``enrolment`` are
    locked and read under the lock (:func:`_locked`)."""
    if payment.status in {Payment.Status.PAID, Payment.Status.REFUNDED}:
        payment.save(update_fields=["payment_intent_id", "updated_at"])
        return "already paid"
    payment.status = Payment.Status.PAID
    payment.paid_at = timezone.now()
    payment.save()
    if enrolment.state == Enrolment.State.CONFIRMED:
        return _refund_unwanted(payment, enrolment, "paid twice")
    if enrolment.state in {Enrolment.State.CANCELLED, Enrolment.State.REFUNDED}:
        return _refund_unwanted(payment, enrolment, "paid after cancelling")
    try:
        seats.seat_keep(enrolment.seat_claim)
    except seats.StartMomentFull:
        # The hold lapsed and somebody else took the last seat before the money arrived.
        states.enrolment_transition(
            enrolment=enrolment,
            to_state=Enrolment.State.CANCELLED,
            reason="paid after the hold lapsed and the seat went: refunded",
            cancelled_at=timezone.now(),
        )
        outcome = _refund_unwanted(payment, enrolment, "seat gone")
        transaction.on_commit(lambda: emails.late_payment_refunded(enrolment))
        return outcome
    states.enrolment_transition(
        enrolment=enrolment,
        to_state=Enrolment.State.CONFIRMED,
        reason=f"paid online ({payment.checkout_session_id})",
        payment_method=Enrolment.PaymentMethod.STRIPE,
        hold_expires_at=None,
        confirmed_at=timezone.now(),
    )
    WaitingListEntry.objects.filter(
        user_id=enrolment.user_id,
        start_moment_id=enrolment.start_moment_id,
        state=WaitingListEntry.State.WAITING,
    ).update(state=WaitingListEntry.State.LEFT)
    transaction.on_commit(lambda: emails.enrolment_confirmed(enrolment))
    return "confirmed"


def checkout_async_failed(session: dict) -> Outcome:
    """A delayed payment (SEPA) failed: the seat goes back, the learner is told."""
    locked = _locked(_payment_for(session))
    if locked is None:
        return "unknown session"
    payment, enrolment = locked
    if payment.status != Payment.Status.PROCESSING:
        return f"ignored: payment {payment.status}"
    payment.status = Payment.Status.FAILED
    payment.save(update_fields=["status", "updated_at"])
    if enrolment.state != Enrolment.State.AWAITING_PAYMENT:
        return f"payment failed; enrolment {enrolment.state}"
    _seat_give_back(enrolment, Enrolment.State.EXPIRED, reason="delayed payment failed")
    transaction.on_commit(lambda: emails.payment_failed(enrolment))
    return "payment failed"


def checkout_expired(session: dict) -> Outcome:
    """The Checkout Session closed unpaid: its hold goes, unless another attempt is under way."""
    locked = _locked(_payment_for(session))
    if locked is None:
        return "unknown session"
    payment, enrolment = locked
    if payment.status != Payment.Status.OPEN:
        return f"ignored: payment {payment.status}"
    payment.status = Payment.Status.EXPIRED
    payment.save(update_fields=["status", "updated_at"])
    others_open = enrolment.payments.filter(
        status__in=[Payment.Status.OPEN, Payment.Status.PROCESSING, Payment.Status.PAID]
    ).exists()
    if enrolment.state != Enrolment.State.HELD or others_open:
        return "expired"
    if enrolment.hold_expires_at and enrolment.hold_expires_at > timezone.now():
        return "expired; hold kept until its own end"
    _seat_give_back(enrolment, Enrolment.State.EXPIRED, reason="Checkout Session expired unpaid")
    return "expired; seat freed"


def charge_refunded(charge: dict) -> Outcome:
    """A refund went through (ours, or one made in Stripe's dashboard): the place ends."""
    intent = _id(charge.get("payment_intent"))
    locked = _locked(_payment_for_charge(charge, intent))
    if locked is None:
        return "unknown payment"
    payment, enrolment = locked
    if intent and not payment.payment_intent_id:
        payment.payment_intent_id = intent
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded <= payment.amount_refunded_cents:
        return "already recorded"
    payment.amount_refunded_cents = refunded
    payment.refunded_at = timezone.now()
    payment.paid_at = payment.paid_at or payment.refunded_at
    if charge.get("refunded") or refunded >= payment.amount_cents:
        payment.status = Payment.Status.REFUNDED
    payment.save()
    paid_otherwise = (
        enrolment.payments.filter(status=Payment.Status.PAID).exclude(pk=payment.pk).exists()
    )
    if paid_otherwise:
        return "refund of a second payment recorded"
    if enrolment.state in {
        Enrolment.State.HELD,
        Enrolment.State.CONFIRMED,
        Enrolment.State.AWAITING_PAYMENT,
    }:
        # Refunded from Stripe's dashboard: the place is given up as well.
        _seat_give_back(
            enrolment,
            Enrolment.State.CANCELLED,
            reason="refunded in Stripe",
            cancelled_at=timezone.now(),
        )
    if enrolment.state == Enrolment.State.CANCELLED:
        states.enrolment_transition(
            enrolment=enrolment,
            to_state=Enrolment.State.REFUNDED,
            reason=f"refund confirmed by Stripe ({payment.payment_intent_id})",
            refund_cents=_refunded_total(enrolment),
            refunded_at=timezone.now(),
        )
        transaction.on_commit(lambda: emails.refund_confirmed(enrolment))
    elif enrolment.state == Enrolment.State.REFUNDED:
        enrolment.refund_cents = _refunded_total(enrolment)
        enrolment.save(update_fields=["refund_cents", "updated_at"])
    return "refund recorded"


def _payment_processing(payment: Payment, enrolment: Enrolment) -> Outcome:
    if payment.status != Payment.Status.OPEN:
        payment.save(update_fields=["payment_intent_id", "updated_at"])
        return f"ignored: payment {payment.status}"
    payment.status = Payment.Status.PROCESSING
    payment.save()
    if enrolment.state not in {Enrolment.State.HELD, Enrolment.State.EXPIRED}:
        return f"processing; enrolment {enrolment.state}"
    try:
        # A delayed payment can take days: the seat is kept until it succeeds or fails.
        seats.seat_keep(enrolment.seat_claim)
    except seats.StartMomentFull:
        # Nothing is paid yet; when it succeeds, _payment_fulfil refunds it.
        return "processing; seat gone"
    states.enrolment_transition(
        enrolment=enrolment,
        to_state=Enrolment.State.AWAITING_PAYMENT,
        reason=f"delayed payment under way ({payment.checkout_session_id})",
        payment_method=Enrolment.PaymentMethod.STRIPE,
        hold_expires_at=None,
    )
    transaction.on_commit(lambda: emails.payment_processing(enrolment))
    return "awaiting payment"


def _refund_unwanted(payment: Payment, enrolment: Enrolment, why: str) -> Outcome:
    """Refund a payment that buys nothing. Stripe is asked after the commit, with an idempotency
    key, so a failure there leaves the records right and the refund can be retried."""
    amount = payment.amount_cents

    def refund() -> None:
        try:
            checkout.refund_create(payment=payment, amount_cents=amount, reason=why)
        except checkout.PaymentsUnavailable:
            logger.exception("Automatic refund of %s must be retried", payment)

    transaction.on_commit(refund)
    return f"refunding: {why}"


def _seat_give_back(enrolment: Enrolment, state: str, *, reason: str, **changes: object) -> None:
    seats.seat_release(enrolment.seat_claim)
    states.enrolment_transition(enrolment=enrolment, to_state=state, reason=reason, **changes)
    start_moment_id = enrolment.start_moment_id
    transaction.on_commit(lambda: waiting_list_offer(start_moment_id=start_moment_id))


def _refunded_total(enrolment: Enrolment) -> int:
    return sum(payment.amount_refunded_cents for payment in enrolment.payments.all())


def _locked(payment_pk: int | None) -> tuple[Payment, Enrolment] | None:
    """Lock the payment's enrolment, then the payment, and read both as they are now.

    The decision of every handler rests on these two rows; read before the locks, a second event
    for the same payment (committed while this one waited) would go unseen (style.md point 26).
    On SQLite ``select_for_update`` does nothing, but the webhook's first statement is a write
    (the event id), which makes SQLite run the two events one after the other.
    """
    if payment_pk is None:
        return None
    enrolment_pk = (
        Payment.objects.filter(pk=payment_pk).values_list("enrolment_id", flat=True).first()
    )
    if enrolment_pk is None:
        return None
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment_pk)
    payment = Payment.objects.select_for_update().get(pk=payment_pk)
    return payment, enrolment


def _payment_for_charge(charge: dict, intent: str) -> int | None:
    """The payment's id, found by the charge's PaymentIntent, or, when the refund overtook
    ``checkout.session.completed``, by the enrolment and attempt in the metadata the portal gave
    the PaymentIntent."""
    pk = (
        Payment.objects.filter(payment_intent_id=intent).values_list("pk", flat=True).first()
        if intent
        else None
    )
    metadata = charge.get("metadata") or {}
    attempt = str(metadata.get("attempt", ""))
    if pk is None and metadata.get("enrolment") and ATTEMPT.fullmatch(attempt):
        pk = (
            Payment.objects.filter(
                enrolment__reference=str(metadata["enrolment"]), attempt=int(attempt)
            )
            .values_list("pk", flat=True)
            .first()
        )
    return pk


def _payment_for(session: dict) -> int | None:
    return (
        Payment.objects.filter(checkout_session_id=session.get("id"))
        .values_list("pk", flat=True)
        .first()
    )


def _id(value: object) -> str:
    if isinstance(value, dict):
        return str(value.get("id", ""))
    return str(value or "")
