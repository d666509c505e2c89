"""Near-me search: ``near``, ``max_distance_km`` and ``ordering=distance`` on the catalogue's one
FilterSet, through both front doors (the page at /aanbod/ and /api/v1/offerings/), and the
coordinates a location gets from its postcode."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.http import QueryDict
from django.utils import timezone, translation

from portal.demo import data as demo_data
from portal.places.geo import distance_km, point_for, postcode_point
from providers import selectors
from providers.filters import OfferingFilterSet
from providers.models import Location
from providers.selectors import offering_public_queryset, offerings_nearest_slice
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
UNKNOWN = "We do not know this postcode or place. Try a 4-digit postcode, like 2011."


@pytest.fixture(autouse=True)
def postcode_areas(db):
    postcode_areas_ensure()


def located(title: str, postcode: str, **fields):
    """A published offering taught at one location in ``postcode``, with an open start date."""
    location = LocationFactory(postcode=postcode)
    offering = OfferingFactory(
        title=title, provider=location.provider, locations=[location], **fields
    )
    StartMomentFactory(offering=offering, location=location)
    return offering


@pytest.fixture
def catalogue():
    """Around Haarlem (2011): Amsterdam 17.6 km, Leiden 26 km, Groningen 150 km; two online."""
    located("haarlem", "2011 RD")
    located("amsterdam", "1012 AB")
    located("leiden", "2311 AA")
    located("groningen", "9711 AA")
    online = OfferingFactory(title="online", schedule="ONLINE")
    StartMomentFactory(offering=online)  # no location
    OfferingFactory(title="no-place")  # no location, no start date
    return None


def results(query: str) -> list:
    filterset = OfferingFilterSet(QueryDict(query), queryset=offering_public_queryset())
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def errors(query: str) -> dict:
    filterset = OfferingFilterSet(QueryDict(query), queryset=offering_public_queryset())
    assert not filterset.is_valid()
    return filterset.errors


def titles(query: str) -> list[str]:
    return [offering.title for offering in results(query)]


# --- The FilterSet ----------------------------------------------------------------------------


def test_ordering_by_distance_puts_the_nearest_first_and_online_courses_last(catalogue):
    assert titles("near=2011&ordering=distance") == [
        "haarlem",
        "amsterdam",
        "leiden",
        "groningen",
        "no-place",
        "online",
    ]


def test_a_place_name_orders_like_its_postcode(catalogue):
    assert titles("near=Leiden&ordering=distance")[:3] == ["leiden", "haarlem", "amsterdam"]


def test_each_offering_carries_its_distance_and_whether_it_is_online_only(catalogue):
    by_title = {offering.title: offering for offering in results("near=2011+AB")}
    assert by_title["haarlem"].distance_km < 1
    expected = distance_km(point_for("2011"), point_for("1012"))
    assert by_title["amsterdam"].distance_km == pytest.approx(expected, abs=0.01)
    assert 17 < by_title["amsterdam"].distance_km < 18
    assert 140 < by_title["groningen"].distance_km < 160
    for title in ("online", "no-place"):
        assert by_title[title].distance_km is None
        assert by_title[title].is_online_only is True
    assert by_title["haarlem"].is_online_only is False


def test_without_near_there_is_no_distance_and_the_order_stays(catalogue):
    offerings = results("")
    assert {offering.distance_km for offering in offerings} == {None}
    assert [o.title for o in offerings] == [o.title for o in results("ordering=next_start")]


def test_max_distance_keeps_the_near_ones_and_every_online_course(catalogue):
    assert sorted(titles("near=2011&max_distance_km=20")) == [
        "amsterdam",
        "haarlem",
        "no-place",
        "online",
    ]
    assert sorted(titles("near=2011&max_distance_km=300")) == sorted(titles(""))


def test_a_location_without_coordinates_is_not_near_but_not_online_either():
    located("nowhere", "1004 AB")  # a postcode area the data does not have
    [offering] = results("near=2011")
    assert (offering.distance_km, offering.is_online_only) == (None, False)
    assert titles("near=2011&max_distance_km=300") == []


def test_the_distance_is_to_the_nearest_location_of_an_open_start_date():
    provider = ProviderFactory()
    groningen = LocationFactory(provider=provider, postcode="9711 AA")
    amsterdam = LocationFactory(provider=provider, postcode="1012 AB")
    haarlem = LocationFactory(provider=provider, postcode="2011 RD")
    offering = OfferingFactory(provider=provider, locations=[haarlem, groningen, amsterdam])
    StartMomentFactory(offering=offering, location=groningen)
    StartMomentFactory(offering=offering, location=amsterdam)
    # In Haarlem only a start date that is full and one that has begun: no longer for sale.
    StartMomentFactory(offering=offering, location=haarlem, seats=5, seats_taken=5)
    StartMomentFactory(
        offering=offering,
        location=haarlem,
        starts_on=TODAY - datetime.timedelta(days=3),
    )
    [result] = results("near=2011")
    assert 17 < result.distance_km < 18  # Amsterdam: the nearest place one can still start


def test_a_course_with_no_open_start_date_is_as_far_as_its_locations():
    full = located("full", "2311 AA")
    full.start_moments.update(seats=3, seats_taken=3)
    listed_only = OfferingFactory(title="listed", locations=[LocationFactory(postcode="1012 AB")])
    assert listed_only.start_moments.count() == 0
    by_title = {offering.title: offering for offering in results("near=2011")}
    assert 20 < by_title["full"].distance_km < 30
    assert 17 < by_title["listed"].distance_km < 18
    assert not by_title["full"].is_online_only and not by_title["listed"].is_online_only


def test_an_online_course_with_a_location_has_no_distance():
    offering = located("online-with-office", "2011 RD", schedule="ONLINE")
    [result] = results("near=2011")
    assert result.pk == offering.pk
    assert (result.distance_km, result.is_online_only) == (None, True)


@pytest.mark.parametrize("near", ["Atlantis", "1004", "0999", "2011 ABC", "\x00", "x" * 101])
def test_an_unknown_or_malformed_near_is_an_error_on_that_field(near):
    query = QueryDict(mutable=True)
    query.update({"near": near, "ordering": "distance", "max_distance_km": "10"})
    filterset = OfferingFilterSet(query, queryset=offering_public_queryset())
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["near"]


def test_the_unknown_near_message_says_what_to_do():
    with translation.override("en"):
        assert errors("near=Atlantis")["near"] == [UNKNOWN]


def test_distance_filters_without_near_are_errors_on_their_own_fields():
    assert list(errors("max_distance_km=10")) == ["max_distance_km"]
    assert list(errors("ordering=distance")) == ["ordering"]
    assert list(errors("near=&ordering=distance")) == ["ordering"]


@pytest.mark.parametrize("value", ["0", "301", "1.5", "-3", "ten"])
def test_max_distance_is_a_whole_number_from_1_to_300(value):
    assert list(errors(f"near=2011&max_distance_km={value}")) == ["max_distance_km"]


# --- The catalogue page -----------------------------------------------------------------------


def test_catalogue_page_orders_by_distance_and_hands_the_cards_their_distance(
    client, site_pages, catalogue
):
    response = client.get("/aanbod/?near=2011&ordering=distance")
    assert response.status_code == 200
    offerings = list(response.context["offerings"])
    assert [offering.title for offering in offerings] == [
        "haarlem",
        "amsterdam",
        "leiden",
        "groningen",
        "no-place",
        "online",
    ]
    assert 17 < offerings[1].distance_km < 18
    assert [offering.is_online_only for offering in offerings] == [False] * 4 + [True] * 2


def test_catalogue_page_keeps_only_the_near_ones_and_online_courses(client, site_pages, catalogue):
    response = client.get("/aanbod/?near=Haarlem&max_distance_km=20&ordering=distance")
    titles = [offering.title for offering in response.context["offerings"]]
    assert titles == ["haarlem", "amsterdam", "no-place", "online"]


@pytest.mark.parametrize(("prefix", "language"), [("/en", "en"), ("", "nl")])
def test_catalogue_page_says_beside_the_field_that_near_is_unknown(
    client, site_pages, catalogue, prefix, language
):
    response = client.get(f"{prefix}/aanbod/?near=Atlantis&ordering=distance")
    assert response.status_code == 400
    with translation.override(language):
        message = translation.gettext(UNKNOWN)
    assert response.context["filter"].errors == {"near": [message]}
    assert 'href="#id_near"' in response.content.decode()
    assert "haarlem" not in [o.title for o in response.context.get("offerings") or []]


@pytest.mark.parametrize("count", [2, 25])
def test_catalogue_page_near_me_query_count_does_not_grow(
    client, site_pages, django_assert_max_num_queries, count
):
    for number in range(count):
        located(f"course {number}", "1012 AB")
    # The catalogue's own 17 (see tests/cms) and the one that finds where 2011 is.
    with django_assert_max_num_queries(18):
        response = client.get("/aanbod/?near=2011&ordering=distance&max_distance_km=50")
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == count


# --- Pages sorted nearest first, sought near the point (offerings_nearest_slice) -------------


@pytest.fixture
def spread():
    """Offerings around Haarlem (2011) at many distances, and the awkward ones: two at the same
    place (same distance: the title decides), one whose Haarlem start date is full and whose open
    one is in Groningen (in the small box, but 160 km away), one known only by its listed
    location, one without coordinates, two online."""
    for title, postcode in [
        ("a-haarlem", "2011 RD"),
        ("b-haarlem", "2011 RD"),
        ("heemstede", "2101 AA"),
        ("amsterdam", "1012 AB"),
        ("leiden", "2311 AA"),
        ("rotterdam", "3011 AA"),
        ("utrecht", "3511 AA"),
        ("groningen", "9711 AA"),
        ("maastricht", "6211 AA"),
        ("nowhere", "1004 AB"),
    ]:
        located(title, postcode)
    provider = ProviderFactory()
    haarlem = LocationFactory(provider=provider, postcode="2011 RD")
    groningen = LocationFactory(provider=provider, postcode="9711 AA")
    far = OfferingFactory(title="full-here", provider=provider, locations=[haarlem])
    StartMomentFactory(offering=far, location=haarlem, seats=2, seats_taken=2)
    StartMomentFactory(offering=far, location=groningen)
    OfferingFactory(title="listed-only", locations=[LocationFactory(postcode="2012 AB")])
    OfferingFactory(title="online", schedule="ONLINE")
    OfferingFactory(title="no-place")


def nearest_first(query: str = "near=2011&ordering=distance"):
    filterset = OfferingFilterSet(QueryDict(query), queryset=offering_public_queryset())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs, filterset.form.cleaned_data["near"]


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 5])
def test_every_page_sought_near_the_point_is_that_page_of_the_whole_list(
    spread, per_page, monkeypatch
):
    monkeypatch.setattr(selectors, "NEAREST_RADII_KM", (1, 5, 30, 60))
    queryset, point = nearest_first()
    whole = [offering.title for offering in queryset]
    assert whole[:4] == ["a-haarlem", "b-haarlem", "listed-only", "heemstede"]
    found_near = 0
    for bottom in range(0, len(whole), per_page):
        top = min(bottom + per_page, len(whole))
        rows = offerings_nearest_slice(queryset, point=point, bottom=bottom, top=top)
        if rows is not None:
            found_near += 1
            assert [offering.title for offering in rows] == whole[bottom:top]
            assert [offering.distance_km for offering in rows] == [
                offering.distance_km for offering in queryset[bottom:top]
            ]
    assert found_near >= 6 // per_page  # the pages within 60 km were found near the point


def test_pages_beyond_the_largest_radius_are_left_to_the_whole_list(spread, monkeypatch):
    monkeypatch.setattr(selectors, "NEAREST_RADII_KM", (1, 5))
    queryset, point = nearest_first()
    assert offerings_nearest_slice(queryset, point=point, bottom=0, top=3) is not None
    # Heemstede (about 4 km) is the 4th; the 5th, Amsterdam, is 17 km away.
    assert offerings_nearest_slice(queryset, point=point, bottom=3, top=5) is None


def test_the_other_filters_apply_to_the_offerings_near_the_point(spread):
    queryset, point = nearest_first("near=2011&ordering=distance&q=haarlem")
    rows = offerings_nearest_slice(queryset, point=point, bottom=0, top=2)
    assert [offering.title for offering in rows] == ["a-haarlem", "b-haarlem"]


def test_the_catalogue_pages_sorted_nearest_first_follow_on_from_each_other(
    client, site_pages, spread
):
    catalogue = site_pages["catalogue"]
    catalogue.page_size = 3
    catalogue.save()
    queryset, _point = nearest_first()
    shown = []
    for number in range(1, 6):
        response = client.get(f"/aanbod/?near=2011&ordering=distance&page={number}")
        shown += [offering.title for offering in response.context["offerings"]]
    assert shown == [offering.title for offering in queryset]


def test_max_distance_counts_the_same_offerings_with_the_box_first(spread):
    assert titles("near=2011&max_distance_km=20&ordering=distance") == [
        "a-haarlem",
        "b-haarlem",
        "listed-only",
        "heemstede",
        "amsterdam",
        "no-place",
        "online",
    ]


# --- The API ----------------------------------------------------------------------------------


def test_api_orders_by_distance_with_the_distance_to_a_tenth(client, catalogue):
    body = client.get("/api/v1/offerings/?near=2011&ordering=distance").json()
    rows = [(row["title"], row["distance_km"], row["online_only"]) for row in body["results"]]
    amsterdam = round(distance_km(point_for("2011"), point_for("1012")), 1)
    assert rows[1] == ("amsterdam", amsterdam, False)
    assert [row[0] for row in rows] == [
        "haarlem",
        "amsterdam",
        "leiden",
        "groningen",
        "no-place",
        "online",
    ]
    assert rows[-2:] == [("no-place", None, True), ("online", None, True)]
    assert all(row[1] == round(row[1], 1) for row in rows[:4])


def test_api_without_near_gives_no_distance(client, catalogue):
    body = client.get("/api/v1/offerings/").json()
    assert {row["distance_km"] for row in body["results"]} == {None}


def test_api_max_distance_keeps_online_courses(client, catalogue):
    body = client.get("/api/v1/offerings/?near=2011&max_distance_km=20&ordering=distance").json()
    assert [row["title"] for row in body["results"]] == [
        "haarlem",
        "amsterdam",
        "no-place",
        "online",
    ]


@pytest.mark.parametrize("language", ["en", "nl"])
def test_api_answers_400_on_an_unknown_near_in_the_clients_language(client, catalogue, language):
    response = client.get(
        "/api/v1/offerings/?near=Atlantis&ordering=distance", HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 400
    with translation.override(language):
        assert response.json() == {"near": [translation.gettext(UNKNOWN)]}


@pytest.mark.parametrize(
    ("query", "field"),
    [("ordering=distance", "ordering"), ("max_distance_km=5", "max_distance_km")],
)
def test_api_answers_400_on_distance_without_near(client, query, field):
    response = client.get(f"/api/v1/offerings/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize("count", [1, 15])
def test_api_near_me_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    for number in range(count):
        located(f"course {number}", "1012 AB")
    # count, page, locations, support languages, the schools' translations, and the one that
    # finds where 2011 is
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/offerings/?near=2011&ordering=distance")
    assert response.json()["count"] == count


def test_openapi_schema_describes_the_near_me_parameters_and_distance(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = {
        parameter["name"]: parameter
        for parameter in schema["paths"]["/api/v1/offerings/"]["get"]["parameters"]
    }
    assert parameters["near"]["schema"]["type"] == "string"
    assert parameters["max_distance_km"]["schema"]["type"] == "integer"
    assert "distance" in parameters["ordering"]["schema"]["enum"]
    offering = schema["components"]["schemas"]["Offering"]["properties"]
    assert offering["distance_km"]["type"] == "number"
    assert offering["distance_km"]["nullable"] is True
    assert offering["online_only"]["type"] == "boolean"


# --- Locations get coordinates from their postcode --------------------------------------------


def test_a_location_without_coordinates_gets_its_postcode_areas_centre():
    location = LocationFactory(postcode="2011 RD")
    location.refresh_from_db()
    centre = postcode_point("2011")
    assert location.latitude == Decimal(str(round(centre.latitude, 6)))
    assert location.longitude == Decimal(str(round(centre.longitude, 6)))


def test_coordinates_someone_gave_are_never_overwritten():
    location = LocationFactory(
        postcode="2011 RD", latitude=Decimal("52.1"), longitude=Decimal("4.2")
    )
    location.postcode = "9711 AA"
    location.save()
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (Decimal("52.1"), Decimal("4.2"))


def test_a_new_postcode_moves_coordinates_that_came_from_the_old_postcode():
    location = LocationFactory(postcode="2011 RD")
    location.refresh_from_db()  # the stored (rounded) centre of 2011, as the admin form has it
    location.postcode = "9711 AA"
    location.save()
    location.refresh_from_db()
    centre = postcode_point("9711")
    assert location.latitude == Decimal(str(round(centre.latitude, 6)))
    assert location.longitude == Decimal(str(round(centre.longitude, 6)))


def test_a_new_postcode_the_data_lacks_clears_the_old_postcodes_coordinates():
    location = LocationFactory(postcode="2011 RD")
    location.refresh_from_db()
    location.postcode = "1004 AB"
    location.save()
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (None, None)


def test_a_postcode_the_data_lacks_leaves_the_coordinates_empty():
    location = LocationFactory(postcode="1004 AB")
    location.refresh_from_db()
    assert (location.latitude, location.longitude) == (None, None)


def test_the_data_migration_fills_the_locations_saved_before():
    old = LocationFactory(postcode="1012 AB")
    given = LocationFactory(postcode="1012 AB", latitude=Decimal("51"), longitude=Decimal("5"))
    Location.objects.filter(pk=old.pk).update(latitude=None, longitude=None)
    migration = importlib.import_module(
        "providers.migrations.0009_location_coordinates_from_postcode"
    )
    migration.fill(apps, SimpleNamespace(connection=connection))
    old.refresh_from_db()
    given.refresh_from_db()
    assert 52.3 < old.latitude < 52.4 and 4.8 < old.longitude < 4.9
    assert (given.latitude, given.longitude) == (Decimal("51"), Decimal("5"))


def test_every_demo_location_gets_coordinates():
    postcodes = [
        postcode for spec in demo_data.PROVIDERS for _, _, postcode, _, _ in spec["locations"]
    ]
    assert postcodes
    assert [postcode for postcode in postcodes if postcode_point(postcode) is None] == []
