"""pytest plugin: one Stripe stand-in per test session, reset for every test that uses it.

Register it with ``pytest_plugins = ["tests.stripe_standin.pytest_plugin"]`` in the root
conftest (or ``-p tests.stripe_standin.pytest_plugin``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .server import StripeStandIn
from .state import SignedEvent

STANDIN_API_KEY = "sk_test_standin"
STANDIN_WEBHOOK_SECRET = "whsec_standin"
WEBHOOK_PATH = "/payments/stripe/webhook/"


@pytest.fixture(scope="session")
def _stripe_standin_server() -> Iterator[StripeStandIn]:
    standin = StripeStandIn(webhook_secret=STANDIN_WEBHOOK_SECRET)
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def stripe_standin(_stripe_standin_server: StripeStandIn, settings: Any) -> Iterator[StripeStandIn]:
    """The running stand-in, emptied, with the portal's Stripe settings pointing at it.

    Events are not delivered anywhere unless the test sets ``stripe_standin.webhook_url`` (to a
    ``live_server`` URL, say); otherwise hand the returned ``SignedEvent`` s to :func:`deliver`.
    """
    standin = _stripe_standin_server
    standin.reset()
    standin.webhook_url = None
    settings.STRIPE_SECRET_KEY = STANDIN_API_KEY
    settings.STRIPE_API_BASE = standin.base_url
    settings.STRIPE_WEBHOOK_SECRETS = [standin.webhook_secret]
    yield standin
    standin.webhook_url = None


def deliver(client: Any, signed_event: SignedEvent, path: str = WEBHOOK_PATH) -> Any:
    """POST a signed event to the portal's webhook through Django's test ``client``."""
    return client.post(
        path,
        data=signed_event.payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signed_event.signature,
    )
