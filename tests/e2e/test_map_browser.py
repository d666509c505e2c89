"""The catalogue's map and "Use my location" in a real browser.

The tests run without tiles (``MAP_TILE_URL`` is empty under test): the markers show on a plain
background and no request leaves the machine."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from providers.models import Location, Offering
from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 740}
PHONES = [pytest.param(PHONE_375, id="375px"), pytest.param(PHONE, id="320px")]
RESULT_CARDS = "ol.offering-list > li"
FIRST_SCREEN_PX = 700
MARKERS = "#catalogue-map .leaflet-marker-icon"
# The centre of postcode area 2011 (Haarlem, Grote Markt).
HAARLEM = {"latitude": 52.3851, "longitude": 4.6359}


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture
def site(demo_site) -> str:
    """The demo site with its locations placed: an earlier transactional test may have emptied
    the postcode areas before the seed ran, which left the locations without coordinates."""
    postcode_areas_ensure()
    for location in Location.objects.filter(latitude__isnull=True):
        location.save()  # takes its postcode area's centre
    return demo_site


def card_ids(page) -> list[int]:
    ids = page.eval_on_selector_all(RESULT_CARDS, "cards => cards.map(card => card.id)")
    return [int(card_id.removeprefix("offering-")) for card_id in ids]


def located_places(offering_ids: list[int]) -> dict[tuple, set[str]]:
    """The points where these offerings are taught, each with its locations' "name, city",
    from the database (not from the page's data)."""
    places: dict[tuple, set[str]] = {}
    for location in Location.objects.filter(
        offerings__in=Offering.objects.filter(pk__in=offering_ids).exclude(schedule="ONLINE"),
        latitude__isnull=False,
        longitude__isnull=False,
    ).distinct():
        point = (round(location.latitude, 5), round(location.longitude, 5))
        places.setdefault(point, set()).add(f"{location.name}, {location.city}")
    return places


def test_the_map_shows_one_marker_per_place_of_the_courses_on_the_page(new_page, site):
    page = new_page()
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{site}/en/aanbod/")
    expect(page.locator("#catalogue-map")).to_be_visible()  # open on a wide screen
    expect(page.locator(".catalogue-map__toggle")).to_have_text("Hide map")
    expected = located_places(card_ids(page))
    assert len(expected) >= 3
    expect(page.locator(MARKERS)).to_have_count(len(expected))
    # No tiles: a plain background, and nothing asked of another host.
    assert page.locator("#catalogue-map img.leaflet-tile").count() == 0
    assert all(url.startswith(site) for url in requests), requests
    # Each marker is named by the locations at its point.
    alts = page.eval_on_selector_all(MARKERS, "markers => markers.map(m => m.alt)")
    assert sorted(sorted(alt.split("; ")) for alt in alts) == sorted(
        sorted(names) for names in expected.values()
    )


def test_a_markers_popup_links_to_its_card_in_the_list(new_page, site):
    page = new_page()
    page.goto(f"{site}/en/aanbod/")
    marker = page.locator(MARKERS).first
    place = marker.get_attribute("alt").split("; ")[0]
    marker.click()
    popup = page.locator("#catalogue-map .leaflet-popup-content")
    expect(popup).to_contain_text(place.split(", ")[0])
    link = popup.locator("a").first
    title = link.inner_text()
    href = link.get_attribute("href")
    assert re.fullmatch(r"#offering-\d+", href)
    link.click()
    card = page.locator(href)
    expect(card).to_be_in_viewport()
    expect(card.locator("h3")).to_have_text(title)
    assert page.evaluate("location.hash") == href
    assert page.evaluate("document.activeElement.id") == href[1:]
    # The card's course is taught at the marker's place (the database says so).
    pk = int(href.removeprefix("#offering-"))
    assert place in {
        f"{loc.name}, {loc.city}" for loc in Offering.objects.get(pk=pk).locations.all()
    }


def test_the_searched_point_is_marked_and_the_map_toggles(new_page, site):
    page = new_page()
    page.goto(f"{site}/en/aanbod/?near=2011&ordering=distance")
    expect(page.locator("#catalogue-map path.catalogue-map__near")).to_have_count(1)
    toggle = page.locator(".catalogue-map__toggle")
    toggle.click()
    expect(page.locator("#catalogue-map")).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_text("Show map")
    toggle.click()
    expect(page.locator("#catalogue-map")).to_be_visible()
    expect(page.locator(MARKERS).first).to_be_visible()


def test_without_javascript_there_is_no_map_and_no_button(new_page, site):
    page = new_page(java_script_enabled=False)
    page.goto(f"{site}/en/aanbod/")
    expect(page.locator("#catalogue-map")).to_be_hidden()
    expect(page.locator(".catalogue-map__toggle")).to_be_hidden()
    expect(page.get_by_role("button", name="Use my location")).to_have_count(0)
    assert page.locator(RESULT_CARDS).count() > 0


def _distances(page) -> list[float]:
    texts = page.locator(f"{RESULT_CARDS} .offering-card__provider").all_inner_texts()
    return [float(m.group(1)) for text in texts if (m := re.search(r"(\d+) km away", text))]


@pytest.mark.parametrize("path", ["/en/", "/en/aanbod/?component=B1_ROUTE"])
def test_use_my_location_fills_the_postcode_and_sorts_by_distance(new_page, site, path):
    page = new_page(geolocation=HAARLEM, permissions=["geolocation"])
    page.goto(site + path)
    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url(re.compile(r"near=2011"))
    query = parse_qs(urlsplit(page.url).query)
    assert query["near"] == ["2011"]
    assert query["ordering"] == ["distance"]
    if "component" in path:
        assert query["component"] == ["B1_ROUTE"]  # the other filters are kept
    assert urlsplit(page.url).path == "/en/aanbod/"  # in the visitor's language
    expect(page.locator("#results-heading")).to_contain_text("found")
    distances = _distances(page)
    assert len(distances) >= 2
    assert distances == sorted(distances)
    expect(page.locator("#id_near")).to_have_value("2011")


def test_a_refused_location_says_so_beside_the_button(new_page, site):
    page = new_page(geolocation=HAARLEM, permissions=[])
    page.goto(f"{site}/en/")
    button = page.get_by_role("button", name="Use my location")
    button.click()
    status = page.locator(".near-me__status")
    expect(status).to_have_text(
        "Your browser did not share your location. Type your postcode or place instead."
    )
    expect(status).to_have_attribute("role", "status")
    assert urlsplit(page.url).path == "/en/"  # nothing was sent


def test_a_location_abroad_says_no_dutch_postcode_was_found(new_page, site):
    page = new_page(
        geolocation={"latitude": 48.8566, "longitude": 2.3522}, permissions=["geolocation"]
    )
    page.goto(f"{site}/en/aanbod/")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator(".near-me__status")).to_have_text(
        "We found no Dutch postcode near your location. Type your postcode or place instead."
    )
    assert urlsplit(page.url).query == ""


