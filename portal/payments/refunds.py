"""Refunds of enrolments' payments: the transfer to the provider and the platform fee go back too.

Every refund carries an idempotency key derived from the payment and the amount, so a retry
after a time-out never refunds twice. ``charge.refunded`` confirms it later (``fulfilment``).
"""

from __future__ import annotations

import logging

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
