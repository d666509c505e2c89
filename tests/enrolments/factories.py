"""Building blocks for enrolment tests: a course for sale, a provider that can take payments."""

from __future__ import annotations

import datetime

from django.utils import timezone

from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments.models import ConnectedAccount
from providers.models import StartMoment
from tests.portal.factories import UserFactory
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory


def start_moment_for_sale(
    *,
    seats: int = 10,
    price_cents: int = 125_000,
    duo_loan_eligible: bool = False,
    starts_in_days: int = 30,
    connected: bool = True,
    **offering_fields,
) -> StartMoment:
    """A published course with a price, open to gezinsmigranten, starting in ``starts_in_days``;
    its provider has a ready connected account unless ``connected`` is False."""
    location = LocationFactory()
    offering = OfferingFactory(
        provider=location.provider,
        price_cents=price_cents,
        duo_loan_eligible=duo_loan_eligible,
        price_includes_exams=True,
        for_gezinsmigranten=True,
        **offering_fields,
    )
    starts_on = timezone.localdate() + datetime.timedelta(days=starts_in_days)
    moment = StartMomentFactory(
        offering=offering,
        location=location,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=180),
        seats=seats,
    )
    if connected:
        connected_account(offering.provider)
    return moment


def connected_account(provider, *, ready: bool = True, account_id: str | None = None):
    return ConnectedAccount.objects.create(
        provider=provider,
        stripe_account_id=account_id or f"acct_test{provider.pk:06d}",
        charges_enabled=ready,
        payouts_enabled=ready,
        details_submitted=ready,
    )


def learner(**kwargs):
    return UserFactory(**kwargs)


def held_enrolment(start_moment: StartMoment | None = None, user=None) -> Enrolment:
    return enrolling.enrolment_start(
        user=user or learner(), start_moment=start_moment or start_moment_for_sale()
    )
