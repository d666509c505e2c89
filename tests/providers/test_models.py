import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from providers.models import Offering
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db


def _violates_constraint(factory, **fields) -> bool:
    try:
        with transaction.atomic():
            factory(**fields)
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    "fields",
    [
        {"hours_total": 0},
        {"pass_rate_percent": 101, "pass_rate_year": 2025, "pass_rate_sample_size": 10},
        {"pass_rate_percent": 70, "pass_rate_year": None, "pass_rate_sample_size": None},
        {"cefr_from": "B1", "cefr_to": "A2"},
        {"component": "B1_ROUTE", "education_level": "HBO"},
        {"for_statushouders": False, "for_gezinsmigranten": False},
    ],
    ids=[
        "no-hours",
        "pass-rate-over-100",
        "pass-rate-without-year",
        "level-goes-down",
        "education-level-on-b1-route",
        "no-target-group",
    ],
)
def test_offering_constraints_refuse_impossible_rows(fields):
    assert _violates_constraint(OfferingFactory, **fields)


def test_negative_price_is_refused_by_the_database():
    offering = OfferingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Offering.objects.filter(pk=offering.pk).update(price_cents=-1)


def test_offering_reference_is_unique_per_provider_only():
    provider = ProviderFactory()
    OfferingFactory(provider=provider, reference="B1-A")
    OfferingFactory(reference="B1-A")  # another provider may use the same code
    assert _violates_constraint(OfferingFactory, provider=provider, reference="B1-A")


@pytest.mark.parametrize(
    "fields",
    [
        {"seats": 5, "seats_taken": 6},
        {"ends_on": datetime.date(2027, 1, 1), "starts_on": datetime.date(2027, 1, 1)},
        {
            "starts_on": datetime.date(2027, 1, 10),
            "enrolment_deadline": datetime.date(2027, 1, 11),
        },
    ],
    ids=["more-taken-than-seats", "ends-on-start-day", "deadline-after-start"],
)
def test_start_moment_constraints_refuse_impossible_rows(fields):
    assert _violates_constraint(StartMomentFactory, **fields)


def test_duo_loan_needs_a_valid_quality_mark():
    provider = ProviderFactory(keurmerk_valid_until=datetime.date(2020, 1, 1))
    offering = OfferingFactory.build(provider=provider, duo_loan_eligible=True)
    with pytest.raises(ValidationError) as error:
        offering.full_clean()
    assert "duo_loan_eligible" in error.value.message_dict


def test_duo_loan_is_allowed_with_a_valid_quality_mark():
    offering = OfferingFactory.build(provider=ProviderFactory(), duo_loan_eligible=True)
    offering.full_clean()


def test_education_route_must_say_which_level_it_prepares_for():
    offering = OfferingFactory.build(
        provider=ProviderFactory(), component="ONDERWIJSROUTE", education_level=""
    )
    with pytest.raises(ValidationError) as error:
        offering.full_clean()
    assert "education_level" in error.value.message_dict


def test_start_moment_location_must_belong_to_the_offerings_provider():
    moment = StartMomentFactory.build(offering=OfferingFactory(), location=LocationFactory())
    with pytest.raises(ValidationError) as error:
        moment.full_clean()
    assert "location" in error.value.message_dict


def test_seats_cannot_be_set_below_the_seats_taken():
    moment = StartMomentFactory(seats=10, seats_taken=4)
    moment.seats = 3
    with pytest.raises(ValidationError) as error:
        moment.full_clean()
    assert "seats" in error.value.message_dict


def test_hourly_rate_is_price_divided_by_hours():
    offering = OfferingFactory.build(price_cents=600000, hours_total=400)
    assert offering.hourly_rate_cents == 1500
    assert OfferingFactory.build(price_cents=None).hourly_rate_cents is None
