"""One exception for a full lot (contracts.capacity.LotFull, re-exported as referrals.LotFull): a
refusal for the person (message beside the lot field) that also says which lot and which period."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from contracts import capacity, referrals, refusals
from contracts.contracting import lot_period
from contracts.models import Learner
from tests.contracts.factories import LotFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FULL_MESSAGE = (
    "The lot's capacity for this period is used up. A contract manager can refer over capacity, "
    "with a reason."
)


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=1, contract__municipalities=[haarlem])


def _draft(lot, klantmanager, haarlem, last_name: str):
    learner = Learner.objects.create(
        municipality=haarlem,
        first_name="Amal",
        last_name=last_name,
        date_of_birth=datetime.date(1990, 5, 1),
        target_group="STATUSHOUDER",
        housing_date=TODAY - datetime.timedelta(days=60),
        pip_date=TODAY - datetime.timedelta(days=10),
        route="B1_ROUTE",
    )
    return referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)


def _refused_at_send(lot, klantmanager, haarlem) -> referrals.ReferralRefused:
    first = _draft(lot, klantmanager, haarlem, "Eerste")
    referrals.referral_send(referral=first, actor=klantmanager)
    late = _draft(lot, klantmanager, haarlem, "Tweede")
    # Caught as every view and the demo catch a refusal.
    with pytest.raises(referrals.ReferralRefused) as refused:
        referrals.referral_send(referral=late, actor=klantmanager)
    return refused.value


def test_capacity_and_referrals_name_one_lot_full_class_that_is_a_refusal():
    assert capacity.LotFull is referrals.LotFull
    assert referrals.ReferralRefused is refusals.ReferralRefused
    assert issubclass(capacity.LotFull, refusals.ReferralRefused)


def test_a_full_lot_refused_at_send_carries_the_lot_the_period_and_the_message(
    lot, klantmanager, haarlem
):
    with translation.override("en"):
        refusal = _refused_at_send(lot, klantmanager, haarlem)
    assert type(refusal) is capacity.LotFull
    assert refusal.lot == lot
    assert refusal.period_start == lot_period(lot=lot, on=TODAY)[0]
    assert (refusal.message, refusal.field, str(refusal)) == (FULL_MESSAGE, "lot", FULL_MESSAGE)


def test_the_refusal_of_a_full_lot_speaks_the_persons_language(lot, klantmanager, haarlem):
    with translation.override("nl"):
        refusal = _refused_at_send(lot, klantmanager, haarlem)
    assert refusal.message.startswith("De capaciteit van het perceel voor deze periode is op.")


def test_taking_a_place_names_the_full_period_not_todays(lot):
    next_year = TODAY.replace(year=TODAY.year + 1, day=1)
    capacity.capacity_take(lot=lot, on=next_year)
    with translation.override("en"), pytest.raises(referrals.LotFull) as refused:
        capacity.capacity_take(lot=lot, on=next_year)
    assert refused.value.lot == lot
    assert refused.value.period_start == lot_period(lot=lot, on=next_year)[0]
    assert refused.value.period_start != lot_period(lot=lot, on=TODAY)[0]
    assert (refused.value.message, refused.value.field) == (FULL_MESSAGE, "lot")
