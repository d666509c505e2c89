from __future__ import annotations

# The course for sale with a connected account at the Stripe stand-in, shared with the enrolments.
from tests.enrolments.conftest import moment  # noqa: F401
