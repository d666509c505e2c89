from __future__ import annotations

import pytest

from portal.payments.models import ConnectedAccount
from tests.enrolments.factories import start_moment_for_sale


@pytest.fixture
def moment(stripe_standin):
    """A course for sale whose provider onboarded a connected account at the stand-in."""
    moment = start_moment_for_sale(seats=2, price_cents=125_000, connected=False)
    account = stripe_standin.create_account(onboarded=True)
    ConnectedAccount.objects.create(
        provider=moment.offering.provider,
        stripe_account_id=account["id"],
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )
    return moment
