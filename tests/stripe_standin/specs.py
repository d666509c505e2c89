"""The parameters each stand-in endpoint accepts: exactly what the portal sends, nothing more.

``tests/payments/test_standin_contract.py`` checks every path here against the stripe package's
own typed params, so the stand-in cannot accept a parameter that real Stripe would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .forms import Choice, MapOf, Required

# Checkout's locales (stripe.params.checkout.SessionCreateParams["locale"]).
CHECKOUT_LOCALES = (
    "auto", "bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr",
    "fr-CA", "hi-IN", "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl",
    "pt", "pt-BR", "ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW",
)  # fmt: skip

# The payment methods the hosted test page can simulate.
PAYMENT_METHODS = ("card", "ideal", "bancontact", "sepa_debit")

_requested = {"requested": bool}

CHECKOUT_SESSION_CREATE: dict[str, Any] = {
    "mode": Required(Choice("payment")),
    "line_items": Required(
        [
            {
                "price_data": Required(
                    {
                        "currency": Required(str),
                        "unit_amount": Required(int),
                        "product_data": Required({"name": Required(str), "description": str}),
                    }
                ),
                "quantity": Required(int),
            }
        ]
    ),
    "success_url": Required(str),
    "cancel_url": str,
    "customer_email": str,
    "client_reference_id": str,
    "locale": Choice(*CHECKOUT_LOCALES),
    "metadata": MapOf(str),
    "expires_at": int,
    "allowed_payment_method_types": [Choice(*PAYMENT_METHODS)],
    "payment_intent_data": {
        "transfer_data": {"destination": Required(str)},
        "application_fee_amount": int,
        "metadata": MapOf(str),
        "description": str,
    },
}

CHECKOUT_SESSION_RETRIEVE: dict[str, Any] = {"expand": [Choice("payment_intent")]}

CHECKOUT_SESSION_EXPIRE: dict[str, Any] = {}

REFUND_CREATE: dict[str, Any] = {
    "payment_intent": Required(str),
    "amount": int,
    "reason": Choice("duplicate", "fraudulent", "requested_by_customer"),
    "metadata": MapOf(str),
    "reverse_transfer": bool,
    "refund_application_fee": bool,
}

ACCOUNT_CREATE: dict[str, Any] = {
    "type": Required(Choice("express")),
    "country": str,
    "email": str,
    "business_type": Choice("individual", "company", "non_profit", "government_entity"),
    "business_profile": {"name": str, "url": str, "mcc": str},
    "capabilities": {
        "card_payments": _requested,
        "transfers": _requested,
        "ideal_payments": _requested,
        "bancontact_payments": _requested,
        "sepa_debit_payments": _requested,
    },
    "metadata": MapOf(str),
    "default_currency": str,
}

ACCOUNT_RETRIEVE: dict[str, Any] = {}

ACCOUNT_LINK_CREATE: dict[str, Any] = {
    "account": Required(str),
    "refresh_url": Required(str),
    "return_url": Required(str),
    "type": Required(Choice("account_onboarding")),
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # with {placeholders}
    spec: dict[str, Any]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/checkout/sessions", CHECKOUT_SESSION_CREATE),
    Endpoint("GET", "/v1/checkout/sessions/{session}", CHECKOUT_SESSION_RETRIEVE),
    Endpoint("POST", "/v1/checkout/sessions/{session}/expire", CHECKOUT_SESSION_EXPIRE),
    Endpoint("POST", "/v1/refunds", REFUND_CREATE),
    Endpoint("POST", "/v1/accounts", ACCOUNT_CREATE),
    Endpoint("GET", "/v1/accounts/{account}", ACCOUNT_RETRIEVE),
    Endpoint("POST", "/v1/account_links", ACCOUNT_LINK_CREATE),
)
