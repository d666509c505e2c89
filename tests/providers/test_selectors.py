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
