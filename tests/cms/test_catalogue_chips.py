"""Active filters as chips: each links to the same list without exactly that one value."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.contracts.factories import MunicipalityFactory
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db

MAP = "Component: Labour market and participation module (MAP)"
PVT = "Component: Participation statement (PVT)"


def chips(response) -> dict[str, str]:
    """Chip text (without the "remove" hint) → the address it links to."""
    found = {}
    page = response.content.decode()
    for href, label in re.findall(r'<a class="chip" href="([^"]*)">([^<]*?) <span', page):
        found[html.unescape(label)] = html.unescape(href)
    return found


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_each_chip_removes_exactly_its_own_value_and_keeps_the_rest(client, site_pages):
    MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    OfferingFactory(component="MAP")
    response = client.get(
        "/en/aanbod/?component=MAP&component=PVT&municipality=GM0392&childcare=true"
        "&ordering=price&page=1"
    )
    assert response.status_code == 200
    found = chips(response)
    assert set(found) == {
        MAP,
        PVT,
        "Municipality: Haarlem",
        "Childcare available",
    }, found
    assert query_of(found[MAP]) == {
        "component": ["PVT"],
        "municipality": ["GM0392"],
        "childcare": ["true"],
        "ordering": ["price"],
    }
    assert query_of(found[PVT])["component"] == ["MAP"]
    without_place = query_of(found["Municipality: Haarlem"])
    assert "municipality" not in without_place
    assert without_place["component"] == ["MAP", "PVT"]
    assert "childcare" not in query_of(found["Childcare available"])
    for url in found.values():
        assert urlsplit(url).path == "/en/aanbod/"
        assert "page" not in query_of(url)  # back to the first page of the wider list


def test_the_filters_button_counts_the_active_filter_values(client, site_pages):
    page = client.get("/en/aanbod/?component=MAP&component=PVT&ordering=price").content.decode()
    toggle = r'class="button button--secondary filters-toggle" href="#filters">Filters \(2\)<'
    assert re.search(toggle, page)
    assert '<a class="chips__clear" href="/en/aanbod/">Clear all</a>' in page


def test_without_filters_there_are_no_chips_and_no_count(client, site_pages):
    page = client.get("/en/aanbod/?ordering=price").content.decode()
    assert 'class="chip"' not in page
    assert 'href="#filters">Filters<' in page


def test_the_last_chip_links_to_the_bare_list(client, site_pages):
    found = chips(client.get("/en/aanbod/?childcare=false"))
    assert found == {"Childcare available: no": "/en/aanbod/"}


def test_a_filter_error_keeps_the_filters_with_the_error_beside_the_field_and_a_chip(
    client, site_pages
):
    response = client.get("/en/aanbod/?max_price=abc&component=MAP")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_max_price_error"' in page  # beside the field, in the filter form
    assert page.index('id="filters"') < page.index('id="id_max_price_error"')
    found = chips(response)
    assert query_of(found["Maximum price (euro): abc"]) == {"component": ["MAP"]}
    assert query_of(found[MAP]) == {"max_price": ["abc"]}


def test_results_come_before_the_filters_in_the_page(client, site_pages):
    OfferingFactory(title="Eerste cursus")
    page = client.get("/en/aanbod/").content.decode()
    assert page.index("Eerste cursus") < page.index('id="filters-heading"')
    assert page.index('id="results-heading"') < page.index("Eerste cursus")
