"""Whether online payment is on, and in test mode: read from settings, without calling Stripe.

Without ``STRIPE_SECRET_KEY`` online payment is off (``payments_enabled``). The Stripe client
itself is built, and every call made, in ``portal.payments.gateway``.
"""

from __future__ import annotations

from django.conf import settings


class PaymentsUnavailable(Exception):
    """Online payment is not configured, or Stripe could not be reached."""


def payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def is_test_mode() -> bool:
    """True for Stripe test keys and the stand-in: pages then say that no real money moves."""
    return bool(settings.STRIPE_API_BASE) or settings.STRIPE_SECRET_KEY.startswith("sk_test_")
