"""POST /api/v1/places/nearest/: a position in, the nearest postcode area out; never a 500."""

from __future__ import annotations

import json
import logging

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.django_db
URL = "/api/v1/places/nearest/"


@pytest.fixture(autouse=True)
def postcode_areas(db):
    postcode_areas_ensure()


def post_json(client, body, **headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_a_position_in_haarlem_gives_its_postcode_area(client):
    response = post_json(client, {"latitude": 52.3849, "longitude": 4.6361})
    assert response.status_code == 200
    assert response.json() == {"postcode": "2011", "place": "Haarlem"}


def test_a_position_outside_the_netherlands_is_404_with_a_reason(client):
    response = post_json(
        client, {"latitude": 48.8566, "longitude": 2.3522}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "No Dutch postcode area is near this position."}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"latitude": "north", "longitude": 4.6}, "latitude"),
        ({"latitude": 91, "longitude": 4.6}, "latitude"),
        ({"latitude": 52.4, "longitude": -180.5}, "longitude"),
        ({"latitude": "NaN", "longitude": 4.6}, "latitude"),
        ({"latitude": 52.4, "longitude": "Infinity"}, "longitude"),
        ({"longitude": 4.6}, "latitude"),
    ],
)
def test_a_bad_position_is_400_on_its_field(client, body, field):
    response = post_json(client, body, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


def test_the_position_is_not_taken_from_the_address(client):
    # A GET with the position in the query string (where logs would keep it) is refused.
    response = client.get(URL, {"latitude": "52.3849", "longitude": "4.6361"})
    assert response.status_code == 405


def test_a_signed_in_visitor_needs_no_csrf_token(django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_user(
        username="map", email="map@example.org", password="x-Long-pass-1"
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = post_json(client, {"latitude": 52.3849, "longitude": 4.6361})
    assert response.status_code == 200


def test_the_position_is_not_logged(client, caplog):
    with caplog.at_level(logging.DEBUG):
        post_json(client, {"latitude": 52.384934, "longitude": 4.636789})
        post_json(client, {"latitude": 52.384934, "longitude": "east"})
    assert "52.384934" not in caplog.text
    assert "4.636789" not in caplog.text


_HYPOTHESIS = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_ANY_VALUE = st.one_of(
    st.text(),
    st.floats(),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)


@_HYPOTHESIS
@given(latitude=_ANY_VALUE, longitude=_ANY_VALUE)
@example(latitude="1e999", longitude="0")
@example(latitude="52.38\x00", longitude="4.63")
@example(latitude="-0", longitude="-0")
def test_any_json_value_is_an_answer_never_a_500(client, latitude, longitude):
    response = post_json(client, {"latitude": latitude, "longitude": longitude})
    assert response.status_code in (200, 400, 404)
    assert isinstance(response.json(), dict)


@_HYPOTHESIS
@given(
    body=st.binary(max_size=200),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain",
            "multipart/form-data",
        ]
    ),
)
@example(body=b"[]", content_type="application/json")
@example(body=b'"52,4"', content_type="application/json")
@example(body=b"\xff\xfe", content_type="application/json")
def test_any_body_is_an_answer_never_a_500(client, body, content_type):
    response = client.post(URL, data=body, content_type=content_type)
    assert response.status_code in (200, 400, 404, 415)
