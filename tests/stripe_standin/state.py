"""The stand-in's in-memory Stripe: objects, the state changes Stripe would make, and its events.

Every public method of :class:`State` takes ``self.lock``; callers that need several steps to be
atomic (the idempotency check plus the request it guards) hold the lock themselves (it is
re-entrant). Methods that change state return the :class:`EventRecord` s they created; delivering
them to a webhook endpoint is the server's job and happens outside the lock.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from .errors import StripeError, invalid, missing_reference, not_found
from .specs import PAYMENT_METHODS

API_VERSION = "2026-10-28.endive"

SESSION_MIN_LIFETIME = 30 * 60
SESSION_MAX_LIFETIME = 24 * 60 * 60
SESSION_DEFAULT_LIFETIME = SESSION_MAX_LIFETIME
ACCOUNT_LINK_LIFETIME = 300
MAX_AMOUNT = 99_999_999  # € 999.999,99: Stripe's upper limit for a single EUR payment
MAX_LINE_ITEMS = 100
CLIENT_REFERENCE_ID_MAX = 200

ASYNC_METHODS = frozenset({"sepa_debit"})
ACCOUNT_CAPABILITIES = (
    "card_payments",
    "transfers",
    "ideal_payments",
    "bancontact_payments",
    "sepa_debit_payments",
)
ONBOARDING_REQUIREMENTS = (
    "business_profile.mcc",
    "business_profile.url",
    "business_type",
    "external_account",
    "tos_acceptance.date",
    "tos_acceptance.ip",
)

_ALPHABET = string.ascii_letters + string.digits
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def random_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def format_amount(amount: int, currency: str) -> str:
    """Dutch notation: ``format_amount(125000, "eur")`` -> ``"€ 1.250,00"``."""
    units, cents = divmod(abs(amount), 100)
    grouped = f"{units:,}".replace(",", ".")
    symbol = "€" if currency.lower() == "eur" else currency.upper()
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol} {grouped},{cents:02d}"


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The API view of a stored object: a deep copy without the stand-in's ``_private`` keys."""
    return {key: copy.deepcopy(value) for key, value in obj.items() if not key.startswith("_")}


def _check_url(value: str | None, param: str) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("Not a valid URL", param=param, code="url_invalid")


def _check_email(value: str | None, param: str) -> None:
    if value is not None and not _EMAIL_RE.match(value):
        raise invalid(f"Invalid email address: {value}", param=param, code="email_invalid")


@dataclass(frozen=True)
class SignedEvent:
    """An event as a webhook endpoint receives it: exact body bytes and ``Stripe-Signature``."""

    id: str
    type: str
    payload: bytes
    signature: str

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "type": self.type,
            "payload": self.payload.decode("utf-8"),
            "signature": self.signature,
        }


@dataclass
class Delivery:
    """One POST of an event to ``webhook_url``: the HTTP status, or the connection error."""

    url: str
    signature: str
    status: int | None
    error: str | None
    at: float


@dataclass
class EventRecord:
    id: str
    type: str
    payload: bytes
    created: int
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.payload)

    @property
    def object(self) -> dict[str, Any]:
        return self.data["data"]["object"]

    @property
    def delivery_status(self) -> int | None:
        """HTTP status of the latest delivery (None: never delivered, or it failed to connect)."""
        return self.deliveries[-1].status if self.deliveries else None

    @property
    def delivery_error(self) -> str | None:
        return self.deliveries[-1].error if self.deliveries else None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "created": self.created,
            "payload": self.payload.decode("utf-8"),
            "deliveries": [
                {"url": d.url, "status": d.status, "error": d.error, "at": d.at}
                for d in self.deliveries
            ],
        }


