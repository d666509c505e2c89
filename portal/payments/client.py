"""The one place the portal builds its Stripe client.

Without ``STRIPE_SECRET_KEY`` online payment is off (``payments_enabled``). ``STRIPE_API_BASE``
points the official client at the test suite's stand-in instead of api.stripe.com; it is only set
for tests and for `make run` without keys.
"""

from __future__ import annotations

import stripe
from django.conf import settings


class PaymentsUnavailable(Exception):
    """Online payment is not configured, or Stripe could not be reached."""


def payments_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def is_test_mode() -> bool:
    """True for Stripe test keys and the stand-in: pages then say that no real money moves."""
    return bool(settings.STRIPE_API_BASE) or settings.STRIPE_SECRET_KEY.startswith("sk_test_")


def stripe_client() -> stripe.StripeClient:
    if not payments_enabled():
        raise PaymentsUnavailable("STRIPE_SECRET_KEY is not set")
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base, "connect": base, "files": base} if base else None,
        max_network_retries=2,
    )
