import pytest

from tests.providers.factories import LocationFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def test_two_to_four_offerings_side_by_side_in_the_order_chosen(client, site_pages):
    offerings = [OfferingFactory(title=f"Cursus {n}") for n in range(4)]
    ids = "&".join(f"ids={o.pk}" for o in reversed(offerings))
    response = client.get(f"/en/aanbod/vergelijk/?{ids}")
    assert response.status_code == 200
    assert [o.title for o in response.context["comparison"].offerings] == [
        "Cursus 3",
        "Cursus 2",
        "Cursus 1",
        "Cursus 0",
    ]
    page = response.content.decode()
    for row in [
        "Price",
        "The price includes",
        "Hours",
        "Weeks",
        "When",
        "Level",
        "Locations",
        "Next start",
        "Free seats",
        "Quality mark",
        "Pass rate",
        "DUO loan possible",
    ]:
        assert f'<th scope="row">{row}</th>' in page, row


def test_the_selection_can_also_be_shared_as_a_comma_list(client, site_pages):
    first, second = OfferingFactory(), OfferingFactory()
    response = client.get(f"/aanbod/vergelijk/?ids={first.pk},{second.pk}")
    assert response.status_code == 200
    assert len(response.context["comparison"].offerings) == 2


def test_more_than_four_is_refused_with_a_clear_message(client, site_pages):
    ids = "&".join(f"ids={OfferingFactory().pk}" for _ in range(5))
    response = client.get(f"/en/aanbod/vergelijk/?{ids}")
    assert response.status_code == 400
    assert "You can compare at most 4 offerings at once; you chose 5." in response.content.decode()
    assert "compare-table" not in response.content.decode()


def test_unknown_ids_are_named_and_the_rest_still_compared(client, site_pages):
    first, second = OfferingFactory(), OfferingFactory()
    response = client.get(
        f"/en/aanbod/vergelijk/?ids={first.pk}&ids={second.pk}&ids=999999&ids=abc"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Offering 999999 does not exist or is no longer published." in page
    assert "These are not offering numbers: abc." in page
    assert "compare-table" in page


def test_fewer_than_two_asks_for_more(client, site_pages):
    response = client.get(f"/en/aanbod/vergelijk/?ids={OfferingFactory().pk}")
    assert response.status_code == 400
    assert "Choose at least 2 offerings to compare." in response.content.decode()
    assert client.get("/en/aanbod/vergelijk/").status_code == 400


def test_compare_query_count_is_the_same_for_two_or_four(
    client, site_pages, django_assert_max_num_queries
):
    offerings = [OfferingFactory(locations=[LocationFactory()]) for _ in range(4)]
    for chosen in (offerings[:2], offerings):
        ids = "&".join(f"ids={o.pk}" for o in chosen)
        with django_assert_max_num_queries(13):
            assert client.get(f"/aanbod/vergelijk/?{ids}").status_code == 200
