"""Reads of the learner's payments for their pages: receipts, and whether a payment is under way.

``RECEIPT_STATUSES`` is the one definition of a payment that has a receipt (also counted by the
contract managers' figures, ``contracts.reporting``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from portal.enrolments import selectors as enrolment_selectors
from portal.enrolments.models import Enrolment
from portal.payments.models import Payment

if TYPE_CHECKING:
    from portal.accounts.models import User

RECEIPT_STATUSES = (Payment.Status.PAID, Payment.Status.REFUNDED)


def enrolments_of(*, user: User) -> QuerySet[Enrolment]:
    """The user's enrolments, newest first, with whether a receipt exists (no query per row)."""
    paid = Payment.objects.filter(enrolment=OuterRef("pk"), status__in=RECEIPT_STATUSES)
    return enrolment_selectors.enrolments_of(user=user).annotate(has_receipt=Exists(paid))


def receipt_payment(enrolment: Enrolment) -> Payment | None:
    """The payment a receipt is for: the paid (or since refunded) one."""
    payments = enrolment.payments.filter(status__in=RECEIPT_STATUSES)
    return (
        payments.filter(status=Payment.Status.PAID).order_by("paid_at", "pk").first()
        or payments.order_by("paid_at", "pk").first()
    )


def payment_started(enrolment: Enrolment) -> bool:
    """Did the learner start an online payment that may still be on its way to us?"""
    return enrolment.payments.filter(
        status__in=[Payment.Status.OPEN, Payment.Status.PROCESSING, Payment.Status.PAID]
    ).exists()
