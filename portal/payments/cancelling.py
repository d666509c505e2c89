"""A learner gives up a place: the seat is freed at once and the refund follows the rules.

It lives in ``portal.payments`` because it needs both sides: the refund and the open Checkout
Sessions (here) and the place (``portal.enrolments.settling.enrolment_cancel``, called with the
enrolment locked). The lock order is the one of every writer of an enrolment's payments: the
enrolment, then (by reading them under its lock) its payments. The refund is a task enqueued in
the cancellation's transaction (``refunds.refund_later``)."""

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

    The place ends and its refund is enqueued in one transaction (``refunds.refund_later``):
    Stripe is asked once it commits, and again while Stripe fails, so a Stripe outage neither
    refuses the learner nor loses the refund; ``charge.refunded`` marks the place refunded.
    """
    if reason := rules.cancellation_refusal(enrolment):
        raise EnrolmentRefused(reason)
    quote = rules.cancellation_quote(enrolment)
    paid = enrolment.payments.filter(status=Payment.Status.PAID).first()
    with transaction.atomic():
        locked = enrolling.enrolment_lock(enrolment.pk)
        if locked.state not in rules.CANCELLABLE_STATES:
            raise EnrolmentRefused(_("This enrolment can no longer be cancelled."))
        paid_now = locked.payments.filter(status=Payment.Status.PAID).first()
        if (locked.state, paid_now) != (enrolment.state, paid):
            # A payment arrived (or the place changed) between the quote and the lock: the
            # quote was worked out on what no longer holds, so nothing is decided on it.
            raise EnrolmentRefused(
                _("Your enrolment changed just now. Please look at it and try again.")
            )
        settling.enrolment_cancel(enrolment=locked, quote=quote, actor=actor)
        if quote.refund_cents and paid_now is not None:
            refunds.refund_later(
                payment=paid_now, amount_cents=quote.refund_cents, reason="cancelled by learner"
            )
        open_payments = list(locked.payments.filter(status=Payment.Status.OPEN))
    for payment in open_payments:
        try:
            checkout.checkout_session_expire(payment)
        except PaymentsUnavailable:
            logger.warning("Could not close %s; it expires by itself", payment)
    enrolment.refresh_from_db()
    return quote
