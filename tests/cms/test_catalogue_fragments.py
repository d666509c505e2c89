"""The catalogue's cached fragments (``cms/fragments.py``): the part of each card that is the same
for everybody and the filter fields. A change shows on the next request, languages and distances
never mix, and nothing personal (compare list, CSRF token) is ever shared between visitors.

Most visitors here have a session, so the whole-page cache for visitors without one is out of
play and what is tested is the fragment cache alone."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from providers.seats import seat_take
from tests.cms.test_compare_basket import csrf_client, post
from tests.portal.factories import UserFactory
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import LocationFactory, OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def text(response) -> str:
    return response.content.decode()


def card(page: str, offering) -> str:
    """The card of ``offering`` on ``page``, from its ``<li>`` to its end."""
    start = page.index(f'<li class="offering-card" id="offering-{offering.pk}">')
    return page[start : page.index("</li>\n", page.index("offering-card__compare", start))]


def learner_client() -> Client:
    client = csrf_client()
    client.force_login(UserFactory())
    return client


@pytest.fixture
def offering(site_pages):
    location = LocationFactory(city="Haarlem", postcode="2011 RD")
    offering = OfferingFactory(
        title="Avond B1", price_cents=50000, provider=location.provider, locations=[location]
    )
    StartMomentFactory(offering=offering, location=location, seats=12)
    return offering


def test_a_second_request_renders_no_card_and_no_filter_field_again(offering, monkeypatch):
    client = learner_client()
    first = client.get("/en/aanbod/?component=B1_ROUTE")

    def no_rendering(name):
        raise AssertionError(f"{name} rendered again")

    monkeypatch.setattr("cms.fragments.get_template", no_rendering)
    second = client.get("/en/aanbod/?component=B1_ROUTE")
    # The same card, but for the token, which Django masks afresh for every response.
    assert TOKEN.sub("", card(text(second), offering)) == TOKEN.sub("", card(text(first), offering))


@pytest.mark.parametrize(
    ("change", "before", "after"),
    [
        ("title", "Avond B1", "Ochtend B1"),
        ("price", "€\u00a0500", "€\u00a0425"),
        ("seats", "12 seats free", "11 seats free"),
    ],
)
def test_a_change_to_an_offering_shows_on_the_next_request(
    offering, change, before, after, django_capture_on_commit_callbacks
):
    client = learner_client()
    assert before in card(text(client.get("/en/aanbod/")), offering)
    if change == "title":
        offering.title = "Ochtend B1"
        offering.save()
    elif change == "price":
        offering.price_cents = 42500
        offering.save()
    else:  # the version is bumped when the seat's transaction commits
        with django_capture_on_commit_callbacks(execute=True):
            seat_take(start_moment_id=offering.start_moments.get().pk, purpose="test")
    shown = card(text(client.get("/en/aanbod/")), offering)
    assert after in shown
    assert before not in shown


def test_dutch_and_english_cards_and_filters_never_mix(offering):
    client = learner_client()
    dutch = text(client.get("/aanbod/"))
    english = text(client.get("/en/aanbod/"))
    again_dutch = text(client.get("/aanbod/"))
    assert "12 seats free" in card(english, offering)
    assert "12 plaatsen vrij" in card(dutch, offering)
    assert "12 plaatsen vrij" in card(again_dutch, offering)
    assert "seats free" not in again_dutch
    assert '<label for="id_q">Search</label>' in english
    assert '<label for="id_q">Search</label>' not in again_dutch


def test_each_near_point_gets_its_own_distance_on_the_card(offering):
    postcode_areas_ensure()
    client = learner_client()
    here = card(text(client.get("/en/aanbod/?near=2011&ordering=distance")), offering)
    far = card(text(client.get("/en/aanbod/?near=9711&ordering=distance")), offering)
    nowhere = card(text(client.get("/en/aanbod/")), offering)
    assert "0 km away" in here
    assert re.search(r"1\d\d km away", far)
    assert "km away" not in nowhere


def test_the_filter_fields_show_each_querys_own_values(offering):
    client = learner_client()
    first = text(client.get("/en/aanbod/?q=avond"))
    second = text(client.get("/en/aanbod/?q=ochtend"))
    assert 'name="q" value="avond"' in first
    assert 'name="q" value="ochtend"' in second
    assert "avond" not in second.split('id="filters"')[1]


def test_a_visitor_never_gets_another_visitors_compare_list_or_token(offering):
    visitor_a = learner_client()
    post(visitor_a, add=str(offering.pk), next="/en/aanbod/")
    a_page = text(visitor_a.get("/en/aanbod/"))
    a_tokens = set(TOKEN.findall(a_page))
    assert "On your compare list" in card(a_page, offering)

    visitor_b = learner_client()
    b_page = text(visitor_b.get("/en/aanbod/"))
    b_card = card(b_page, offering)
    assert "On your compare list" not in b_card
    assert "Add to compare list" in b_card
    assert not a_tokens & set(TOKEN.findall(b_page))

    # A visitor without a session (the whole-page cache) gets neither a list nor a token.
    anonymous = text(Client().get("/en/aanbod/"))
    assert "On your compare list" not in anonymous
    assert "csrfmiddlewaretoken" not in anonymous
    # And A, after them, still sees their own list and gets their own token.
    a_again = text(visitor_a.get("/en/aanbod/"))
    assert "On your compare list" in card(a_again, offering)
    assert set(TOKEN.findall(a_again)) <= a_tokens | set(TOKEN.findall(a_again))


def test_a_signed_in_learner_still_sees_the_personal_parts(offering):
    client = learner_client()
    Client().get("/en/aanbod/")  # the cards are now in the cache, rendered for nobody
    page = text(client.get("/en/aanbod/"))
    assert re.search(r'action="(/en)?/accounts/logout/"', page)
    learner_card = card(page, offering)
    # The add button is a form with this visitor's token, not the link a cached page has.
    assert TOKEN.search(learner_card)
    assert f'name="add" value="{offering.pk}"' in learner_card
    assert "?add=" not in learner_card


@pytest.mark.parametrize(
    ("near", "most"),
    # Wagtail's routing and menu take 11; the list itself the count and the page, the cards'
    # locations, and (once per catalogue version) the municipalities and languages of the
    # filters. Near: where 2011 is, and the offerings near it (here within the second radius).
    [("", 16), ("&near=2011&ordering=distance", 19)],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_the_list_asks_few_queries_and_fewer_once_the_cards_are_kept(
    site_pages, near, most, signed_in
):
    postcode_areas_ensure()
    for number in range(25):
        location = LocationFactory(postcode="2012 AB")
        course = OfferingFactory(
            title=f"course {number}", provider=location.provider, locations=[location]
        )
        StartMomentFactory(offering=course, location=location)
    client = learner_client() if signed_in else Client()
    url = f"/en/aanbod/?component=B1_ROUTE{near}"
    # The session, the user, and the permissions Wagtail's user bar asks about.
    session = 4 if signed_in else 0
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    # Another address (no whole-page cache) with the same cards and choices.
    with CaptureQueriesContext(connection) as second:
        assert client.get(f"{url}&q=").status_code == 200
    assert len(first) <= most + session
    assert len(second) <= len(first) - 3  # no locations, municipalities, languages


def test_staff_get_wagtails_user_bar_and_learners_do_not(site_pages):
    """A learner never edits pages, so their pages skip the user bar (and its two permission
    queries); staff and a superuser (whose role is the default, learner) keep it."""
    from portal.accounts.models import Role

    def page_for(user) -> str:
        client = Client()
        client.force_login(user)
        return client.get("/en/aanbod/").content.decode()

    assert "wagtail-userbar" not in page_for(UserFactory())
    assert "wagtail-userbar" in page_for(UserFactory(role=Role.SITE_EDITOR, is_staff=True))
    assert "wagtail-userbar" in page_for(UserFactory(is_superuser=True, is_staff=True))
