"""The publication rule (``providers.selectors``): written once, asked in SQL and in Python."""

from __future__ import annotations

import pytest

from portal import permissions
from providers import selectors
from providers.models import Offering, Provider, StartMoment
from tests.providers.factories import OfferingFactory, ProviderFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("provider_active", [True, False])
@pytest.mark.parametrize("live", [True, False])
def test_an_offering_is_public_only_while_published_and_its_provider_is_active(
    live, provider_active
):
    provider = ProviderFactory(is_active=provider_active)
    offering = OfferingFactory(provider=provider, live=live)
    moment = StartMomentFactory(offering=offering)
    public = live and provider_active

    assert selectors.offering_is_published(offering) is public
    in_sql = Offering.objects.filter(selectors.offering_published_q()).contains(offering)
    assert in_sql is public
    assert permissions.public_scope(Offering.objects.all()).contains(offering) is public
    assert permissions.public_scope(StartMoment.objects.all()).contains(moment) is public
    assert permissions.public_scope(Provider.objects.all()).contains(provider) is provider_active


def test_the_python_form_asks_no_query_when_the_provider_is_loaded(django_assert_num_queries):
    offering = Offering.objects.select_related("provider").get(pk=OfferingFactory().pk)
    with django_assert_num_queries(0):
        assert selectors.offering_is_published(offering)


def _open_cases():
    """(deadline, start) in days from today, every pair that can exist (deadline <= start)."""
    for starts_in_days in (0, 1, 2):
        for deadline_days in (None, -1, 0, 1, 2):
            if deadline_days is None or deadline_days <= starts_in_days:
                yield pytest.param(
                    deadline_days, starts_in_days, id=f"{deadline_days}-{starts_in_days}"
                )


@pytest.mark.django_db
@pytest.mark.parametrize(("deadline_days", "starts_in_days"), list(_open_cases()))
def test_start_moments_open_agrees_with_the_last_enrolment_day(deadline_days, starts_in_days):
    """One rule in two forms: the catalogue's open start dates (SQL) are exactly those whose
    last day to enrol (Python, which the sale checks) is today or later. Without a deadline the
    last day is the day before the start, so a course starting today is no longer offered."""
    import datetime

    from portal.enrolments import rules

    today = datetime.date(2027, 3, 10)
    starts_on = today + datetime.timedelta(days=starts_in_days)
    deadline = None if deadline_days is None else today + datetime.timedelta(days=deadline_days)
    moment = StartMomentFactory(
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=90),
        enrolment_deadline=deadline,
    )
    listed = selectors.start_moments_open(on=today).filter(pk=moment.pk).exists()
    assert listed == (rules.last_enrolment_day(moment) >= today)
    expected_last = deadline or starts_on - datetime.timedelta(days=1)
    assert moment.last_enrolment_day == expected_last
