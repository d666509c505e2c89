"""What Stripe's verified events do to payments and enrolments.

This module owns the ``Payment`` side and the money decisions (refund what buys nothing); what
an outcome does to the place (seat, state, waiting list, e-mails) is decided by
``portal.enrolments.settling``, called with the enrolment locked. ``portal.payments`` sits above
``portal.enrolments`` and the latter imports nothing of it.

Each function runs inside the webhook's transaction (with the event id stored in it) and is
idempotent on its own as well: it looks at the payment's and enrolment's current state, so a
replayed, late or out-of-order event changes nothing that is already true. The browser's return
from Checkout never confirms anything.

Two different events for one payment can arrive in the same millisecond
(``checkout.session.completed`` and ``…async_payment_succeeded``, say). So every handler first
locks the enrolment, then the payment, and only then reads what it decides on
(:func:`_locked`); a ``Payment`` loaded before the lock is never trusted. The lock order, enrolment
before its payments, is the one every writer of an enrolment's payments keeps (``paying``,
``cancelling``, here, and ``portal.enrolments.enrolling``).
"""

from __future__ import annotations

import logging
import re

from django.utils import timezone

from portal.enrolments import enrolling, settling
from portal.enrolments.models import Enrolment, EnrolmentTransition
from portal.enrolments.tasks import Email, enrolment_email
from portal.payments import refunds
from portal.payments.models import Payment

logger = logging.getLogger(__name__)

Outcome = str
Reason = EnrolmentTransition.SystemReason

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
    paid = settling.enrolment_paid(
        enrolment=enrolment,
        payment_method=Enrolment.PaymentMethod.STRIPE,
        reason=f"{Reason.PAID_ONLINE} ({payment.checkout_session_id})",
    )
    if paid == settling.Paid.CONFIRMED:
        return "confirmed"
    outcome = _refund_unwanted(payment, enrolment, paid.value)
    if paid == settling.Paid.SEAT_GONE:
        enrolment_email(enrolment=enrolment, email=Email.LATE_PAYMENT_REFUNDED)
    return outcome


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
    if not settling.enrolment_payment_failed(
        enrolment=enrolment, reason=Reason.DELAYED_PAYMENT_FAILED
    ):
        return f"payment failed; enrolment {enrolment.state}"
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
    if not settling.hold_end_unpaid(enrolment=enrolment, reason=Reason.CHECKOUT_EXPIRED):
        return "expired; hold kept until its own end"
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
    settling.enrolment_refunded(
        enrolment=enrolment,
        refunded_cents=_refunded_total(enrolment),
        reason=f"{Reason.REFUND_CONFIRMED} ({payment.payment_intent_id})",
        ended_reason=Reason.REFUNDED_IN_STRIPE,
    )
    return "refund recorded"


def _payment_processing(payment: Payment, enrolment: Enrolment) -> Outcome:
    if payment.status != Payment.Status.OPEN:
        payment.save(update_fields=["payment_intent_id", "updated_at"])
        return f"ignored: payment {payment.status}"
    payment.status = Payment.Status.PROCESSING
    payment.save()
    pending = settling.enrolment_payment_pending(
        enrolment=enrolment,
        payment_method=Enrolment.PaymentMethod.STRIPE,
        reason=f"{Reason.DELAYED_PAYMENT_UNDER_WAY} ({payment.checkout_session_id})",
    )
    if pending == settling.Pending.NOT_WAITING:
        return f"processing; enrolment {enrolment.state}"
    if pending == settling.Pending.SEAT_GONE:
        # Nothing is paid yet; when it succeeds, _payment_fulfil refunds it.
        return "processing; seat gone"
    return "awaiting payment"


def _refund_unwanted(payment: Payment, enrolment: Enrolment, why: str) -> Outcome:
    """Refund a payment that buys nothing: a task enqueued in the webhook's transaction asks
    Stripe once it commits, and again while Stripe fails (``refunds.refund_later``); its
    idempotency key makes a second run refund nothing more."""
    refunds.refund_later(payment=payment, amount_cents=payment.amount_cents, reason=why)
    return f"refunding: {why}"


def _refunded_total(enrolment: Enrolment) -> int:
    return sum(payment.amount_refunded_cents for payment in enrolment.payments.all())


def _locked(payment_pk: int | None) -> tuple[Payment, Enrolment] | None:
    """Lock the payment's enrolment (after its start moment: ``enrolling.enrolment_lock``), then
    the payment, and read both as they are now.

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
    enrolment = enrolling.enrolment_lock(enrolment_pk)
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
