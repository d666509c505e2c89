"""The stand-in's HTTP server: the Stripe API subset, the hosted test pages and ``/_test/`` routes.

``StripeStandIn`` is also the Python API tests use: the same actions the pages and test routes
perform (``pay``, ``expire``, ...), each returning the signed events it created and delivering
them to ``webhook_url`` when one is set.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import stripe

from . import pages
from .errors import StripeError, invalid
from .forms import parse_form, validate
from .specs import ENDPOINTS, Endpoint
from .state import (
    API_VERSION,
    Delivery,
    EventRecord,
    RecordedRequest,
    SignedEvent,
    State,
    StoredResponse,
    public,
    random_id,
)

DEFAULT_WEBHOOK_SECRET = "whsec_standin"
WEBHOOK_TIMEOUT = 10.0
_ID = r"[A-Za-z0-9_]+"

ApiHandler = Callable[[State, dict[str, Any], dict[str, str]], tuple[Any, list[EventRecord]]]

# What each endpoint does with its (validated) params and path ids.
_API_HANDLERS: dict[tuple[str, str], ApiHandler] = {
    ("POST", "/v1/checkout/sessions"): lambda s, p, _: (s.create_checkout_session(p), []),
    ("GET", "/v1/checkout/sessions/{session}"): lambda s, p, ids: (
        s.session(ids["session"], expand=p.get("expand")),
        [],
    ),
    ("POST", "/v1/checkout/sessions/{session}/expire"): lambda s, _, ids: s.expire(ids["session"]),
    ("POST", "/v1/refunds"): lambda s, p, _: s.create_refund(p),
    ("POST", "/v1/accounts"): lambda s, p, _: (s.create_account(p), []),
    ("GET", "/v1/accounts/{account}"): lambda s, _, ids: (s.account(ids["account"]), []),
    ("POST", "/v1/account_links"): lambda s, p, _: (s.create_account_link(p), []),
}


def _path_regex(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\\\{(\w+)\\\}", lambda m: f"(?P<{m.group(1)}>{_ID})", re.escape(template))
    return re.compile(f"^{pattern}$")


_API_ROUTES: list[tuple[Endpoint, re.Pattern[str], ApiHandler]] = [
    (endpoint, _path_regex(endpoint.path), _API_HANDLERS[endpoint.method, endpoint.path])
    for endpoint in ENDPOINTS
]
assert len(_API_ROUTES) == len(_API_HANDLERS), "every handler needs an endpoint spec"


def _find_route(method: str, path: str) -> tuple[Endpoint, ApiHandler, dict[str, str]] | None:
    for endpoint, regex, handler in _API_ROUTES:
        match = regex.match(path)
        if match and endpoint.method == method:
            return endpoint, handler, match.groupdict()
    return None


_TEST_SESSION_ACTION = re.compile(
    rf"^/_test/checkout/sessions/(?P<id>{_ID})/(?P<action>pay|async_succeed|async_fail|expire)$"
)
_TEST_ACCOUNT_COMPLETE = re.compile(rf"^/_test/accounts/(?P<id>{_ID})/complete$")
_TEST_EVENT_RESEND = re.compile(rf"^/_test/events/(?P<id>{_ID})/resend$")
_CHECKOUT_PAGE = re.compile(rf"^/checkout/(?P<id>{_ID})$")
_CHECKOUT_ACTION = re.compile(rf"^/checkout/(?P<id>{_ID})/(?P<action>pay|decline)$")
_ONBOARDING_PAGE = re.compile(rf"^/connect/onboarding/(?P<id>{_ID})$")
_ONBOARDING_COMPLETE = re.compile(rf"^/connect/onboarding/(?P<id>{_ID})/complete$")


class StripeStandIn:
    """A stateful stand-in for the part of the Stripe API the portal uses.

    ``start()`` serves it on a local port in a daemon thread; point ``stripe.StripeClient`` at
    ``base_url`` through ``base_addresses``. State lives in memory and ``reset()`` clears it.
    """

    def __init__(
        self, webhook_url: str | None = None, webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    ) -> None:
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.log_requests = False
        self.state = State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None
        # Deliveries never go through a proxy: the webhook endpoint is local.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._server is not None:
            raise RuntimeError("the Stripe stand-in is already running")
        server = _Server((host, port), _Handler)
        server.standin = self
        self._server = server
        url_host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self._base_url = f"http://{url_host}:{server.server_address[1]}"
        self.state.base_url = self._base_url
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-standin",
            daemon=True,
        )
        self._thread.start()
        return self._base_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the Stripe stand-in has not been started")
        return self._base_url

    def reset(self) -> None:
        """Forget every object, event, stored idempotent response and clock adjustment."""
        self.state.reset()

    def fail_next(self, path: str, times: int = 1) -> None:
        """The next ``times`` requests to the API ``path`` (``"/v1/refunds"``) fail as while
        Stripe is down: 503 ``api_error``, before anything is done or an idempotency key is
        stored, so the same request succeeds once the outage is over. ``Stripe-Should-Retry:
        false`` keeps the client from retrying by itself: one request, one failure."""
        with self.state.lock:
            self.state.outages[path] = times

    def advance_clock(self, seconds: int) -> None:
        """Move the stand-in's clock forward (account links expire, ``created`` moves on)."""
        with self.state.lock:
            self.state.clock_offset += seconds

    # -- inspection -----------------------------------------------------------------------------

    @property
    def events(self) -> list[EventRecord]:
        with self.state.lock:
            return list(self.state.events)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def sessions(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [public(s) for s in self.state.sessions.values()]

    @property
    def refunds(self) -> list[dict[str, Any]]:
        with self.state.lock:
            return [public(r) for r in self.state.refunds.values()]

    def session(self, session_id: str) -> dict[str, Any]:
        return self.state.session(session_id)

    def account(self, account_id: str) -> dict[str, Any]:
        return self.state.account(account_id)

    def payment_intent(self, intent_id: str) -> dict[str, Any]:
        return self.state.payment_intent(intent_id)

    def charge(self, charge_id: str) -> dict[str, Any]:
        return self.state.charge(charge_id)

    # -- actions (what the hosted pages and /_test/ routes do) ----------------------------------

    def pay(self, session_id: str, method: str = "card") -> list[SignedEvent]:
        return self.deliver(self.state.pay(session_id, method))

    def async_succeed(self, session_id: str) -> list[SignedEvent]:
        return self.deliver(self.state.async_succeed(session_id))

    def async_fail(self, session_id: str) -> list[SignedEvent]:
        return self.deliver(self.state.async_fail(session_id))

    def expire(self, session_id: str) -> list[SignedEvent]:
        _, events = self.state.expire(session_id)
        return self.deliver(events)

    def complete_onboarding(self, account_id: str) -> list[SignedEvent]:
        return self.deliver(self.state.complete_onboarding(account_id))

    def resend(self, event_id: str) -> list[SignedEvent]:
        """The same event (id and payload) again, with a fresh signature timestamp."""
        return self.deliver([self.state.event(event_id)])

    def create_account(
        self, *, onboarded: bool = False, account_id: str | None = None, **params: Any
    ) -> dict[str, Any]:
        """Shortcut for test set-up: an express account, optionally already onboarded (no event).

        ``params`` are ``POST /v1/accounts`` params (``email=...``, ``metadata={...}``).
        """
        params.setdefault("type", "express")
        params.setdefault(
            "capabilities", {"card_payments": {"requested": True}, "transfers": {"requested": True}}
        )
        account = self.state.create_account(params, account_id=account_id)
        if onboarded:
            self.state.complete_onboarding(account["id"], emit=False)
            return self.state.account(account["id"])
        return account

    # -- signing and delivery -------------------------------------------------------------------

    def sign(
        self,
        event: dict[str, Any] | str | bytes,
        timestamp: int | None = None,
        secret: str | None = None,
    ) -> SignedEvent:
        """Sign any event (a dict, or exact payload text) as Stripe would, without recording it.

        For crafting tampered, stale (``timestamp=time.time() - 600``) or wrongly signed
        (``secret="whsec_other"``) events in tests.
        """
        if isinstance(event, dict):
            payload = json.dumps(event, indent=2, ensure_ascii=False).encode("utf-8")
            data = event
        else:
            # Any text, also what is not an event at all (a list, null, not JSON): for tests of
            # validly signed but malformed deliveries.
            payload = event.encode("utf-8") if isinstance(event, str) else event
            try:
                data = json.loads(payload)
            except (ValueError, RecursionError):
                data = None
            if not isinstance(data, dict):
                data = {}
        signature = stripe.WebhookSignature.generate_signature_header(
            payload.decode("utf-8"), secret or self.webhook_secret, timestamp=timestamp
        )
        return SignedEvent(
            id=str(data.get("id", "")),
            type=str(data.get("type", "")),
            payload=payload,
            signature=signature,
        )

    def deliver(self, records: list[EventRecord]) -> list[SignedEvent]:
        """Sign each event now and POST it to ``webhook_url`` (if set). Call without the lock."""
        signed = []
        for record in records:
            event = self.sign(record.payload)
            url = self.webhook_url
            if url:
                status, error = self._post(url, event)
                with self.state.lock:
                    record.deliveries.append(
                        Delivery(
                            url=url,
                            signature=event.signature,
                            status=status,
                            error=error,
                            at=time.time(),
                        )
                    )
            signed.append(event)
        return signed

    def _post(self, url: str, event: SignedEvent) -> tuple[int | None, str | None]:
        request = urllib.request.Request(
            url,
            data=event.payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": event.signature,
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) stand-in",
            },
        )
        try:
            with self._opener.open(request, timeout=WEBHOOK_TIMEOUT) as response:
                response.read()
                return response.status, None
        except urllib.error.HTTPError as exc:
            return exc.code, None
        except (OSError, ValueError) as exc:  # URLError, timeouts, refused, bad URL
            return None, f"{type(exc).__name__}: {exc}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    standin: StripeStandIn


