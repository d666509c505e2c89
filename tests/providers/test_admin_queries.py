"""The scoped admin listings show the provider's own rows and cost the same number of queries
for 3 rows as for 30."""

from __future__ import annotations

import pytest

from providers.models import Provider
from tests.portal.factories import provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db

# The queries each listing needs, measured on SQLite and PostgreSQL: the same for 3 rows as for
# 30. A query per row would add 3 with 3 rows and 20 (one page) with 30.
MAX_QUERIES = {"offering": 16, "startmoment": 15, "location": 17}
PER_PAGE = 20  # Wagtail's listing page

# What the listing shows of a row (zero-padded numbers: no name is part of another).
LABELS = {
    "offering": lambda row: row.title,
    "startmoment": lambda row: row.offering.title,
    "location": lambda row: row.name,
}


def _catalogue_add(provider: Provider, numbers: range) -> None:
    """For each number: a location, an offering there and a start date, so every listing
    measured has rows of its own model."""
    for number in numbers:
        location = LocationFactory(provider=provider, name=f"Lokaal {number:02d}")
        offering = OfferingFactory(
            provider=provider, title=f"Cursus {number:02d}", locations=[location]
        )
        StartMomentFactory(offering=offering, location=location)


def _assert_lists_own_rows(response, model: str, *, count: int) -> None:
    assert response.status_code == 200
    assert response.context["items_count"] == count
    rows = list(response.context["object_list"])
    assert len(rows) == min(count, PER_PAGE)
    html = response.content.decode()
    for row in rows:
        assert LABELS[model](row) in html
    assert "Andere cursus" not in html and "Ander lokaal" not in html


@pytest.mark.parametrize("model", MAX_QUERIES)
def test_listing_queries_do_not_grow_with_the_number_of_rows(
    client, django_assert_max_num_queries, model
):
    other = ProviderFactory()
    location = LocationFactory(provider=other, name="Ander lokaal")
    offering = OfferingFactory(provider=other, title="Andere cursus", locations=[location])
    StartMomentFactory(offering=offering, location=location)
    provider = ProviderFactory()
    login_staff(client, provider_staff(provider))
    url = f"/admin/snippets/providers/{model}/"

    _catalogue_add(provider, range(1, 4))
    with django_assert_max_num_queries(MAX_QUERIES[model]) as few:
        response = client.get(url)
    _assert_lists_own_rows(response, model, count=3)

    _catalogue_add(provider, range(4, 31))
    with django_assert_max_num_queries(MAX_QUERIES[model]) as many:
        response = client.get(url)
    _assert_lists_own_rows(response, model, count=30)
    assert len(many) <= len(few)
