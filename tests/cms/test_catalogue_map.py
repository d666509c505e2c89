"""The catalogue's map data (``cms/catalogue_map.py``) and how the page carries it; and the
"Use my location" texts the page gives ``near-me.js``."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from cms.catalogue_map import catalogue_map_data
from providers.models import Location
from providers.selectors import offering_public_queryset
from tests.contracts.factories import MunicipalityFactory
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import LocationFactory, OfferingFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def located(name: str, city: str, latitude: str, longitude: str, **kwargs):
    return LocationFactory(
        name=name,
        city=city,
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        municipality=MunicipalityFactory(),
        **kwargs,
    )


def map_data(response) -> dict | None:
    found = re.search(
        r'<script id="catalogue-map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        flags=re.S,
    )
    return json.loads(found.group(1)) if found else None


@pytest.fixture
def three_places(site_pages):
    provider = ProviderFactory(name="Taalhuis Spaarne")
    grote_markt = located("Grote Markt", "Haarlem", "52.381200", "4.636800", provider=provider)
    velsen = located("Stadhuis", "IJmuiden", "52.459700", "4.611000", provider=provider)
    no_coordinates = LocationFactory(provider=provider, name="Nergens", postcode="9999 ZZ")
    # save() would give it its postcode area's centre; an update keeps it without coordinates.
    type(no_coordinates).objects.filter(pk=no_coordinates.pk).update(latitude=None, longitude=None)
    evening = OfferingFactory(
        provider=provider, title="B1 avond", locations=[grote_markt, velsen], price_cents=10000
    )
    day = OfferingFactory(
        provider=provider, title="B1 dag", locations=[grote_markt], price_cents=20000
    )
    online = OfferingFactory(
        provider=provider, title="KNM online", schedule="ONLINE", locations=[grote_markt]
    )
    nowhere = OfferingFactory(
        provider=provider, title="MAP zonder plaats", locations=[no_coordinates]
    )
    return {"evening": evening, "day": day, "online": online, "nowhere": nowhere}


def test_the_map_has_each_place_of_the_page_once_with_the_courses_taught_there(
    client, three_places
):
    evening, day = three_places["evening"], three_places["day"]
    data = map_data(client.get("/en/aanbod/", {"ordering": "price"}))
    assert data["places"] == [
        {
            "lat": 52.3812,
            "lon": 4.6368,
            "locations": [
                {
                    "name": "Grote Markt",
                    "city": "Haarlem",
                    "courses": [
                        {"title": "B1 avond", "href": f"#offering-{evening.pk}"},
                        {"title": "B1 dag", "href": f"#offering-{day.pk}"},
                    ],
                }
            ],
        },
        {
            "lat": 52.4597,
            "lon": 4.611,
            "locations": [
                {
                    "name": "Stadhuis",
                    "city": "IJmuiden",
                    "courses": [{"title": "B1 avond", "href": f"#offering-{evening.pk}"}],
                }
            ],
        },
    ]
    assert data["near"] is None


def test_every_course_on_the_map_is_a_card_in_the_list(client, three_places):
    response = client.get("/en/aanbod/")
    html = response.content.decode()
    hrefs = {
        course["href"]
        for place in map_data(response)["places"]
        for location in place["locations"]
        for course in location["courses"]
    }
    assert hrefs
    for href in hrefs:
        assert f'id="{href[1:]}"' in html


def test_an_online_course_and_a_place_without_coordinates_have_no_marker(client, three_places):
    data = map_data(client.get("/en/aanbod/"))
    locations = [location for place in data["places"] for location in place["locations"]]
    titles = {course["title"] for location in locations for course in location["courses"]}
    assert "KNM online" not in titles
    assert "MAP zonder plaats" not in titles
    assert "Nergens" not in {location["name"] for location in locations}


def test_the_map_shows_only_the_courses_of_the_result_page(client, three_places):
    data = map_data(client.get("/en/aanbod/", {"q": "dag"}))
    [place] = data["places"]
    [location] = place["locations"]
    assert location["name"] == "Grote Markt"
    assert [course["title"] for course in location["courses"]] == ["B1 dag"]


def test_a_page_without_places_has_no_map(client, three_places):
    response = client.get("/en/aanbod/", {"q": "online"})
    assert response.context["offerings"]
    html = response.content.decode()
    assert map_data(response) is None
    assert "catalogue-map" not in html
    assert "leaflet" not in html


def test_the_searched_point_is_on_the_map_with_what_was_typed(client, three_places):
    postcode_areas_ensure()
    data = map_data(client.get("/en/aanbod/", {"near": "2011  ab", "ordering": "distance"}))
    assert data["near"]["label"] == "You searched near 2011 ab"
    assert data["near"]["lat"] == pytest.approx(52.3851, abs=1e-3)
    assert data["near"]["lon"] == pytest.approx(4.6359, abs=1e-3)


def test_the_map_is_hidden_until_its_script_draws_it_and_the_scripts_are_files(
    client, three_places
):
    html = client.get("/en/aanbod/").content.decode()
    assert re.search(r'<div class="catalogue-map" id="catalogue-map" hidden>', html)
    toggle = re.search(r"<button[^>]*catalogue-map__toggle[^>]*>", html).group(0)
    assert " hidden " in toggle
    assert 'aria-controls="catalogue-map"' in toggle
    assert 'role="region" aria-label="Map of the courses on this page"' in html
    assert "Every place on the map is also in the list below." in html
    assert '<link rel="stylesheet" href="/static/vendor/leaflet/leaflet.css">' in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer>' in scripts
    assert '<script src="/static/js/catalogue-map.js" defer>' in scripts
    # The only script element without a src is the map's data, which a browser never runs.
    assert [s for s in scripts if "src=" not in s] == [
        '<script id="catalogue-map-data" type="application/json">'
    ]


def test_the_tiles_follow_the_settings(client, three_places, settings):
    settings.MAP_TILE_URL = "http://127.0.0.1:9/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "Kaartgegevens © Kadaster"
    data = map_data(client.get("/en/aanbod/"))
    assert data["tiles"] == "http://127.0.0.1:9/{z}/{x}/{y}.png"
    assert data["attribution"] == "Kaartgegevens © Kadaster"


def test_locations_at_the_same_point_share_one_marker(client, three_places):
    # Two locations that got the same postcode area's centre: one marker could hide the other.
    located("Bibliotheek", "Haarlem", "52.381200", "4.636800")
    OfferingFactory(title="Taalcafé", locations=[Location.objects.get(name="Bibliotheek")])
    data = map_data(client.get("/en/aanbod/", {"ordering": "price"}))
    assert len(data["places"]) == 2
    assert [location["name"] for location in data["places"][0]["locations"]] == [
        "Grote Markt",
        "Bibliotheek",
    ]


def test_the_map_data_reads_the_prefetched_locations_without_a_query(
    three_places, django_assert_max_num_queries
):
    for number in range(20):
        OfferingFactory(
            title=f"Extra {number}",
            locations=[located(f"Plek {number}", "Haarlem", "52.38", f"4.{number:02d}")],
        )
    offerings = list(offering_public_queryset())
    assert len(offerings) == 24
    with django_assert_max_num_queries(0):
        data = catalogue_map_data(offerings=offerings)
    assert len(data["places"]) == 22


@pytest.mark.parametrize("path", ["/en/", "/en/aanbod/"])
def test_the_near_field_gets_use_my_location_texts_and_the_endpoint(client, site_pages, path):
    html = client.get(path).content.decode()
    form = next(
        form
        for form in re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
        if 'name="near"' in form
    )
    assert 'data-near-me="/api/v1/places/nearest/"' in form
    assert 'data-near-me-label="Use my location"' in form
    assert "data-near-me-denied=" in form
    assert '<script src="/static/js/near-me.js" defer></script>' in html
