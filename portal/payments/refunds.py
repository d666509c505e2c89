"""Refunds of enrolments' payments: the transfer to the provider and the platform fee go back too.

Every refund carries an idempotency key derived from the payment and the amount, so a retry
after a time-out never refunds twice. ``charge.refunded`` confirms it later (``fulfilment``).

The portal's own refunds (a cancellation, a payment that buys nothing) are a durable task,
``refund_later``, enqueued in the transaction of the change that decides them: the refund is
asked of Stripe once that commits and again, with the same key, while Stripe fails
(``PAYMENT_RETRY``: all attempts within the 24 hours Stripe keeps a key).
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.core.money import euros
from portal.core.tasks import PAYMENT_RETRY, PRIORITY_PEOPLE_WAIT, durable_task
from portal.payments import gateway
from portal.payments.client import PaymentsUnavailable
from portal.payments.models import Payment

logger = logging.getLogger(__name__)


def refund_create(*, payment: Payment, amount_cents: int, reason: str) -> str:
    """Refund ``amount_cents`` of a paid payment, reversing the transfer to the provider and the
    platform fee. Returns the refund's id; ``charge.refunded`` confirms it later."""
    try:
        return gateway.refund_create(
            params={
                "payment_intent": payment.payment_intent_id,
                "amount": amount_cents,
                "reverse_transfer": True,
                "refund_application_fee": True,
                "reason": "requested_by_customer",
                "metadata": {"enrolment": payment.enrolment.reference, "why": reason},
            },
            idempotency_key=f"refund-{payment.pk}-{amount_cents}",
        )
    except PaymentsUnavailable as exc:
        logger.error("Refund of %s failed: %s", payment.checkout_session_id, exc)
        raise


def _about(*, payment_id: int, amount_cents: int, **_kwargs: object) -> str:
    reference = (
        Payment.objects.filter(pk=payment_id).values_list("enrolment__reference", flat=True).first()
    )
    return _("Enrolment %(reference)s: %(amount)s") % {
        "reference": reference or f"#{payment_id}",
        "amount": euros(amount_cents),
    }


@durable_task(
    label=gettext_lazy("Refund through Stripe"),
    retry=PAYMENT_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def refund_task(*, payment_id: int, amount_cents: int, reason: str) -> str:
    """``refund_create`` for the payment as it is now; fails (to be retried) while Stripe does."""
    payment = Payment.objects.select_related("enrolment").get(pk=payment_id)
    return refund_create(payment=payment, amount_cents=amount_cents, reason=reason)


def refund_later(*, payment: Payment, amount_cents: int, reason: str) -> None:
    """Refund ``amount_cents`` of ``payment`` once the caller's transaction commits (the task is
    enqueued in it), retried while Stripe fails."""
    refund_task.enqueue(payment_id=payment.pk, amount_cents=amount_cents, reason=reason)
