import datetime

import pytest
from django.utils import timezone

from providers.models import OfferingTranslation
from tests.contracts.factories import MunicipalityFactory
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def offering():
    provider = ProviderFactory(name="Taalhuis Test", slug="taalhuis-test")
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    location = LocationFactory(provider=provider, municipality=haarlem)
    offering = OfferingFactory(
        provider=provider,
        title="B1-route overdag",
        price_cents=650000,
        duo_loan_eligible=True,
        locations=[location],
        support_languages=[LanguageFactory(code="ar")],
    )
    StartMomentFactory(
        offering=offering,
        location=location,
        starts_on=TODAY + datetime.timedelta(days=9),
        seats=12,
        seats_taken=4,
    )
    return offering


def test_offering_list_is_paginated_and_carries_the_promised_fields(client, offering):
    body = client.get("/api/v1/offerings/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    item = body["results"][0]
    assert item["id"] == offering.pk
    assert item["title"] == "B1-route overdag"
    assert item["component"] == "B1_ROUTE"
    assert item["provider"] == {"name": "Taalhuis Test", "slug": "taalhuis-test"}
    assert item["price_cents"] == 650000
    assert item["duo_loan_eligible"] is True
    assert item["schedule"] == "DAYTIME"
    assert item["municipalities"] == ["GM0392"]
    assert item["support_languages"] == ["ar"]
    assert item["next_start"] == (TODAY + datetime.timedelta(days=9)).isoformat()
    assert item["free_seats"] == 8


def test_offering_not_for_sale_has_null_price(client):
    OfferingFactory(price_cents=None)
    assert client.get("/api/v1/offerings/").json()["results"][0]["price_cents"] is None


def test_offering_detail(client, offering):
    response = client.get(f"/api/v1/offerings/{offering.pk}/")
    assert response.status_code == 200
    assert response.json()["title"] == "B1-route overdag"


def test_unpublished_offerings_are_invisible_in_list_and_detail(client):
    draft = OfferingFactory(live=False, title="Concept")
    assert client.get("/api/v1/offerings/").json()["count"] == 0
    assert client.get(f"/api/v1/offerings/{draft.pk}/").status_code == 404


def test_offerings_of_inactive_providers_are_invisible(client):
    OfferingFactory(provider=ProviderFactory(is_active=False))
    assert client.get("/api/v1/offerings/").json()["count"] == 0


def test_api_filters_are_the_catalogue_filters(client, offering):
    OfferingFactory(component="MAP", price_cents=None)
    query = (
        "component=B1_ROUTE&target_group=GEZINSMIGRANT&municipality=GM0392&schedule=DAYTIME"
        f"&max_price=6500&support_language=ar&childcare=false&duo_loan=true&keurmerk=true"
        f"&starts_after={TODAY.isoformat()}"
        f"&starts_before={(TODAY + datetime.timedelta(days=30)).isoformat()}"
        "&q=overdag&ordering=-pass_rate"
    )
    body = client.get(f"/api/v1/offerings/?{query}").json()
    assert [item["id"] for item in body["results"]] == [offering.pk]


def test_api_orders_by_price(client):
    OfferingFactory(title="dear", price_cents=900000)
    OfferingFactory(title="cheap", price_cents=100000)
    results = client.get("/api/v1/offerings/?ordering=price").json()["results"]
    assert [item["title"] for item in results] == ["cheap", "dear"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("max_price=abc", "max_price"),
        ("component=B3_ROUTE", "component"),
        ("municipality=GM9999", "municipality"),
        ("starts_after=2027-13-01", "starts_after"),
        ("duo_loan=maybe", "duo_loan"),
        ("ordering=title", "ordering"),
    ],
)
def test_bad_filter_values_answer_400_naming_the_field(client, query, field):
    response = client.get(f"/api/v1/offerings/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [field]
    assert body[field] and isinstance(body[field][0], str)


def test_api_pages_hold_twenty_offerings(client):
    OfferingFactory.create_batch(23)
    first = client.get("/api/v1/offerings/").json()
    assert (first["count"], len(first["results"])) == (23, 20)
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3


def test_provider_list_and_detail_by_slug(client, offering):
    ProviderFactory(is_active=False, slug="gone")
    body = client.get("/api/v1/providers/").json()
    assert [provider["slug"] for provider in body["results"]] == ["taalhuis-test"]
    assert body["results"][0]["locations"][0]["municipality"] == "GM0392"
    assert client.get("/api/v1/providers/taalhuis-test/").status_code == 200
    assert client.get("/api/v1/providers/gone/").status_code == 404


def test_start_moments_show_free_seats_of_published_offerings_only(client, offering):
    StartMomentFactory(offering=OfferingFactory(live=False))
    StartMomentFactory(offering=offering, starts_on=TODAY - datetime.timedelta(days=3))
    body = client.get("/api/v1/start-moments/").json()
    assert body["count"] == 1
    assert body["results"][0]["free_seats"] == 8
    assert body["results"][0]["offering"] == offering.pk


def test_start_moments_filter_by_offering(client, offering):
    StartMomentFactory()
    body = client.get(f"/api/v1/start-moments/?offering={offering.pk}").json()
    assert {item["offering"] for item in body["results"]} == {offering.pk}


def test_openapi_schema_describes_only_the_public_api(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {
        "/api/v1/offerings/",
        "/api/v1/offerings/{id}/",
        "/api/v1/providers/",
        "/api/v1/start-moments/",
    }
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/offerings/"]["get"]["parameters"]}
    assert {"component", "municipality", "max_price", "ordering", "starts_after", "q"} <= parameters


def _offerings_with_start_moments(count: int) -> None:
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    arabic = LanguageFactory(code="ar")
    for _ in range(count):
        provider = ProviderFactory()
        location = LocationFactory(provider=provider, municipality=haarlem)
        offering = OfferingFactory(
            provider=provider, locations=[location], support_languages=[arabic]
        )
        StartMomentFactory(offering=offering, location=location)


@pytest.mark.parametrize("count", [1, 15])
def test_offering_list_query_count_does_not_grow_with_results(
    client, django_assert_max_num_queries, count
):
    _offerings_with_start_moments(count)
    # count, page, locations, support languages, translations, and the municipality the
    # filter validates
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/offerings/?municipality=GM0392")
    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [1, 15])
def test_provider_and_start_moment_lists_query_count_does_not_grow(
    client, django_assert_max_num_queries, count
):
    _offerings_with_start_moments(count)
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/providers/").status_code == 200
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/start-moments/").json()["count"] == count


def test_an_offering_carries_the_schools_own_translations(client):
    offering = OfferingFactory(title="Avondcursus", summary="Twee avonden")
    OfferingTranslation.objects.create(offering=offering, language="en", title="Evening course")
    OfferingTranslation.objects.create(offering=offering, language="ar", summary="مساءان")
    data = client.get(f"/api/v1/offerings/{offering.pk}/").json()
    assert data["title"] == "Avondcursus"  # unchanged: the Dutch text
    assert data["translations"] == {"ar": {"summary": "مساءان"}, "en": {"title": "Evening course"}}
