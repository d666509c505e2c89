"""The one module that talks to Stripe: every call to the ``stripe`` library goes through here.

The rest of ``portal.payments`` (Checkout, refunds, Connect, the webhook) decides what to ask and
what the answer means; this module builds the client from settings, makes the call and turns
Stripe's errors into ``PaymentsUnavailable``. It answers with plain values (ids, addresses,
dicts), so nothing above it holds a Stripe object. One seam for tests, and for a later change of
payment provider (style.md point 6).

``STRIPE_API_BASE`` points the official client at the test suite's stand-in instead of
api.stripe.com; it is only set for tests and for `make run` without keys.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

import stripe
from django.conf import settings

from portal.payments.client import PaymentsUnavailable, payments_enabled

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckoutSession:
    """What the portal keeps of a Checkout Session Stripe opened."""

    id: str
    url: str
    expires_at: datetime.datetime


def stripe_client() -> stripe.StripeClient:
    if not payments_enabled():
        raise PaymentsUnavailable("STRIPE_SECRET_KEY is not set")
    base = settings.STRIPE_API_BASE
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": base, "connect": base, "files": base} if base else None,
        max_network_retries=2,
    )


def checkout_session_create(*, params: dict, idempotency_key: str) -> CheckoutSession:
    """Open a Checkout Session; ``PaymentsUnavailable`` when Stripe is unreachable or refuses."""
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params, {"idempotency_key": idempotency_key}
        )
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return CheckoutSession(
        id=session.id,
        url=session.url,
        expires_at=datetime.datetime.fromtimestamp(session.expires_at, tz=datetime.UTC),
    )


def checkout_session_expire(*, session_id: str) -> bool:
    """Close an open Checkout Session. False when it was no longer open (already completed or
    expired: its own event tells what happened); ``PaymentsUnavailable`` on other errors."""
    try:
        stripe_client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError:
        logger.info("Checkout Session %s was no longer open", session_id)
        return False
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return True


def refund_create(*, params: dict, idempotency_key: str) -> str:
    """Make a refund; returns its id. ``PaymentsUnavailable`` when Stripe is unreachable or
    refuses."""
    try:
        refund = stripe_client().v1.refunds.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return refund.id


def account_create(*, params: dict, idempotency_key: str) -> str:
    """Create a connected account; returns its id."""
    try:
        created = stripe_client().v1.accounts.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return created.id


def account_link_create(*, params: dict) -> str:
    """An onboarding link for a connected account; returns its address."""
    try:
        link = stripe_client().v1.account_links.create(params)
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return link.url


def account_retrieve(*, account_id: str) -> dict:
    """What Stripe says about a connected account now, as a plain dict."""
    try:
        remote = stripe_client().v1.accounts.retrieve(account_id)
    except stripe.StripeError as exc:
        raise PaymentsUnavailable(str(exc)) from exc
    return remote.to_dict()


def webhook_signature_valid(
    *, payload: str, signature: str, secret: str, tolerance_seconds: int
) -> bool:
    """Is ``signature`` (a ``Stripe-Signature`` header) a valid signature of ``payload`` by
    ``secret``, made no longer than ``tolerance_seconds`` ago? Stripe's own check."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=tolerance_seconds
        )
    except stripe.SignatureVerificationError:
        return False
    return True
