"""Stripe's webhook: verify the signature on the raw body, act once per event, answer quickly.

The event id is stored in the same transaction as the event's effect, so a replay (Stripe retries,
or someone resends) finds it and does nothing. Events Stripe may send that the portal does not use
are acknowledged with 200 and ignored. Order does not matter: each handler looks at the current
state of the payment and enrolment (``portal.payments.fulfilment``), read under their locks.
Stripe's signature check itself is made in ``portal.payments.gateway``.

A signature proves who sent an event, not that it is well formed: an event of a handled type
whose fields are not what the handler reads (``event_check``) answers 400 and changes nothing,
and so does a signature whose timestamp lies outside the tolerance, in the past or the future.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal.payments import connect, fulfilment, gateway
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


# Stripe's own default: a signature more than five minutes away from now is refused.
TOLERANCE_SECONDS = 300

# What each handler reads of ``data.object``: field -> the types it may have (None: may be
# absent or null). Strings are at most 255 characters without NUL (the longest column they meet).
_TEXT, _ID, _COUNT, _FLAG, _METADATA = "text", "id", "count", "flag", "metadata"
_SESSION = {"id": (_TEXT,), "payment_status": (_TEXT, None), "payment_intent": (_ID, None)}
_ACCOUNT = {
    "id": (_TEXT,),
    "charges_enabled": (_FLAG, None),
    "payouts_enabled": (_FLAG, None),
    "details_submitted": (_FLAG, None),
}
_CHARGE = {
    "payment_intent": (_ID, None),
    "amount_refunded": (_COUNT,),
    "refunded": (_FLAG, None),
    "metadata": (_METADATA, None),
}
SHAPES: dict[str, dict[str, tuple[str | None, ...]]] = {
    "checkout.session.completed": _SESSION,
    "checkout.session.async_payment_succeeded": _SESSION,
    "checkout.session.async_payment_failed": _SESSION,
    "checkout.session.expired": _SESSION,
    "charge.refunded": _CHARGE,
    "account.updated": _ACCOUNT,
}
MAX_TEXT = 255


class InvalidSignature(Exception):
    pass


class MalformedEvent(ValueError):
    """Validly signed, but not an event the portal can act on safely."""


def event_verify(payload: bytes, signature: str, *, now: float | None = None) -> dict:
    """The event, if ``signature`` is a valid signature of ``payload`` by one of our endpoint
    secrets made within ``TOLERANCE_SECONDS`` of now (either way); else ``InvalidSignature``.
    A signed payload that is not a well-formed event raises ``MalformedEvent``."""
    if not signature or not settings.STRIPE_WEBHOOK_SECRETS:
        raise InvalidSignature("no signature or no secret configured")
    text = payload.decode("utf-8")
    for secret in settings.STRIPE_WEBHOOK_SECRETS:
        if not gateway.webhook_signature_valid(
            payload=text, signature=signature, secret=secret, tolerance_seconds=TOLERANCE_SECONDS
        ):
            continue
        # Stripe's check refuses only old timestamps; one from the future is as suspect.
        if _timestamp(signature) > (now or time.time()) + TOLERANCE_SECONDS:
            raise InvalidSignature("timestamp in the future")
        try:
            event = json.loads(text)
        except (RecursionError, ValueError) as exc:
            raise MalformedEvent(f"not JSON: {type(exc).__name__}") from None
        event_check(event)
        return event
    raise InvalidSignature("no secret matches")


def event_check(event: object) -> None:
    """Refuse (``MalformedEvent``) an event whose envelope, or, for a handled type, whose object
    is not what the handlers read. Unknown types need only an envelope: they are ignored."""
    if not isinstance(event, dict):
        raise MalformedEvent("not an object")
    event_id, event_type, data = event.get("id"), event.get("type"), event.get("data")
    if not _is_text(event_id) or not event_id or not _is_text(event_type):
        raise MalformedEvent("no usable id or type")
    shape = SHAPES.get(event_type)
    if shape is None:
        return
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise MalformedEvent("no data.object")
    obj = data["object"]
    for field, kinds in shape.items():
        value = obj.get(field)
        if not any(_is_kind(value, kind) for kind in kinds):
            raise MalformedEvent(f"data.object.{field} is not usable")


def _is_kind(value: object, kind: str | None) -> bool:
    if kind is None:
        return value is None
    if kind == _TEXT:
        return _is_text(value) and bool(value)
    if kind == _ID:
        return _is_text(value) or (isinstance(value, dict) and _is_text(value.get("id")))
    if kind == _COUNT:
        return type(value) is int and 0 <= value < 2**31  # the cents columns
    if kind == _FLAG:
        return isinstance(value, bool)
    if kind == _METADATA:
        return isinstance(value, dict) and all(
            _is_text(key) and _is_text(item) for key, item in value.items()
        )
    raise AssertionError(kind)


def _is_text(value: object) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT and "\x00" not in value


def _timestamp(signature: str) -> int:
    """The first ``t=`` of a ``Stripe-Signature`` header, the one Stripe's check verified."""
    for item in signature.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value)
    raise InvalidSignature("no timestamp")


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
    except MalformedEvent as exc:
        logger.warning("Stripe webhook: signed but malformed event refused: %s", exc)
        return HttpResponseBadRequest("malformed event")
    except (InvalidSignature, UnicodeDecodeError, ValueError) as exc:
        logger.warning("Stripe webhook refused: %s", exc)
        return HttpResponseBadRequest("invalid signature")
    outcome = event_process(event)
    logger.info("Stripe event %s (%s): %s", event.get("id"), event.get("type"), outcome)
    return HttpResponse(outcome, content_type="text/plain")
