import pytest

from tests.providers.factories import OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


def test_catalogue_lists_a_published_offering(client, site_pages):
    offering = OfferingFactory(title="B1-route zichtbaar")
    StartMomentFactory(offering=offering)
    response = client.get("/aanbod/")
    assert response.status_code == 200
    assert "B1-route zichtbaar" in response.content.decode()
