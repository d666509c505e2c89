"""Odd input to the public API is a 400 naming the field, or a 404 for a path; never a 500."""

import pytest

from tests.providers.factories import ProviderFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [str(2**63), str(-(2**63) - 1), "9" * 30, "1.5"])
def test_start_moments_offering_filter_takes_only_an_id(client, value):
    StartMomentFactory()
    response = client.get("/api/v1/start-moments/", {"offering": value})
    assert response.status_code == 400
    assert list(response.json()) == ["offering"]


def test_start_moments_offering_filter_does_not_round_a_decimal_to_an_offering(client):
    moment = StartMomentFactory()
    response = client.get("/api/v1/start-moments/", {"offering": f"{moment.offering_id}.4"})
    assert response.status_code == 400


@pytest.mark.parametrize("slug", ["a%00b", "%00", "caf%C3%A9"])
def test_a_provider_path_that_is_not_a_slug_is_a_404(client, slug):
    ProviderFactory(slug="ab")
    assert client.get(f"/api/v1/providers/{slug}/").status_code == 404
