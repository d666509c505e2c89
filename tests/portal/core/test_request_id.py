"""Each request's id (portal/core/request_id.py): taken from the proxy when safe, made otherwise,
on the response and in every log line written while the request runs."""

from __future__ import annotations

import io
import logging
import re

import pytest

from portal.core.request_id import (
    HEADER,
    NO_REQUEST,
    RequestIdFilter,
    current_request_id,
    request_id_from_header,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.ops.urls")]

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def console() -> io.StringIO:
    """What the configured console handler (settings.LOGGING) writes, for this test."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    assert len(handlers) == 1, "settings.LOGGING has one console handler with the id filter"
    stream = io.StringIO()
    previous = handlers[0].setStream(stream)
    yield stream
    handlers[0].setStream(previous)


def test_a_request_without_an_id_gets_a_new_one_on_its_answer(client):
    first = client.get("/healthz")[HEADER]
    second = client.get("/healthz")[HEADER]
    assert NEW_ID.fullmatch(first)
    assert NEW_ID.fullmatch(second)
    assert first != second


@pytest.mark.parametrize(
    "given",
    [
        "0f9c2d1e-6b1a-4c55-9d3e-1a2b3c4d5e6f",  # a UUID
        "7F000001:C5B4_7F000001:1F90_6650B3A1_0001:1A2B",  # HAProxy's unique-id format
        "a" * 128,
    ],
)
def test_a_safe_id_from_the_proxy_is_kept(client, given):
    response = client.get("/ops-test/log/", headers={HEADER: given})
    assert response[HEADER] == given
    assert response.json() == {"request_id": given}


@pytest.mark.parametrize(
    "hostile",
    [
        "abc\r\nX-Injected: yes",
        'id" , "admin": true',
        "a" * 129,
        "-rf",
        "id with spaces",
        "<script>alert(1)</script>",
        "ïd-ünïcode",
        "",
    ],
)
def test_a_hostile_id_is_replaced_by_a_new_one(client, console, hostile):
    response = client.get("/ops-test/log/", headers={HEADER: hostile})
    request_id = response[HEADER]
    assert NEW_ID.fullmatch(request_id)
    assert response.json() == {"request_id": request_id}
    logged = console.getvalue()
    assert f"[{request_id}]" in logged
    if hostile:
        assert hostile not in logged


def test_a_line_logged_during_a_request_carries_its_id(client, console):
    response = client.get("/ops-test/log/", headers={HEADER: "proxy-id-42"})
    assert response[HEADER] == "proxy-id-42"
    lines = [line for line in console.getvalue().splitlines() if "inside the view" in line]
    assert len(lines) == 1
    assert "[proxy-id-42]" in lines[0]
    assert "WARNING tests.ops" in lines[0]


def test_the_not_found_line_django_writes_after_the_middleware_carries_the_id(
    client, console, site_pages
):
    response = client.get("/en/no-such-page/", headers={HEADER: "lost-page-7"})
    assert response.status_code == 404
    line = next(line for line in console.getvalue().splitlines() if "Not Found" in line)
    assert "[lost-page-7]" in line


def test_outside_a_request_a_line_says_it_has_no_id(client, console):
    client.get("/ops-test/log/", headers={HEADER: "the-request"})
    assert current_request_id() is None
    logging.getLogger("tests.ops").warning("after the request")
    line = next(line for line in console.getvalue().splitlines() if "after the request" in line)
    assert f"[{NO_REQUEST}]" in line


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abc-123", "abc-123"),
        ("A.b_c:d-e", "A.b_c:d-e"),
        (None, None),
        ("", None),
        (".starts-with-a-dot", None),
        ("semi;colon", None),
        ("x" * 129, None),
    ],
)
def test_request_id_from_header(value, expected):
    assert request_id_from_header(value) == expected
