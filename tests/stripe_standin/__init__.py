"""A stateful stand-in for the Stripe API, for tests and for `make run` without Stripe keys.

The real ``stripe`` client talks to it over HTTP::

    standin = StripeStandIn()
    base = standin.start()
    client = stripe.StripeClient(
        "sk_test_standin", base_addresses={"api": base, "connect": base, "files": base}
    )

See ``server.StripeStandIn`` for the actions tests can take (pay, expire, complete onboarding,
...) and ``pytest_plugin`` for the ``stripe_standin`` fixture.
"""

from .errors import StripeError
from .server import StripeStandIn
from .state import API_VERSION, Delivery, EventRecord, RecordedRequest, SignedEvent

__all__ = [
    "API_VERSION",
    "Delivery",
    "EventRecord",
    "RecordedRequest",
    "SignedEvent",
    "StripeError",
    "StripeStandIn",
]
