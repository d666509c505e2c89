"""The catalogue's kept search result (``cms/catalogue_result.py``): the count and a page's
offerings, shared by every visitor asking for the same filters and page on the same day. The
second request reads no offering from the database; a change shows on the next request;
languages, queries and pages never mix; the personal parts stay personal.

Most visitors here are signed in (a session), so the whole-page cache is out of play."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from cms import catalogue_result
from cms.catalogue_result import result_name
from cms.models import CataloguePage
from providers.seats import seat_take
from tests.cms.test_catalogue_fragments import TOKEN, card, learner_client, text
from tests.cms.test_compare_basket import post
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

FOUND = re.compile(r"(\d+) courses? found")


def offering_add(title: str, *, price_cents: int | None = 50000, postcode: str = "2011 RD"):
    location = LocationFactory(city="Haarlem", postcode=postcode)
    offering = OfferingFactory(
        title=title, price_cents=price_cents, provider=location.provider, locations=[location]
    )
    StartMomentFactory(offering=offering, location=location, seats=12)
    return offering


@pytest.fixture
def offering(site_pages):
    return offering_add("Avond B1")


def offering_queries(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries if '"providers_offering"' in query["sql"]]


@pytest.mark.parametrize("near", ["", "&near=2011&ordering=distance"])
def test_the_second_request_reads_no_offering(offering, near, django_assert_max_num_queries):
    postcode_areas_ensure()
    client = learner_client()
    url = f"/en/aanbod/?component=B1_ROUTE{near}"
    with CaptureQueriesContext(connection) as first:
        first_page = text(client.get(url))
    with CaptureQueriesContext(connection) as second:
        second_page = text(client.get(url))
    assert offering_queries(first)  # the count and the page, at least
    assert not offering_queries(second)
    assert len(second) <= len(first) - 2
    # Routing and menu (11), session and user with Wagtail's permissions (4); near: where 2011 is.
    with django_assert_max_num_queries(15 + (1 if near else 0)):
        client.get(url)
    # The same page: the count, the card, the Enrol button, the map.
    assert "1 course found" in second_page
    assert TOKEN.sub("", card(second_page, offering)) == TOKEN.sub("", card(first_page, offering))
    start_id = offering.start_moments.get().pk
    assert re.search(f'action="[^"]*/inschrijven/{start_id}/"', card(second_page, offering))
    assert "Enrol: starts" in card(second_page, offering)
    map_data = second_page.split('id="catalogue-map-data"')[1].split("</script>")[0]
    assert "Haarlem" in map_data and f"#offering-{offering.pk}" in map_data
    assert ("You searched near 2011" in map_data) == bool(near)


def test_anonymous_visitors_share_the_result_across_addresses(offering):
    """The whole-page cache keys on the address as typed; the result on the filters."""
    with CaptureQueriesContext(connection):
        Client().get("/en/aanbod/?component=B1_ROUTE&ordering=price")
    with CaptureQueriesContext(connection) as second:
        page = text(Client().get("/en/aanbod/?ordering=price&component=B1_ROUTE"))
    assert not offering_queries(second)
    assert "1 course found" in page


def test_a_seat_taken_shows_on_the_next_request(offering, django_capture_on_commit_callbacks):
    client = learner_client()
    assert "12 seats free" in card(text(client.get("/en/aanbod/")), offering)
    with django_capture_on_commit_callbacks(execute=True):
        seat_take(start_moment_id=offering.start_moments.get().pk, purpose="test")
    assert "11 seats free" in card(text(client.get("/en/aanbod/")), offering)
    # The last seat: the course stays listed (a waiting list), the kept result knows no seats.
    for _ in range(11):
        with django_capture_on_commit_callbacks(execute=True):
            seat_take(start_moment_id=offering.start_moments.get().pk, purpose="test")
    client.get("/en/aanbod/?q=")
    after = text(client.get("/en/aanbod/"))
    assert "11 seats free" not in after


def test_a_price_change_shows_and_a_course_without_a_price_loses_its_enrol_button(offering):
    client = learner_client()
    assert "Enrol: starts" in card(text(client.get("/en/aanbod/")), offering)
    offering.price_cents = 42500
    offering.save()
    shown = card(text(client.get("/en/aanbod/")), offering)
    assert "€\u00a0425" in shown
    offering.price_cents = None
    offering.save()
    # Another address renders the card again first: the kept result must not outlive it.
    assert "Enrol: starts" not in card(text(client.get("/en/aanbod/?q=")), offering)
    assert "Enrol: starts" not in card(text(client.get("/en/aanbod/")), offering)


def test_a_new_offering_shows_on_the_next_request(offering):
    client = learner_client()
    assert "1 course found" in text(client.get("/en/aanbod/"))
    newer = offering_add("Ochtend B1")
    # Another address renders both cards first, so only the kept result could be stale.
    assert "2 courses found" in text(client.get("/en/aanbod/?q="))
    page = text(client.get("/en/aanbod/"))
    assert "2 courses found" in page
    assert "Ochtend B1" in card(page, newer)


def test_queries_and_pages_never_mix(site_pages):
    CataloguePage.objects.update(page_size=1)
    first = offering_add("Avond B1", price_cents=10000)
    second = offering_add("Ochtend B1", price_cents=20000)
    client = learner_client()
    by_price = "/en/aanbod/?ordering=price"
    page_one = text(client.get(by_price))
    page_two = text(client.get(f"{by_price}&page=2"))
    again_one = text(client.get(by_price))
    assert f'id="offering-{first.pk}"' in page_one and f'id="offering-{second.pk}"' not in page_one
    assert f'id="offering-{second.pk}"' in page_two and f'id="offering-{first.pk}"' not in page_two
    assert f'id="offering-{first.pk}"' in again_one
    assert "Page 1 of 2" in again_one
    # Beyond the last page: the last page, as without the kept result, the second time too.
    for _ in range(2):
        beyond = text(client.get(f"{by_price}&page=99"))
        assert f'id="offering-{second.pk}"' in beyond
        assert "Page 2 of 2" in beyond
    searched = text(client.get("/en/aanbod/?ordering=price&q=ochtend"))
    assert FOUND.search(searched).group(1) == "1"
    assert f'id="offering-{first.pk}"' not in searched


def test_languages_never_mix(offering):
    client = learner_client()
    dutch = text(client.get("/aanbod/?component=B1_ROUTE"))
    english = text(client.get("/en/aanbod/?component=B1_ROUTE"))
    again_dutch = text(client.get("/aanbod/?component=B1_ROUTE"))
    assert "1 course found" in english
    assert "12 seats free" in card(english, offering)
    for page in (dutch, again_dutch):
        assert "course found" not in page
        assert "12 plaatsen vrij" in card(page, offering)
        assert "seats free" not in page


def test_invalid_filters_still_get_the_error_page(offering):
    client = learner_client()
    assert client.get("/en/aanbod/?component=B1_ROUTE").status_code == 200
    response = client.get("/en/aanbod/?component=B1_ROUTE&starts_after=not-a-date")
    assert response.status_code == 400
    assert "Some filters could not be used" in text(response)


def test_a_signed_in_page_from_the_kept_result_is_still_personal(offering):
    visitor_a = learner_client()
    post(visitor_a, add=str(offering.pk), next="/en/aanbod/")
    Client().get("/en/aanbod/")  # the result and cards are now kept, for nobody in particular
    a_page = text(visitor_a.get("/en/aanbod/"))
    assert "On your compare list" in card(a_page, offering)
    visitor_b = learner_client()
    b_page = text(visitor_b.get("/en/aanbod/"))
    b_card = card(b_page, offering)
    assert "On your compare list" not in b_card
    assert f'name="add" value="{offering.pk}"' in b_card
    assert TOKEN.search(b_card)
    assert not set(TOKEN.findall(a_page)) & set(TOKEN.findall(b_page))
    assert re.search(r'action="(/en)?/accounts/logout/"', b_page)


def test_the_result_is_kept_by_day_filters_in_any_order_and_page(site_pages, monkeypatch):
    page = CataloguePage.objects.get()
    factory = RequestFactory()

    def name(query: str) -> str:
        return result_name(factory.get(f"/aanbod/?{query}"), page)

    assert name("a=1&b=2") == name("b=2&a=1")
    assert name("a=1&a=2") != name("a=2&a=1")  # the last value of a name can count
    assert name("a=1") != name("a=1&page=2")
    assert name("a=1") != name("a=2")
    today = name("a=1")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    monkeypatch.setattr(catalogue_result.timezone, "localdate", lambda: tomorrow)
    assert name("a=1") != today


def test_the_kept_chips_keep_their_language_and_address(offering):
    client = learner_client()
    chips = re.compile(r'<ul class="chips".*?</ul>', re.S)
    english = chips.search(text(client.get("/en/aanbod/?schedule=EVENING&q=avond"))).group()
    dutch = chips.search(text(client.get("/aanbod/?schedule=EVENING&q=avond"))).group()
    again = chips.search(text(client.get("/en/aanbod/?schedule=EVENING&q=avond&page=1"))).group()
    assert "remove this filter" in english and "remove this filter" not in dutch
    assert 'href="/en/aanbod/?q=avond"' in english and 'href="/en/aanbod/?' not in dutch
    assert 'href="/aanbod/?q=avond"' in dutch
    assert again == english
