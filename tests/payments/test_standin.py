"""The Stripe stand-in itself, driven by the real stripe client (no database needed)."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import stripe

from tests.stripe_standin import StripeError, StripeStandIn
from tests.stripe_standin.pytest_plugin import deliver

WEBHOOK_SECRET = "whsec_standin"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(stripe_standin: StripeStandIn) -> stripe.StripeClient:
    base = stripe_standin.base_url
    return stripe.StripeClient(
        "sk_test_standin",
        base_addresses={"api": base, "connect": base, "files": base},
        max_network_retries=0,
    )


def request(
    standin: StripeStandIn,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], str]:
    """A plain HTTP request (no redirects followed): status, headers, body text."""
    url = urlsplit(standin.base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def run_action(standin: StripeStandIn, path: str, data: dict[str, Any] | None = None) -> list:
    status, _, body = request(
        standin,
        "POST",
        path,
        json.dumps(data or {}),
        {"Content-Type": "application/json"},
    )
    assert status == 200, body
    return json.loads(body)["events"]


def onboarded_account(client: stripe.StripeClient, standin: StripeStandIn) -> str:
    account = client.v1.accounts.create(
        {
            "type": "express",
            "country": "NL",
            "email": "aanbieder@example.nl",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
                "ideal_payments": {"requested": True},
            },
        }
    )
    standin.complete_onboarding(account.id)
    return account.id


def session_params(**overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 125000,
                    "product_data": {
                        "name": "Inburgeringscursus A2",
                        "description": "Zoë's groep \N{EN DASH} 12 weken",
                    },
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://portal.example/betaald/?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://portal.example/inschrijving/7/",
        "client_reference_id": "enrolment-7",
        "customer_email": "student@example.nl",
        "locale": "nl",
        "metadata": {"enrolment": "7"},
    }
    params.update(overrides)
    return params


def verified(event: dict[str, Any] | Any) -> stripe.Event:
    payload = event["payload"] if isinstance(event, dict) else event.payload
    signature = event["signature"] if isinstance(event, dict) else event.signature
    return stripe.Webhook.construct_event(payload, signature, WEBHOOK_SECRET)


# -- checkout sessions ---------------------------------------------------------------------------


def test_create_retrieve_and_pay_a_session(stripe_standin, client):
    account_id = onboarded_account(client, stripe_standin)
    session = client.v1.checkout.sessions.create(
        session_params(
            allowed_payment_method_types=["card", "ideal"],
            payment_intent_data={
                "transfer_data": {"destination": account_id},
                "application_fee_amount": 2500,
                "metadata": {"enrolment": "7"},
                "description": "Inburgeringscursus A2",
            },
        )
    )
    assert session.id.startswith("cs_test_")
    assert session.url == f"{stripe_standin.base_url}/checkout/{session.id}"
    assert (session.status, session.payment_status) == ("open", "unpaid")
    assert (session.amount_total, session.currency) == (125000, "eur")
    assert session.payment_method_types == ["card", "ideal"]
    assert session.payment_intent is None
    assert session.livemode is False

    fetched = client.v1.checkout.sessions.retrieve(session.id)
    assert fetched.to_dict() == session.to_dict()

    (event,) = run_action(
        stripe_standin, f"/_test/checkout/sessions/{session.id}/pay", {"method": "ideal"}
    )
    assert event["type"] == "checkout.session.completed"
    constructed = verified(event)
    assert constructed.id == event["id"]
    assert constructed.api_version == "2026-10-28.endive"
    paid = constructed.data.object
    assert (paid.id, paid.status, paid.payment_status) == (session.id, "complete", "paid")
    assert paid.payment_intent.startswith("pi_")

    fetched = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert fetched.payment_intent.status == "succeeded"
    charge = stripe_standin.charge(fetched.payment_intent.latest_charge)
    assert charge["amount"] == 125000
    assert charge["metadata"] == {"enrolment": "7"}
    assert charge["transfer_data"] == {"destination": account_id}
    assert [e.type for e in stripe_standin.events] == ["account.updated", event["type"]]


def test_unknown_parameter_is_refused_with_its_path(stripe_standin, client):
    params = session_params()
    params["line_items"][0]["foo"] = "bar"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(params)
    assert caught.value.http_status == 400
    assert caught.value.param == "line_items[0][foo]"
    assert caught.value.user_message == "Received unknown parameter: line_items[0][foo]"
    assert stripe_standin.sessions == []


def test_missing_required_and_badly_typed_parameters(stripe_standin, client):
    params = session_params()
    del params["success_url"]
    with pytest.raises(stripe.InvalidRequestError, match="Missing required param: success_url"):
        client.v1.checkout.sessions.create(params)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(session_params(locale="ar"))
    assert caught.value.param == "locale"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(session_params(customer_email=""))
    assert caught.value.code == "parameter_invalid_empty"


def test_expires_at_must_be_between_30_minutes_and_24_hours(stripe_standin, client):
    now = int(time.time())
    for expires_at in (now + 29 * 60, now + 24 * 3600 + 60):
        with pytest.raises(stripe.InvalidRequestError) as caught:
            client.v1.checkout.sessions.create(session_params(expires_at=expires_at))
        assert caught.value.param == "expires_at"
    session = client.v1.checkout.sessions.create(session_params(expires_at=now + 3600))
    assert session.expires_at == now + 3600


def test_destination_must_exist_and_be_onboarded(stripe_standin, client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(
            session_params(payment_intent_data={"transfer_data": {"destination": "acct_nope"}})
        )
    assert caught.value.param == "payment_intent_data[transfer_data][destination]"
    assert caught.value.user_message == "No such destination: 'acct_nope'"

    pending = stripe_standin.create_account()
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.create(
            session_params(payment_intent_data={"transfer_data": {"destination": pending["id"]}})
        )
    assert caught.value.code == "insufficient_capabilities_for_transfer"


def test_unknown_session_is_404(stripe_standin, client):
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.checkout.sessions.retrieve("cs_test_nope")
    assert caught.value.http_status == 404
    assert caught.value.code == "resource_missing"
    assert caught.value.user_message == "No such checkout.session: 'cs_test_nope'"


def test_idempotent_replay_returns_the_first_response(stripe_standin, client):
    first = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "enrol-7"})
    again = client.v1.checkout.sessions.create(session_params(), {"idempotency_key": "enrol-7"})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.body == first.last_response.body
    assert len(stripe_standin.sessions) == 1

    with pytest.raises(stripe.IdempotencyError, match="same parameters"):
        client.v1.checkout.sessions.create(
            session_params(client_reference_id="enrolment-8"), {"idempotency_key": "enrol-7"}
        )
    assert len(stripe_standin.sessions) == 1


def test_api_key_is_checked(stripe_standin):
    base = stripe_standin.base_url
    live = stripe.StripeClient("sk_live_nope", base_addresses={"api": base})
    with pytest.raises(stripe.AuthenticationError):
        live.v1.accounts.retrieve("acct_nope")
    status, _, body = request(stripe_standin, "GET", "/v1/accounts/acct_nope")
    assert status == 401
    assert json.loads(body)["error"]["type"] == "invalid_request_error"


def test_expire(stripe_standin, client):
    session = client.v1.checkout.sessions.create(session_params())
    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired"
    (event,) = stripe_standin.events
    assert event.type == "checkout.session.expired"
    assert event.object["status"] == "expired"
    with pytest.raises(stripe.InvalidRequestError, match=r'status in \["open"\] can be expired'):
        client.v1.checkout.sessions.expire(session.id)
    status, _, page = request(stripe_standin, "GET", f"/checkout/{session.id}")
    assert status == 410
    assert "expired" in page


def test_sepa_debit_completes_unpaid_then_succeeds_or_fails(stripe_standin, client):
    params = session_params(allowed_payment_method_types=["sepa_debit"])
    session = client.v1.checkout.sessions.create(params)
    with pytest.raises(StripeError, match="not allowed") as caught:
        stripe_standin.pay(session.id, "card")  # the Python API raises the stand-in's own error
    assert (caught.value.status, caught.value.param) == (400, "method")
    (completed,) = stripe_standin.pay(session.id, "sepa_debit")
    assert verified(completed).data.object.payment_status == "unpaid"
    intent = client.v1.checkout.sessions.retrieve(session.id, {"expand": ["payment_intent"]})
    assert intent.payment_intent.status == "processing"
    with pytest.raises(stripe.InvalidRequestError, match="successful charge"):
        client.v1.refunds.create({"payment_intent": intent.payment_intent.id})

    (succeeded,) = run_action(
        stripe_standin, f"/_test/checkout/sessions/{session.id}/async_succeed"
    )
    assert succeeded["type"] == "checkout.session.async_payment_succeeded"
    assert verified(succeeded).data.object.payment_status == "paid"
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"

    other = client.v1.checkout.sessions.create(params)
    stripe_standin.pay(other.id, "sepa_debit")
    (failed,) = stripe_standin.async_fail(other.id)
    assert failed.type == "checkout.session.async_payment_failed"
    assert stripe_standin.session(other.id)["payment_status"] == "unpaid"


# -- refunds -------------------------------------------------------------------------------------


def test_refunds_reverse_the_transfer_and_cannot_exceed_the_payment(stripe_standin, client):
    account_id = onboarded_account(client, stripe_standin)
    session = client.v1.checkout.sessions.create(
        session_params(
            payment_intent_data={
                "transfer_data": {"destination": account_id},
                "metadata": {"enrolment": "7"},
            }
        )
    )
    stripe_standin.pay(session.id)
    intent_id = stripe_standin.session(session.id)["payment_intent"]

    refund = client.v1.refunds.create(
        {
            "payment_intent": intent_id,
            "amount": 25000,
            "reason": "requested_by_customer",
            "reverse_transfer": True,
            "refund_application_fee": True,
            "metadata": {"enrolment": "7"},
        }
    )
    assert (refund.object, refund.status, refund.amount) == ("refund", "succeeded", 25000)
    assert refund.transfer_reversal.startswith("trr_")
    assert stripe_standin.requests[-1].params["reverse_transfer"] is True
    charge_event = stripe_standin.events[-1]
    assert charge_event.type == "charge.refunded"
    charge = charge_event.object
    assert (charge["id"], charge["amount_refunded"], charge["refunded"]) == (
        refund.charge,
        25000,
        False,
    )
    assert charge["metadata"] == {"enrolment": "7"}

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"payment_intent": intent_id, "amount": 100001})
    assert (caught.value.param, caught.value.code) == ("amount", "amount_too_large")

    rest = client.v1.refunds.create({"payment_intent": intent_id})
    assert rest.amount == 100000
    assert stripe_standin.events[-1].object["refunded"] is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"payment_intent": intent_id, "amount": 1})
    assert caught.value.code == "charge_already_refunded"
    assert len(stripe_standin.refunds) == 2


def test_refund_without_destination_has_no_transfer_reversal(stripe_standin, client):
    session = client.v1.checkout.sessions.create(session_params())
    stripe_standin.pay(session.id)
    refund = client.v1.refunds.create(
        {"payment_intent": stripe_standin.session(session.id)["payment_intent"]}
    )
    assert refund.transfer_reversal is None


# -- Connect onboarding --------------------------------------------------------------------------


def test_account_link_onboarding_page(stripe_standin, client):
    account = client.v1.accounts.create(
        {
            "type": "express",
            "email": "aanbieder@example.nl",
            "business_type": "company",
            "business_profile": {"name": "Taalschool Noord", "url": "https://taal.example"},
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"provider": "12"},
        }
    )
    assert (account.charges_enabled, account.details_submitted) == (False, False)
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert "external_account" in account.requirements.currently_due

    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "https://portal.example/stripe/refresh/",
            "return_url": "https://portal.example/stripe/return/",
            "type": "account_onboarding",
        }
    )
    assert link.object == "account_link"
    assert link.expires_at == link.created + 300
    path = urlsplit(link.url).path
    status, _, page = request(stripe_standin, "GET", path)
    assert status == 200
    assert "Stripe Connect onboarding (test)" in page
    assert account.id in page
    assert 'href="https://portal.example/stripe/refresh/">Leave</a>' in page

    status, headers, _ = request(stripe_standin, "POST", f"{path}/complete")
    assert (status, headers["Location"]) == (303, "https://portal.example/stripe/return/")
    (event,) = stripe_standin.events
    assert event.type == "account.updated"
    assert event.data["account"] == account.id
    assert event.object["charges_enabled"] is True
    fetched = client.v1.accounts.retrieve(account.id)
    assert (fetched.charges_enabled, fetched.payouts_enabled, fetched.details_submitted) == (
        True,
        True,
        True,
    )
    assert fetched.requirements.currently_due == []
    assert fetched.requirements.disabled_reason is None

    status, headers, _ = request(stripe_standin, "GET", path)  # links are single-use
    assert (status, headers["Location"]) == (303, "https://portal.example/stripe/refresh/")


def test_expired_account_link_redirects_to_refresh_url(stripe_standin, client):
    account = stripe_standin.create_account()
    link = client.v1.account_links.create(
        {
            "account": account["id"],
            "refresh_url": "https://portal.example/refresh/",
            "return_url": "https://portal.example/return/",
            "type": "account_onboarding",
        }
    )
    stripe_standin.advance_clock(301)
    status, headers, _ = request(stripe_standin, "GET", urlsplit(link.url).path)
    assert (status, headers["Location"]) == (303, "https://portal.example/refresh/")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.account_links.create(
            {
                "account": "acct_nope",
                "refresh_url": "https://portal.example/refresh/",
                "return_url": "https://portal.example/return/",
                "type": "account_onboarding",
            }
        )
    assert caught.value.param == "account"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.retrieve("acct_nope")
    assert caught.value.http_status == 404


# -- hosted checkout page ------------------------------------------------------------------------


def test_hosted_checkout_page_and_pay(stripe_standin, client):
    session = client.v1.checkout.sessions.create(
        session_params(allowed_payment_method_types=["card", "ideal", "bancontact", "sepa_debit"])
    )
    path = urlsplit(session.url).path
    status, headers, page = request(stripe_standin, "GET", path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="en">' in page
    assert "<main>" in page
    assert "TEST PAYMENT — Stripe stand-in, no real money" in page
    assert "Inburgeringscursus A2" in page
    assert "Zoë&#x27;s groep \N{EN DASH} 12 weken" in page
    assert "€ 1.250,00" in page
    for label in (
        "Pay with card",
        "Pay with iDEAL | Wero",
        "Pay with Bancontact",
        "Pay with SEPA Direct Debit",
        "Decline payment",
    ):
        assert f">{label}</button>" in page
    assert 'href="https://portal.example/inschrijving/7/">Back</a>' in page
    assert "<script" not in page

    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _, page = request(stripe_standin, "POST", f"{path}/decline", "method=card", form)
    assert (status, stripe_standin.events) == (200, [])
    assert "Your card was declined." in page
    assert stripe_standin.session(session.id)["status"] == "open"

    status, headers, _ = request(
        stripe_standin, "POST", f"{path}/pay", urlencode({"method": "bancontact"}), form
    )
    assert status == 303
    assert headers["Location"] == f"https://portal.example/betaald/?session={session.id}"
    assert stripe_standin.session(session.id)["payment_status"] == "paid"
    assert [e.type for e in stripe_standin.events] == ["checkout.session.completed"]

    status, _, page = request(stripe_standin, "POST", f"{path}/pay", "method=card", form)
    assert status == 400
    assert stripe_standin.session(session.id)["status"] == "complete"


# -- events and webhooks -------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}/payments/stripe/webhook/"
    yield server
    server.shutdown()
    server.server_close()


def test_events_are_delivered_to_the_webhook_url(stripe_standin, client, receiver):
    stripe_standin.webhook_url = receiver.url
    session = client.v1.checkout.sessions.create(session_params())
    client.v1.checkout.sessions.expire(session.id)  # delivered before the API call returns

    (headers, body), *_ = receiver.received
    assert headers["Content-Type"] == "application/json"
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.type == "checkout.session.expired"
    (record,) = stripe_standin.events
    assert (record.id, record.payload, record.delivery_status) == (event.id, body, 200)

    receiver.status = 500
    (resent,) = stripe_standin.resend(record.id)
    assert (resent.id, resent.payload) == (record.id, record.payload)
    assert len(receiver.received) == 2
    assert record.delivery_status == 500

    receiver.shutdown()
    receiver.server_close()
    second = client.v1.checkout.sessions.create(session_params())
    stripe_standin.pay(second.id)  # the endpoint is gone: recorded, not raised
    assert stripe_standin.events[-1].delivery_status is None
    assert "Connection refused" in stripe_standin.events[-1].delivery_error


def test_resend_route_and_events_listing(stripe_standin, client):
    session = client.v1.checkout.sessions.create(session_params())
    (paid,) = run_action(stripe_standin, f"/_test/checkout/sessions/{session.id}/pay")
    (resent,) = run_action(stripe_standin, f"/_test/events/{paid['id']}/resend")
    assert (resent["id"], resent["payload"]) == (paid["id"], paid["payload"])
    verified(resent)
    status, _, body = request(stripe_standin, "GET", "/_test/events")
    assert status == 200
    assert [e["id"] for e in json.loads(body)["data"]] == [paid["id"]]


def test_sign_crafts_events_the_webhook_must_refuse(stripe_standin, client):
    session = client.v1.checkout.sessions.create(session_params())
    (event,) = stripe_standin.pay(session.id)
    verified(event)

    tampered = event.payload.replace(b'"paid"', b'"unpaid"')
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, event.signature, WEBHOOK_SECRET)
    stale = stripe_standin.sign(event.data, timestamp=int(time.time()) - 600)
    with pytest.raises(stripe.SignatureVerificationError, match="tolerance"):
        verified(stale)
    foreign = stripe_standin.sign(event.data, secret="whsec_someone_else")
    with pytest.raises(stripe.SignatureVerificationError):
        verified(foreign)
    crafted = stripe_standin.sign({"id": "evt_x", "object": "event", "type": "ping"})
    assert verified(crafted).type == "ping"
    assert len(stripe_standin.events) == 1  # signing records nothing


# -- pytest plugin and CLI -----------------------------------------------------------------------


def test_fixture_points_the_settings_at_the_standin(stripe_standin, settings):
    assert settings.STRIPE_SECRET_KEY == "sk_test_standin"
    base_url = stripe_standin.base_url
    assert base_url == settings.STRIPE_API_BASE
    assert settings.STRIPE_WEBHOOK_SECRETS == ["whsec_standin"]


def test_deliver_posts_the_exact_payload_and_signature(stripe_standin):
    calls = []

    class FakeClient:
        def post(self, path, **kwargs):
            calls.append((path, kwargs))
            return "response"

    event = stripe_standin.sign({"id": "evt_1", "object": "event", "type": "ping"})
    assert deliver(FakeClient(), event) == "response"
    assert calls == [
        (
            "/payments/stripe/webhook/",
            {
                "data": event.payload,
                "content_type": "application/json",
                "HTTP_STRIPE_SIGNATURE": event.signature,
            },
        )
    ]


def test_cli_serves_until_terminated():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_standin", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("Stripe stand-in on http://127.0.0.1:")
        assert line.endswith(" (test payments, no real money)")
        base = line.split()[3]
        client = stripe.StripeClient("sk_test_cli", base_addresses={"api": base})
        assert client.v1.accounts.create({"type": "express"}).id.startswith("acct_")
    finally:
        process.terminate()
        assert process.wait(timeout=5) == 0
