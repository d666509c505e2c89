"""Odd input to the catalogue page's routes is an error on the page, never a server error."""

import pytest

from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db


def test_superscript_digits_are_named_as_not_offering_numbers(client, site_pages):
    first, second = OfferingFactory(), OfferingFactory()
    response = client.get(f"/en/aanbod/vergelijk/?ids={first.pk}&ids={second.pk}&ids=²")
    assert response.status_code == 200
    assert "These are not offering numbers: ²." in response.content.decode()
    assert len(response.context["comparison"].offerings) == 2


@pytest.mark.parametrize("too_large", [str(2**63), "9" * 30])
def test_ids_beyond_64_bits_are_named_as_not_offering_numbers(client, site_pages, too_large):
    response = client.get(f"/en/aanbod/vergelijk/?ids={too_large}")
    assert response.status_code == 400
    assert f"These are not offering numbers: {too_large[:19]}" in response.content.decode()


def test_a_long_bad_value_is_shortened_in_the_message(client, site_pages):
    response = client.get("/en/aanbod/vergelijk/?ids=" + "x" * 5000)
    assert response.status_code == 400
    message = response.context["comparison"].errors[0]
    assert message == f"These are not offering numbers: {'x' * 19}…."
