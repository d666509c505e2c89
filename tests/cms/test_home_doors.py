"""The home page's three doors (near me, help me choose, referred by the municipality) and the
routes in plain words."""

from __future__ import annotations

import re

import pytest

from tests.portal.factories import UserFactory
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.django_db


def forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)


def test_the_near_me_door_sends_the_place_to_the_catalogue_as_near(client, site_pages):
    html = client.get("/").content.decode()
    near_forms = [form for form in forms(html) if 'name="near"' in form]
    assert len(near_forms) == 1
    form = near_forms[0]
    assert 'method="get"' in form
    assert 'action="/aanbod/"' in form
    assert '<label class="home-door__label" for="home-near">' in form


def test_the_catalogue_takes_what_the_near_me_door_sends(client, site_pages):
    assert client.get("/aanbod/", {"near": "2011"}).status_code == 200


def test_the_help_me_choose_door_opens_the_questionnaire(client, site_pages):
    html = client.get("/").content.decode()
    assert 'href="/kies/"' in html
    assert client.get("/kies/").status_code == 200


def test_the_referred_door_sends_visitors_to_log_in_and_on_to_their_courses(client, site_pages):
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/mijn-cursussen/"' in html


def test_the_referred_door_takes_a_signed_in_learner_straight_to_their_courses(client, site_pages):
    client.force_login(UserFactory())
    html = client.get("/").content.decode()
    assert 'href="/mijn-cursussen/"' in html
    assert "/accounts/login/?next=" not in html


def test_the_routes_are_explained_in_two_plain_lines_each(client, site_pages):
    html = client.get("/en/").content.decode()
    routes = re.findall(r"<li><h3>(.*?)</h3><p>(.*?)</p></li>", html, flags=re.S)
    assert [title for title, _ in routes] == [
        "B1 route",
        "Z route (self-reliance)",
        "Education route",
        "Labour market and participation module (MAP)",
        "Participation statement (PVT)",
        "Knowledge of Dutch society (KNM)",
    ]
    for _title, text in routes:
        assert text.count('<span class="route-text">') == 2


def test_in_english_every_door_stays_in_english(client, site_pages):
    html = client.get("/en/").content.decode()
    assert 'action="/en/aanbod/"' in html
    assert 'href="/en/kies/"' in html
    assert 'href="/en/accounts/login/?next=/en/mijn-cursussen/"' in html
    assert "Find a course near you" in html


def test_the_search_box_by_name_still_searches_the_catalogue(client, site_pages):
    html = client.get("/").content.decode()
    search = [form for form in forms(html) if 'name="q"' in form]
    assert len(search) == 1
    assert 'action="/aanbod/"' in search[0]


def test_the_near_me_door_lists_the_nearest_courses_first(client, site_pages):
    html = client.get("/").content.decode()
    form = next(form for form in forms(html) if 'name="near"' in form)
    assert '<input type="hidden" name="ordering" value="distance">' in form
    assert re.search(r'<input [^>]*name="near"[^>]* required', form)  # distance needs a place


def test_the_catalogue_sorts_by_distance_from_what_the_near_me_door_sends(client, site_pages):
    postcode_areas_ensure()
    response = client.get("/en/aanbod/", {"near": "2011", "ordering": "distance"})
    assert response.status_code == 200
    assert response.context["filter"].form.cleaned_data["ordering"] == "distance"