@pytest.mark.parametrize("viewport", PHONES)
def test_on_a_phone_the_map_waits_behind_its_button_and_nothing_scrolls_sideways(
    new_page, site, viewport
):
    page = new_page(viewport=viewport)
    page.goto(f"{site}/en/aanbod/?near=2011&ordering=distance")
    toggle = page.locator(".catalogue-map__toggle")
    expect(toggle).to_be_in_viewport()
    expect(page.locator("#catalogue-map")).to_be_hidden()
    assert page.locator(RESULT_CARDS).first.bounding_box()["y"] < FIRST_SCREEN_PX
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    toggle.click()
    expect(page.locator(MARKERS).first).to_be_visible()
    box = page.locator("#catalogue-map").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # The "use my location" button fits too (in the filters, further down).
    near_me = page.get_by_role("button", name="Use my location")
    near_me.scroll_into_view_if_needed()
    near_box = near_me.bounding_box()
    assert near_box["x"] + near_box["width"] <= viewport["width"]


@pytest.mark.parametrize("viewport", [pytest.param(DESKTOP, id="1280px"), *PHONES])
def test_the_map_view_has_no_wcag_21_aa_violations(axe_page, site, viewport):
    axe_page.set_viewport_size(viewport)
    axe_page.goto(f"{site}/en/aanbod/?near=2011&ordering=distance")
    toggle = axe_page.locator(".catalogue-map__toggle")
    if toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    marker = axe_page.locator(MARKERS).first
    marker.focus()
    marker.press("Enter")  # with a popup open, opened by the keyboard
    expect(axe_page.locator("#catalogue-map .leaflet-popup-content a").first).to_be_visible()
    # Checked when the popup has faded in and the map has panned to it, not halfway.
    axe_page.wait_for_function(
        "getComputedStyle(document.querySelector('#catalogue-map .leaflet-popup')).opacity === '1'"
    )
    axe_page.wait_for_timeout(400)
    violations = axe_violations(axe_page)
    assert not violations, axe_describe(violations)
