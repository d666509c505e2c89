"""Error reporting to Sentry, switched on by ``SENTRY_DSN`` (``portal/settings.py``).

The portal holds personal data of learners, so an error report carries the error and where it
happened, not who was there: no cookies, no user, no IP address (``send_default_pii=False``),
no request bodies, no local variables of the stack frames (they hold forms, users, learners), and
any e-mail address left in a message, a query string or a log breadcrumb is replaced. Each
report is tagged with the request id (``portal/core/request_id.py``), the same id as on the
response and in the log lines, so a report leads to its logs. Performance tracing is off unless
``SENTRY_TRACES_SAMPLE_RATE`` is above 0.
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
from sentry_sdk.integrations.django import DjangoIntegration

from portal.core.request_id import current_request_id

# Also the URL-encoded form (``%40``), as an address appears in a query string.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}", re.IGNORECASE)
EMAIL_REPLACEMENT = "[e-mail]"
TAG_REQUEST_ID = "request_id"


def _without_emails(value: Any) -> Any:
    if isinstance(value, str):
        return _EMAIL.sub(EMAIL_REPLACEMENT, value)
    if isinstance(value, dict):
        return {key: _without_emails(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_emails(item) for item in value]
    return value


def event_scrub(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The event as it may leave the machine: tagged with the request id, without cookies,
    request bodies or e-mail addresses (Sentry's ``before_send`` and
    ``before_send_transaction``)."""
    request_id = current_request_id()
    if request_id:
        event.setdefault("tags", {})[TAG_REQUEST_ID] = request_id
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        request.pop("data", None)
        headers = request.get("headers")
        if isinstance(headers, dict):
            for name in list(headers):
                if name.lower() in ("cookie", "authorization", "proxy-authorization"):
                    del headers[name]
    return _without_emails(event)


def sentry_init(
    *, dsn: str, environment: str, release: str | None, traces_sample_rate: float
) -> None:
    """Start reporting errors (and, with a sample rate above 0, traces) to ``dsn``."""
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=environment,
        release=release,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        # None, not 0: no trace is started at all, and nothing is sent for one.
        traces_sample_rate=traces_sample_rate or None,
        before_send=event_scrub,
        before_send_transaction=event_scrub,
    )
