"""Starting an online payment for a held place: one Checkout Session, and the seat kept while
Stripe's page is open (a hold lasting past the session's end is never shortened).

It lives in ``portal.payments`` because it needs both sides: the Checkout Session (here) and
the hold on the seat (``portal.enrolments.enrolling.hold_keep_until``, which locks the
enrolment and decides on what it reads then). ``portal.enrolments`` imports nothing of
payments."""

from __future__ import annotations

import contextlib
import datetime

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments import checkout
from portal.payments.client import PaymentsUnavailable
from portal.payments.models import Payment
from providers.seats import StartMomentFull

# Stripe keeps a Checkout Session open for 30 minutes at least; the seat is held as long.
CHECKOUT_HOLD = datetime.timedelta(minutes=31)


def open_payment(enrolment: Enrolment, *, now: datetime.datetime | None = None) -> Payment | None:
    """A Checkout Session of this enrolment that the learner can still finish, if any."""
    return (
        enrolment.payments.filter(status=Payment.Status.OPEN, expires_at__gt=now or timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )


def payment_start(*, enrolment: Enrolment, success_url: str, cancel_url: str) -> Payment:
    """The open Checkout Session of ``enrolment``, or a new one with the seat held until it ends.

    Raises ``EnrolmentRefused`` (no longer held), ``seats.StartMomentFull`` (the seat went),
    ``checkout.ProviderCannotSellOnline`` or ``PaymentsUnavailable``.
    """
    now = timezone.now()
    if enrolment.state != Enrolment.State.HELD or enrolling.hold_has_expired(enrolment, now=now):
        raise enrolling.EnrolmentRefused(_("This enrolment is no longer waiting for a payment."))
    existing = open_payment(enrolment, now=now)
    if existing is not None:
        return existing
    try:
        payment = checkout.checkout_session_create(
            enrolment=enrolment,
            success_url=success_url,
            cancel_url=cancel_url,
            hold_until=max(now + CHECKOUT_HOLD, enrolment.hold_expires_at or now),
        )
    except IntegrityError:
        # A parallel click stored the same attempt first: use that one.
        payment = open_payment(enrolment)
        if payment is None:
            raise
        return payment
    keep_until = max(payment.expires_at, enrolment.hold_expires_at or payment.expires_at)
    try:
        enrolling.hold_keep_until(enrolment_id=enrolment.pk, until=keep_until)
    except (enrolling.EnrolmentRefused, StartMomentFull):
        # If Stripe cannot be reached the session expires by itself; its webhook tidies up.
        with contextlib.suppress(PaymentsUnavailable):
            checkout.checkout_session_expire(payment)
        raise
    return payment
