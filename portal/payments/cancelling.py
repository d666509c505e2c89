"""A learner gives up a place: the seat is freed at once and the refund follows the rules.

It lives in ``portal.payments`` because it needs both sides: the refund and the open Checkout
Sessions (here) and the place (``portal.enrolments.settling.enrolment_cancel``, called with the
enrolment locked). The lock order is the one of every writer of an enrolment's payments: the
enrolment, then (by reading them under its lock) its payments."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.enrolments import enrolling, rules, settling
from portal.enrolments.enrolling import EnrolmentRefused
from portal.enrolments.models import Enrolment
from portal.payments import checkout, refunds
from portal.payments.client import PaymentsUnavailable
from portal.payments.models import Payment

logger = logging.getLogger(__name__)


def enrolment_cancel(*, enrolment: Enrolment, actor: User | None = None) -> rules.CancellationQuote:
    """Cancel ``enrolment`` as its learner, refunding what ``rules.cancellation_quote`` says.

    The refund is asked of Stripe first (idempotently), so a refusal there leaves the place as it
    was and says so (``EnrolmentRefused``); ``charge.refunded`` marks it refunded later.
    """
    if reason := rules.cancellation_refusal(enrolment):
        raise EnrolmentRefused(reason)
    quote = rules.cancellation_quote(enrolment)
    paid = enrolment.payments.filter(status=Payment.Status.PAID).first()
    open_payments = list(enrolment.payments.filter(status=Payment.Status.OPEN))
    refund_started = bool(quote.refund_cents and paid is not None)
    if refund_started:
        try:
            refunds.refund_create(
                payment=paid, amount_cents=quote.refund_cents, reason="cancelled by learner"
            )
        except PaymentsUnavailable:
            raise EnrolmentRefused(
                _("Your refund could not be started just now. Please try again in a few minutes.")
            ) from None
    with transaction.atomic():
        locked = enrolling.enrolment_lock(enrolment.pk)
        if refund_started and locked.state in rules.GIVEN_UP_STATES:
            # Stripe's charge.refunded overtook us and ended the place already; it also told the
            # learner, "cancelled" before "refunded" (``settling.enrolment_refunded``).
            enrolment.refresh_from_db()
            return quote
        if locked.state not in rules.CANCELLABLE_STATES:
            raise EnrolmentRefused(_("This enrolment can no longer be cancelled."))
        paid_now = locked.payments.filter(status=Payment.Status.PAID).first()
        if (locked.state, paid_now) != (enrolment.state, paid):
            # A payment arrived (or the place changed) between the quote and the lock: the
            # refund above was worked out on what no longer holds, so nothing is decided on it.
            raise EnrolmentRefused(
                _("Your enrolment changed just now. Please look at it and try again.")
            )
        settling.enrolment_cancel(enrolment=locked, quote=quote, actor=actor)
    for payment in open_payments:
        try:
            checkout.checkout_session_expire(payment)
        except PaymentsUnavailable:
            logger.warning("Could not close %s; it expires by itself", payment)
    enrolment.refresh_from_db()
    return quote
