"""The scoped admin listings cost the same number of queries for 3 offerings as for 30."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory, ProviderFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("model", ["offering", "startmoment", "location"])
def test_listing_queries_do_not_grow_with_the_number_of_rows(client, model):
    provider = ProviderFactory()
    login_staff(client, provider_staff(provider))
    url = f"/admin/snippets/providers/{model}/"
    for _ in range(3):
        StartMomentFactory(offering=OfferingFactory(provider=provider))
    few = _queries(client, url)
    for _ in range(27):
        StartMomentFactory(offering=OfferingFactory(provider=provider))
    many = _queries(client, url)
    assert many <= few
