"""Stripe's webhook: verify the signature on the raw body, act once per event, answer quickly.

The event id is stored in the same transaction as the event's effect, so a replay (Stripe retries,
or someone resends) finds it and does nothing. Events Stripe may send that the portal does not use
are acknowledged with 200 and ignored. Order does not matter: each handler looks at the current
state of the payment and enrolment (``portal.enrolments.fulfilment``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.enrolments import fulfilment
from portal.payments import connect
from portal.payments.models import ConnectedAccount, StripeEvent

logger = logging.getLogger(__name__)


def _account_updated(account: dict) -> str:
    if not ConnectedAccount.objects.filter(stripe_account_id=account.get("id")).exists():
        return "unknown account"
    connect.account_status_store(account)
    return "account updated"


HANDLERS: dict[str, Callable[[dict], str]] = {
    "checkout.session.completed": fulfilment.checkout_completed,
    "checkout.session.async_payment_succeeded": fulfilment.checkout_completed,
    "checkout.session.async_payment_failed": fulfilment.checkout_async_failed,
    "checkout.session.expired": fulfilment.checkout_expired,
    "charge.refunded": fulfilment.charge_refunded,
    "account.updated": _account_updated,
}


class InvalidSignature(Exception):
    pass


def event_verify(payload: bytes, signature: str) -> dict:
    """The event, if ``signature`` is a fresh, valid signature of ``payload`` by one of our
    endpoint secrets; else ``InvalidSignature``."""
    if not signature or not settings.STRIPE_WEBHOOK_SECRETS:
        raise InvalidSignature("no signature or no secret configured")
    text = payload.decode("utf-8")
    for secret in settings.STRIPE_WEBHOOK_SECRETS:
        try:
            stripe.WebhookSignature.verify_header(text, signature, secret, tolerance=300)
        except stripe.SignatureVerificationError:
            continue
        return json.loads(text)
    raise InvalidSignature("no secret matches")


def event_process(event: dict) -> str:
    """Apply ``event`` once. Returns what happened (for the log and the response)."""
    event_id, event_type = event.get("id"), event.get("type", "")
    handler = HANDLERS.get(event_type)
    if not event_id or handler is None:
        return "ignored"
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(event_id=event_id, type=event_type)
            outcome = handler(event["data"]["object"])
            record.outcome = outcome[:200]
            record.save(update_fields=["outcome"])
    except IntegrityError:
        if StripeEvent.objects.filter(event_id=event_id).exists():
            return "duplicate"
        raise
    return outcome


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        event = event_verify(request.body, request.headers.get("Stripe-Signature", ""))
    except (InvalidSignature, UnicodeDecodeError, ValueError) as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    outcome = event_process(event)
    logger.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return HttpResponse(outcome, content_type="text/plain")