@dataclass(frozen=True)
class RecordedRequest:
    """An API request as the stand-in saw it (after parsing), for assertions in tests."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    status: int
    replayed: bool = False


@dataclass
class StoredResponse:
    params: dict[str, Any]
    status: int
    body: bytes


class State:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.base_url = ""
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.sessions: dict[str, dict[str, Any]] = {}
            self.payment_intents: dict[str, dict[str, Any]] = {}
            self.charges: dict[str, dict[str, Any]] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.accounts: dict[str, dict[str, Any]] = {}
            self.account_links: dict[str, dict[str, Any]] = {}
            self.events: list[EventRecord] = []
            self.events_by_id: dict[str, EventRecord] = {}
            self.idempotency: dict[tuple[str, str], StoredResponse] = {}
            self.requests: list[RecordedRequest] = []
            self.clock_offset = 0
            # API path -> how many more requests to it fail as if Stripe were down.
            self.outages: dict[str, int] = {}

    def now(self) -> int:
        return int(time.time()) + self.clock_offset

    # -- events ---------------------------------------------------------------------------------

    def _emit(self, type_: str, obj: dict[str, Any], *, account: str | None = None) -> EventRecord:
        event: dict[str, Any] = {"id": random_id("evt_"), "object": "event"}
        if account is not None:
            event["account"] = account
        event.update(
            {
                "api_version": API_VERSION,
                "created": self.now(),
                "data": {"object": public(obj)},
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "type": type_,
            }
        )
        payload = json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")
        record = EventRecord(id=event["id"], type=type_, payload=payload, created=event["created"])
        self.events.append(record)
        self.events_by_id[record.id] = record
        return record

    def event(self, event_id: str) -> EventRecord:
        with self.lock:
            try:
                return self.events_by_id[event_id]
            except KeyError:
                raise not_found("event", event_id, param="id") from None

    # -- checkout sessions ----------------------------------------------------------------------

    def create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            currency, amount_total = self._check_line_items(params["line_items"])
            _check_url(params["success_url"], "success_url")
            _check_url(params.get("cancel_url"), "cancel_url")
            _check_email(params.get("customer_email"), "customer_email")
            reference = params.get("client_reference_id")
            if reference is not None and len(reference) > CLIENT_REFERENCE_ID_MAX:
                raise invalid(
                    f"client_reference_id can be at most {CLIENT_REFERENCE_ID_MAX} characters",
                    param="client_reference_id",
                )
            expires_at = params.get("expires_at", now + SESSION_DEFAULT_LIFETIME)
            if expires_at - now < SESSION_MIN_LIFETIME:
                raise invalid(
                    "The `expires_at` timestamp must be at least 30 minutes from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
            if expires_at - now > SESSION_MAX_LIFETIME:
                raise invalid(
                    "The `expires_at` timestamp must be less than 24 hours from Checkout "
                    "Session creation.",
                    param="expires_at",
                )
            intent_data = params.get("payment_intent_data", {})
            self._check_payment_intent_data(intent_data, amount_total)
            methods = list(dict.fromkeys(params.get("allowed_payment_method_types", ["card"])))

            session_id = random_id("cs_test_", 58)
            session = {
                "id": session_id,
                "object": "checkout.session",
                "amount_subtotal": amount_total,
                "amount_total": amount_total,
                "cancel_url": params.get("cancel_url"),
                "client_reference_id": reference,
                "created": now,
                "currency": currency,
                "customer_details": None,
                "customer_email": params.get("customer_email"),
                "expires_at": expires_at,
                "livemode": False,
                "locale": params.get("locale"),
                "metadata": params.get("metadata", {}),
                "mode": params["mode"],
                "payment_intent": None,
                "payment_method_types": methods,
                "payment_status": "unpaid",
                "status": "open",
                "success_url": params["success_url"],
                "url": f"{self.base_url}/checkout/{session_id}",
                "_line_items": params["line_items"],
                "_payment_intent_data": intent_data,
            }
            self.sessions[session_id] = session
            return public(session)

    def _check_line_items(self, items: list[dict[str, Any]]) -> tuple[str, int]:
        if not items:
            raise invalid("Missing required param: line_items.", param="line_items")
        if len(items) > MAX_LINE_ITEMS:
            raise invalid(f"line_items can have at most {MAX_LINE_ITEMS} items", param="line_items")
        currencies = set()
        total = 0
        for index, item in enumerate(items):
            price = item["price_data"]
            prefix = f"line_items[{index}]"
            if not re.fullmatch(r"[a-zA-Z]{3}", price["currency"]):
                raise invalid(
                    f"Invalid currency: {price['currency']}",
                    param=f"{prefix}[price_data][currency]",
                )
            currencies.add(price["currency"].lower())
            if price["unit_amount"] < 0:
                raise invalid(
                    "Invalid non-negative integer",
                    param=f"{prefix}[price_data][unit_amount]",
                    code="parameter_invalid_integer",
                )
            if item["quantity"] < 1:
                raise invalid(
                    "This value must be greater than or equal to 1.",
                    param=f"{prefix}[quantity]",
                    code="parameter_invalid_integer",
                )
            total += price["unit_amount"] * item["quantity"]
        if len(currencies) > 1:
            raise invalid(
                "All line items must be in the same currency: " + ", ".join(sorted(currencies)),
                param="line_items",
            )
        currency = currencies.pop()
        if total > MAX_AMOUNT:
            raise invalid(
                f"Amount must be no more than {format_amount(MAX_AMOUNT, currency)}",
                param="line_items",
                code="amount_too_large",
            )
        return currency, total

    def _check_payment_intent_data(self, data: dict[str, Any], amount_total: int) -> None:
        transfer = data.get("transfer_data")
        if transfer is not None:
            destination = transfer["destination"]
            param = "payment_intent_data[transfer_data][destination]"
            account = self.accounts.get(destination)
            if account is None:
                raise missing_reference("destination", destination, param=param)
            if account["capabilities"].get("transfers") != "active":
                raise invalid(
                    "Your destination account needs to have at least one of the following "
                    "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                    param=param,
                    code="insufficient_capabilities_for_transfer",
                )
        fee = data.get("application_fee_amount")
        if fee is not None:
            param = "payment_intent_data[application_fee_amount]"
            if transfer is None:
                raise invalid(
                    "Can only apply an application_fee_amount when the PaymentIntent is "
                    "attempting a direct payment (using an OAuth key or Stripe-Account header) "
                    "or destination payment (using `transfer_data[destination]`).",
                    param=param,
                )
            if fee < 0:
                raise invalid(
                    "Invalid non-negative integer", param=param, code="parameter_invalid_integer"
                )
            if fee > amount_total:
                raise invalid(
                    "The application fee cannot be greater than the amount of the payment.",
                    param=param,
                )

    def _session(self, session_id: str) -> dict[str, Any]:
        try:
            return self.sessions[session_id]
        except KeyError:
            raise not_found("checkout.session", session_id, param="session") from None

    def session(self, session_id: str, expand: list[str] | None = None) -> dict[str, Any]:
        with self.lock:
            result = public(self._session(session_id))
            if expand and "payment_intent" in expand and result["payment_intent"]:
                result["payment_intent"] = public(self.payment_intents[result["payment_intent"]])
            return result

    def line_items(self, session_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(self._session(session_id)["_line_items"])

    def expire(self, session_id: str) -> tuple[dict[str, Any], list[EventRecord]]:
        with self.lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise invalid(
                    'Only Checkout Sessions with a status in ["open"] can be expired.',
                    param="session",
                )
            session["status"] = "expired"
            session["url"] = None
            event = self._emit("checkout.session.expired", session)
            return public(session), [event]

    def pay(self, session_id: str, method: str = "card") -> list[EventRecord]:
        with self.lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise invalid(
                    f"This Checkout Session is no longer open (status: {session['status']}).",
                    param="session",
                    code="checkout_session_not_open",
                )
            if method not in PAYMENT_METHODS:
                raise invalid(
                    f"Unknown test payment method {method!r}: use one of "
                    + ", ".join(PAYMENT_METHODS),
                    param="method",
                )
            if method not in session["payment_method_types"]:
                raise invalid(
                    f"The payment method {method!r} is not allowed for this Checkout Session "
                    f"(allowed: {', '.join(session['payment_method_types'])}).",
                    param="method",
                )
            now = self.now()
            intent_data = session["_payment_intent_data"]
            transfer = intent_data.get("transfer_data")
            pending = method in ASYNC_METHODS
            intent_id = random_id("pi_")
            charge_id = random_id("ch_")
            charge = {
                "id": charge_id,
                "object": "charge",
                "amount": session["amount_total"],
                "amount_captured": session["amount_total"],
                "amount_refunded": 0,
                "application_fee_amount": intent_data.get("application_fee_amount"),
                "captured": True,
                "created": now,
                "currency": session["currency"],
                "description": intent_data.get("description"),
                "failure_code": None,
                "failure_message": None,
                "livemode": False,
                "metadata": dict(intent_data.get("metadata", {})),
                "paid": not pending,
                "payment_intent": intent_id,
                "payment_method_details": {"type": method},
                "refunded": False,
                "status": "pending" if pending else "succeeded",
                "transfer": None if pending or not transfer else random_id("tr_"),
                "transfer_data": {"destination": transfer["destination"]} if transfer else None,
            }
            intent = {
                "id": intent_id,
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": 0 if pending else session["amount_total"],
                "application_fee_amount": intent_data.get("application_fee_amount"),
                "created": now,
                "currency": session["currency"],
                "description": intent_data.get("description"),
                "latest_charge": charge_id,
                "livemode": False,
                "metadata": dict(intent_data.get("metadata", {})),
                "payment_method_types": [method],
                "status": "processing" if pending else "succeeded",
                "transfer_data": {"destination": transfer["destination"]} if transfer else None,
            }
            self.charges[charge_id] = charge
            self.payment_intents[intent_id] = intent
            session.update(
                {
                    "status": "complete",
                    "payment_status": "unpaid" if pending else "paid",
                    "payment_intent": intent_id,
                    "customer_details": {"email": session["customer_email"], "name": None},
                    "url": None,
                    "_method": method,
                }
            )
            return [self._emit("checkout.session.completed", session)]

    def _awaiting(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        session = self._session(session_id)
        intent = self.payment_intents.get(session["payment_intent"] or "")
        if intent is None or intent["status"] != "processing":
            raise invalid(
                "This Checkout Session has no payment awaiting an asynchronous result "
                "(only a SEPA Direct Debit session that completed unpaid has one).",
                param="session",
            )
        return session, intent, self.charges[intent["latest_charge"]]

    def async_succeed(self, session_id: str) -> list[EventRecord]:
        with self.lock:
            session, intent, charge = self._awaiting(session_id)
            intent.update({"status": "succeeded", "amount_received": intent["amount"]})
            charge.update({"status": "succeeded", "paid": True})
            if charge["transfer_data"]:
                charge["transfer"] = random_id("tr_")
            session["payment_status"] = "paid"
            return [self._emit("checkout.session.async_payment_succeeded", session)]

    def async_fail(self, session_id: str) -> list[EventRecord]:
        with self.lock:
            session, intent, charge = self._awaiting(session_id)
            intent["status"] = "requires_payment_method"
            charge.update(
                {
                    "status": "failed",
                    "failure_code": "insufficient_funds",
                    "failure_message": "The account has insufficient funds to cover this payment.",
                }
            )
            return [self._emit("checkout.session.async_payment_failed", session)]

    # -- payment intents, charges, refunds ------------------------------------------------------

    def payment_intent(self, intent_id: str) -> dict[str, Any]:
        with self.lock:
            try:
                return public(self.payment_intents[intent_id])
            except KeyError:
                raise not_found("payment_intent", intent_id, param="intent") from None

    def charge(self, charge_id: str) -> dict[str, Any]:
        with self.lock:
            try:
                return public(self.charges[charge_id])
            except KeyError:
                raise not_found("charge", charge_id, param="charge") from None

    def create_refund(self, params: dict[str, Any]) -> tuple[dict[str, Any], list[EventRecord]]:
        with self.lock:
            intent_id = params["payment_intent"]
            intent = self.payment_intents.get(intent_id)
            if intent is None:
                raise missing_reference("payment_intent", intent_id, param="payment_intent")
            if intent["status"] != "succeeded":
                raise invalid(
                    f"This PaymentIntent ({intent_id}) does not have a successful charge to "
                    "refund.",
                    param="payment_intent",
                    code="payment_intent_unexpected_state",
                )
            charge = self.charges[intent["latest_charge"]]
            remaining = charge["amount"] - charge["amount_refunded"]
            if remaining <= 0:
                raise invalid(
                    f"Charge {charge['id']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = params.get("amount", remaining)
            if amount <= 0:
                raise invalid(
                    "Invalid positive integer", param="amount", code="parameter_invalid_integer"
                )
            if amount > remaining:
                raise invalid(
                    f"Refund amount ({format_amount(amount, charge['currency'])}) is greater "
                    "than unrefunded amount on charge "
                    f"({format_amount(remaining, charge['currency'])})",
                    param="amount",
                    code="amount_too_large",
                )
            reverse = params.get("reverse_transfer", False)
            refund = {
                "id": random_id("re_"),
                "object": "refund",
                "amount": amount,
                "charge": charge["id"],
                "created": self.now(),
                "currency": charge["currency"],
                "metadata": params.get("metadata", {}),
                "payment_intent": intent_id,
                "reason": params.get("reason"),
                "status": "succeeded",
                "transfer_reversal": random_id("trr_")
                if reverse and charge["transfer_data"]
                else None,
                "_reverse_transfer": reverse,
                "_refund_application_fee": params.get("refund_application_fee", False),
            }
            self.refunds[refund["id"]] = refund
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] == charge["amount"]
            event = self._emit("charge.refunded", charge)
            return public(refund), [event]

    # -- connected accounts ---------------------------------------------------------------------

    def create_account(
        self, params: dict[str, Any], account_id: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            country = params.get("country", "NL")
            if not re.fullmatch(r"[A-Z]{2}", country):
                raise invalid(f"Invalid country: {country}", param="country")
            _check_email(params.get("email"), "email")
            profile = {"mcc": None, "name": None, "url": None, **params.get("business_profile", {})}
            _check_url(profile["url"], "business_profile[url]")
            if profile["mcc"] is not None and not re.fullmatch(r"\d{4}", profile["mcc"]):
                raise invalid(f"Invalid mcc: {profile['mcc']}", param="business_profile[mcc]")
            default_currency = params.get("default_currency", "eur")
            if not re.fullmatch(r"[a-zA-Z]{3}", default_currency):
                raise invalid(f"Invalid currency: {default_currency}", param="default_currency")
            requested = [
                name
                for name, value in params.get("capabilities", {}).items()
                if value.get("requested")
            ]
            provided = {
                "business_profile.mcc": profile["mcc"] is not None,
                "business_profile.url": profile["url"] is not None,
                "business_type": "business_type" in params,
            }
            due = [item for item in ONBOARDING_REQUIREMENTS if not provided.get(item)]
            account = {
                "id": account_id or random_id("acct_", 16),
                "object": "account",
                "business_profile": profile,
                "business_type": params.get("business_type"),
                "capabilities": dict.fromkeys(requested, "inactive"),
                "charges_enabled": False,
                "country": country,
                "created": self.now(),
                "default_currency": default_currency.lower(),
                "details_submitted": False,
                "email": params.get("email"),
                "metadata": params.get("metadata", {}),
                "payouts_enabled": False,
                "requirements": {
                    "current_deadline": None,
                    "currently_due": due,
                    "disabled_reason": "requirements.past_due",
                    "errors": [],
                    "eventually_due": list(due),
                    "past_due": list(due),
                    "pending_verification": [],
                },
                "type": params["type"],
            }
            self.accounts[account["id"]] = account
            return public(account)

    def _account(self, account_id: str) -> dict[str, Any]:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise not_found("account", account_id, param="account") from None

    def account(self, account_id: str) -> dict[str, Any]:
        with self.lock:
            return public(self._account(account_id))

    def complete_onboarding(self, account_id: str, *, emit: bool = True) -> list[EventRecord]:
        """Everything submitted and verified. No event when the account was already complete."""
        with self.lock:
            account = self._account(account_id)
            if account["details_submitted"] and account["charges_enabled"]:
                return []
            capabilities = account["capabilities"] or dict.fromkeys(
                ("card_payments", "transfers"), "inactive"
            )
            account.update(
                {
                    "capabilities": dict.fromkeys(capabilities, "active"),
                    "charges_enabled": True,
                    "details_submitted": True,
                    "payouts_enabled": True,
                    "requirements": {
                        "current_deadline": None,
                        "currently_due": [],
                        "disabled_reason": None,
                        "errors": [],
                        "eventually_due": [],
                        "past_due": [],
                        "pending_verification": [],
                    },
                }
            )
            if not emit:
                return []
            return [self._emit("account.updated", account, account=account_id)]

    def create_account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if params["account"] not in self.accounts:
                raise missing_reference("account", params["account"], param="account")
            _check_url(params["refresh_url"], "refresh_url")
            _check_url(params["return_url"], "return_url")
            now = self.now()
            link_id = random_id("", 32)
            link = {
                "object": "account_link",
                "created": now,
                "expires_at": now + ACCOUNT_LINK_LIFETIME,
                "url": f"{self.base_url}/connect/onboarding/{link_id}",
                "_id": link_id,
                "_account": params["account"],
                "_refresh_url": params["refresh_url"],
                "_return_url": params["return_url"],
                "_used": False,
            }
            self.account_links[link_id] = link
            return public(link)

    def account_link(self, link_id: str) -> dict[str, Any] | None:
        """The stored link (with its private keys), or None when unknown."""
        with self.lock:
            link = self.account_links.get(link_id)
            return dict(link) if link else None

    def link_usable(self, link: dict[str, Any]) -> bool:
        return not link["_used"] and self.now() <= link["expires_at"]

    def use_account_link(self, link_id: str) -> tuple[dict[str, Any], list[EventRecord]] | None:
        """Complete onboarding through a link; None when the link is unknown, used or expired."""
        with self.lock:
            link = self.account_links.get(link_id)
            if link is None or not self.link_usable(link):
                return None
            link["_used"] = True
            return dict(link), self.complete_onboarding(link["_account"])


__all__ = [
    "API_VERSION",
    "Delivery",
    "EventRecord",
    "RecordedRequest",
    "SignedEvent",
    "State",
    "StripeError",
    "format_amount",
    "public",
]
