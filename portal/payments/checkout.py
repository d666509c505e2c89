"""Stripe Checkout Sessions for enrolments (destination charges to the provider): what is asked
of Stripe and what is stored. The calls themselves go through ``portal.payments.gateway``.

Every call carries an idempotency key derived from what it is for (the enrolment's payment
attempt), so a retry after a time-out never charges twice. Refunds are in ``refunds``.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.enrolments.models import Enrolment
from portal.payments import gateway
from portal.payments.client import PaymentsUnavailable
from portal.payments.models import ConnectedAccount, Payment

logger = logging.getLogger(__name__)

# Stripe lets a Checkout Session live 30 minutes at least and 24 hours at most.
CHECKOUT_MIN_LIFETIME = datetime.timedelta(minutes=31)
CHECKOUT_MAX_LIFETIME = datetime.timedelta(hours=23, minutes=59)
# Stripe refuses an idempotency key it knows with other parameters, for 24 hours: the learner
# could then not pay at all. The key holds a digest of the parameters, so a retry that differs
# (a later end, a page in another language) asks for a new session instead of failing; the end
# is rounded up to this step, so a retry soon after is the same request and gets the same one.
CHECKOUT_EXPIRY_STEP = 300
# Checkout's own locales that the portal's languages map to; Checkout has no Arabic, Persian
# or Tigrinya, so those readers get English (issue 18).
CHECKOUT_LOCALES = {"nl": "nl", "en": "en", "tr": "tr"}
CHECKOUT_FALLBACK_LOCALE = "en"


def learner_language(enrolment: Enrolment) -> str:
    """The learner's language (as they last chose it on the site, else the page's)."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    if enrolment.user is not None:
        language = enrolment.user.language_or(language)
    return language


def checkout_locale(enrolment: Enrolment) -> str:
    """Checkout's language: the learner's where Checkout has it, else English."""
    return CHECKOUT_LOCALES.get(learner_language(enrolment), CHECKOUT_FALLBACK_LOCALE)


class ProviderCannotSellOnline(Exception):
    """The provider has no connected Stripe account that can take payments yet."""


def payment_methods() -> list[str]:
    methods = list(settings.STRIPE_PAYMENT_METHODS)
    if settings.STRIPE_SEPA_DEBIT and "sepa_debit" not in methods:
        methods.append("sepa_debit")
    return methods


def ready_account_for(provider_id: int) -> ConnectedAccount | None:
    account = ConnectedAccount.objects.filter(provider_id=provider_id).first()
    return account if account is not None and account.is_ready else None


def application_fee_cents(amount_cents: int) -> int:
    return amount_cents * settings.PLATFORM_FEE_BASIS_POINTS // 10_000


def checkout_session_create(
    *, enrolment: Enrolment, success_url: str, cancel_url: str, hold_until: datetime.datetime
) -> Payment:
    """Open a Checkout Session for ``enrolment`` that lives at least until ``hold_until``.

    Raises ``ProviderCannotSellOnline`` or ``PaymentsUnavailable`` (Stripe unreachable or
    refusing); nothing is stored then.
    """
    account = ready_account_for(enrolment.start_moment.offering.provider_id)
    if account is None:
        raise ProviderCannotSellOnline
    now = timezone.now()
    expires_at = _rounded_up(
        min(max(hold_until, now + CHECKOUT_MIN_LIFETIME), now + CHECKOUT_MAX_LIFETIME)
    )
    attempt = enrolment.payments.count() + 1
    fee = application_fee_cents(enrolment.price_cents)
    with translation.override(learner_language(enrolment)):
        # In the learner's language whatever page asked: a retry sends the same words.
        line_description = _("%(provider)s, start %(date)s, %(place)s") % {
            "provider": enrolment.provider_name,
            "date": enrolment.starts_on.strftime("%d-%m-%Y"),
            "place": enrolment.location_text,
        }
    metadata = {"enrolment": enrolment.reference, "attempt": str(attempt)}
    payment_intent_data = {
        "transfer_data": {"destination": account.stripe_account_id},
        "metadata": metadata,
        "description": f"{enrolment.reference} {enrolment.offering_title}"[:500],
    }
    if fee:
        payment_intent_data["application_fee_amount"] = fee
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": enrolment.price_cents,
                    "product_data": {
                        "name": enrolment.offering_title[:250],
                        "description": line_description,
                    },
                },
                "quantity": 1,
            }
        ],
        "allowed_payment_method_types": payment_methods(),
        "customer_email": enrolment.learner_email,
        "client_reference_id": enrolment.reference,
        "locale": checkout_locale(enrolment),
        "metadata": metadata,
        "expires_at": expires_at,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "payment_intent_data": payment_intent_data,
    }
    try:
        session = gateway.checkout_session_create(
            params=params,
            idempotency_key=f"enrolment-{enrolment.pk}-attempt-{attempt}-{_digest(params)}",
        )
    except PaymentsUnavailable as exc:
        logger.warning("Checkout Session for %s refused: %s", enrolment.reference, exc)
        raise
    return Payment.objects.create(
        enrolment=enrolment,
        attempt=attempt,
        checkout_session_id=session.id,
        checkout_url=session.url,
        amount_cents=enrolment.price_cents,
        application_fee_cents=fee,
        destination_account=account.stripe_account_id,
        expires_at=session.expires_at,
    )


def _digest(params: dict) -> str:
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _rounded_up(moment: datetime.datetime) -> int:
    """``moment`` as a Unix time rounded up to ``CHECKOUT_EXPIRY_STEP`` (never past Stripe's
    24 hours: the maximum lifetime leaves more than a step's room)."""
    seconds = int(moment.timestamp())
    return -(-seconds // CHECKOUT_EXPIRY_STEP) * CHECKOUT_EXPIRY_STEP


def checkout_session_expire(payment: Payment) -> None:
    """Close an open Checkout Session (the learner let the place go); Stripe's own
    ``checkout.session.expired`` event then follows. One no longer open is left alone: its own
    event tells what happened. Raises ``PaymentsUnavailable`` when Stripe cannot be reached."""
    gateway.checkout_session_expire(session_id=payment.checkout_session_id)