class _Response:
    def __init__(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> _Response:
    body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"
    return _Response(status, body, headers=headers)


def _error(exc: StripeError) -> _Response:
    return _json(exc.status, exc.body())


def _html(status: int, text: str) -> _Response:
    return _Response(
        status,
        text.encode("utf-8"),
        "text/html; charset=utf-8",
        {"Content-Security-Policy": pages.CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"},
    )


def _redirect(location: str) -> _Response:
    return _Response(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": location})


def _mask(key: str) -> str:
    return key[:8] + "*" * max(len(key) - 12, 0) + key[-4:] if len(key) > 12 else "***"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "StripeStandIn/1.0"
    timeout = 60
    # Headers and body leave in one write (flushed after each request): no Nagle stalls.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    # -- plumbing -------------------------------------------------------------------------------

    @property
    def standin(self) -> StripeStandIn:
        return self.server.standin

    def log_message(self, format: str, *args: Any) -> None:
        if self.standin.log_requests:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, response: _Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    def _dispatch(self, method: str) -> None:
        body = self._read_body()
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        try:
            if path.startswith("/v1/"):
                response = self._api(method, path, url.query, body)
            elif path.startswith("/_test/"):
                response = self._test_route(method, path, body)
            else:
                response = self._page(method, path, body)
        except StripeError as exc:
            response = _error(exc)
        except Exception as exc:
            response = _json(
                500,
                {"error": {"type": "api_error", "message": f"Stand-in error: {exc!r}"}},
                {"Stripe-Should-Retry": "false"},
            )
            self.log_error("stand-in error on %s %s: %r", method, self.path, exc)
        self._send(response)

    # -- the API --------------------------------------------------------------------------------

    def _authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header[len("Bearer ") :].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[len("Basic ") :]).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY').",
            )
        if not key.startswith("sk_test_"):
            raise StripeError(
                401, f"Invalid API Key provided: {_mask(key)}", code="api_key_invalid"
            )

    def _api(self, method: str, path: str, query: str, body: bytes) -> _Response:
        self._authenticate()
        if self.headers.get("Stripe-Account"):
            raise invalid(
                "The Stripe stand-in does not support the Stripe-Account header: the portal "
                "makes destination charges from the platform account."
            )
        route = _find_route(method, path)
        if route is None:
            raise StripeError(
                404,
                f"Unrecognized request URL ({method}: {path}). The Stripe stand-in only "
                "implements the endpoints the portal uses.",
            )
        endpoint, handler, ids = route
        if method == "POST" and "json" in self.headers.get("Content-Type", ""):
            raise invalid(
                "Stripe's v1 API (and so the stand-in) takes form-encoded parameters, not JSON."
            )
        raw = parse_form(body if method == "POST" else query)
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        state = self.standin.state
        with state.lock:
            down = state.outages.get(path, 0) > 0
            if down:
                state.outages[path] -= 1
                state.requests.append(RecordedRequest(method, path, raw, key, 503))
        if down:
            return _json(
                503,
                {
                    "error": {
                        "type": "api_error",
                        "message": "Stripe is down (the stand-in's outage).",
                    }
                },
                {"Stripe-Should-Retry": "false", "Request-Id": random_id("req_", 14)},
            )
        events: list[EventRecord] = []
        replayed = False
        if key and len(key) > 255:
            raise invalid("Idempotency-Key must be at most 255 characters long.")
        with state.lock:
            stored = state.idempotency.get((key, path)) if key else None
            if stored is not None:
                if stored.params != raw:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same "
                        "parameters they were first used with. Try using a key other than "
                        f"'{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                status, payload, replayed = stored.status, stored.body, True
                state.requests.append(RecordedRequest(method, path, raw, key, status, True))
            else:
                try:
                    params = validate(endpoint.spec, raw)
                except StripeError as exc:  # refused before executing: nothing is stored
                    state.requests.append(RecordedRequest(method, path, raw, key, exc.status))
                    raise
                try:
                    result, events = handler(state, params, ids)
                    status, payload = 200, _json(200, result).body
                except StripeError as exc:
                    status, payload = exc.status, _error(exc).body
                if key:
                    state.idempotency[key, path] = StoredResponse(raw, status, payload)
                state.requests.append(RecordedRequest(method, path, params, key, status))
        self.standin.deliver(events)
        headers = {"Request-Id": random_id("req_", 14), "Stripe-Version": API_VERSION}
        if key:
            headers["Idempotency-Key"] = key
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return _Response(status, payload, headers=headers)

    # -- /_test/ routes -------------------------------------------------------------------------

    def _test_route(self, method: str, path: str, body: bytes) -> _Response:
        standin = self.standin
        if method == "GET" and path == "/_test/events":
            return _json(200, {"object": "list", "data": [e.as_json() for e in standin.events]})
        if method != "POST":
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        if path == "/_test/reset":
            standin.reset()
            return _json(200, {"reset": True})
        signed: list[SignedEvent]
        if match := _TEST_SESSION_ACTION.match(path):
            session_id, action = match["id"], match["action"]
            if action == "pay":
                method_name = self._body_params(body).get("method") or "card"
                signed = standin.pay(session_id, str(method_name))
            else:
                signed = getattr(standin, action)(session_id)
        elif match := _TEST_ACCOUNT_COMPLETE.match(path):
            signed = standin.complete_onboarding(match["id"])
        elif match := _TEST_EVENT_RESEND.match(path):
            signed = standin.resend(match["id"])
        else:
            raise StripeError(404, f"Unrecognized request URL ({method}: {path}).")
        return _json(200, {"events": [event.as_json() for event in signed]})

    def _body_params(self, body: bytes) -> dict[str, Any]:
        if not body.strip():
            return {}
        if "json" in self.headers.get("Content-Type", ""):
            try:
                data = json.loads(body)
            except ValueError:
                raise invalid("The request body is not valid JSON.") from None
            if not isinstance(data, dict):
                raise invalid("The request body must be a JSON object.")
            return data
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))

    # -- hosted pages ---------------------------------------------------------------------------

    def _page(self, method: str, path: str, body: bytes) -> _Response:
        try:
            return self._page_route(method, path, body)
        except StripeError as exc:
            title = "Not found" if exc.status == 404 else "Cannot do that"
            return _html(exc.status, pages.message_page(title, exc.message))

    def _page_route(self, method: str, path: str, body: bytes) -> _Response:
        standin = self.standin
        state = standin.state
        if method == "GET" and path == "/":
            return _html(200, pages.index_page(standin.base_url))
        if method == "GET" and (match := _CHECKOUT_PAGE.match(path)):
            session = state.session(match["id"])
            if session["status"] != "open":
                status = HTTPStatus.GONE if session["status"] == "expired" else HTTPStatus.OK
                return _html(status, pages.checkout_closed_page(session))
            return _html(200, pages.checkout_page(session, state.line_items(session["id"])))
        if method == "POST" and (match := _CHECKOUT_ACTION.match(path)):
            session_id = match["id"]
            form = self._body_params(body)
            if match["action"] == "decline":
                session = state.session(session_id)
                if session["status"] != "open":
                    return _html(HTTPStatus.BAD_REQUEST, pages.checkout_closed_page(session))
                message = (
                    "Your card was declined."
                    if form.get("method", "card") == "card"
                    else "The payment was declined."
                )
                page = pages.checkout_page(session, state.line_items(session_id), message=message)
                return _html(HTTPStatus.OK, page)
            standin.pay(session_id, str(form.get("method") or "card"))
            success_url = state.session(session_id)["success_url"]
            return _redirect(success_url.replace("{CHECKOUT_SESSION_ID}", session_id))
        if match := _ONBOARDING_PAGE.match(path):
            link = state.account_link(match["id"])
            if link is None:
                raise StripeError(404, "This onboarding link does not exist.")
            if method != "GET":
                raise StripeError(405, "Use the Complete onboarding button.")
            if not state.link_usable(link):
                return _redirect(link["_refresh_url"])
            return _html(200, pages.onboarding_page(state.account(link["_account"]), link))
        if method == "POST" and (match := _ONBOARDING_COMPLETE.match(path)):
            link = state.account_link(match["id"])
            if link is None:
                raise StripeError(404, "This onboarding link does not exist.")
            used = state.use_account_link(match["id"])
            if used is None:
                return _redirect(link["_refresh_url"])
            _, events = used
            standin.deliver(events)
            return _redirect(link["_return_url"])
        raise StripeError(404, f"There is no page at {path}.")
