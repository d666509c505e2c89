"""The API answers in the client's language (``portal.core.locale``); the pages keep theirs."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "language", "message"),
    [
        ("en", "en", "We do not know this postcode or place."),
        ("en-GB,en;q=0.9", "en", "We do not know this postcode or place."),
        ("nl", "nl", "Deze postcode of plaats kennen wij niet."),
        ("", "nl", "Deze postcode of plaats kennen wij niet."),
        ("xx, zz;q=0.5", "nl", "Deze postcode of plaats kennen wij niet."),
    ],
)
def test_the_api_speaks_the_language_the_client_asks_for(client, accept, language, message):
    response = client.get("/api/v1/offerings/?near=Atlantis", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 400
    assert response.json()["near"][0].startswith(message)
    assert response["Content-Language"] == language
    assert "accept-language" in response["Vary"].lower()


def test_a_page_without_a_language_prefix_stays_dutch_whatever_the_browser_asks(client, site_pages):
    response = client.get("/aanbod/?near=Atlantis", HTTP_ACCEPT_LANGUAGE="en")
    assert "Deze postcode of plaats kennen wij niet." in response.content.decode()
