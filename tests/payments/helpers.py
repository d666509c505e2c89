"""Helpers shared by the payment tests."""

from __future__ import annotations

from portal.enrolments.models import Enrolment
from portal.payments import checkout
from portal.payments.models import Payment


def checkout_open(enrolment: Enrolment) -> Payment:
    """A Checkout Session for ``enrolment`` at the stand-in, held as long as the enrolment."""
    return checkout.checkout_session_create(
        enrolment=enrolment,
        success_url="http://testserver/done?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="http://testserver/back",
        hold_until=enrolment.hold_expires_at,
    )
