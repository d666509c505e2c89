"""An English visitor stays in English: the catalogue's links (cards, breadcrumbs, "Back to all
courses", the provider, the compare pages) and the menu keep the ``/en/`` prefix, which Wagtail's
own ``{% routablepageurl %}`` and ``{% pageurl %}`` drop (they give the page's Dutch address)."""

from __future__ import annotations

import re

import pytest

from tests.enrolments.factories import start_moment_for_sale

pytestmark = pytest.mark.django_db


def _site_links(html: str) -> set[str]:
    """The site-relative links of a page, without static files and the language switch."""
    links = set(re.findall(r'href="(/[^"]*)"', html))
    switch = re.search(r'<nav class="language-switch.*?</nav>', html, re.S)
    if switch:
        links -= set(re.findall(r'href="(/[^"]*)"', switch.group(0)))
    return {link for link in links if not link.startswith("/static/")}


def test_every_link_of_the_english_catalogue_pages_stays_english(client, site_pages):
    offering = start_moment_for_sale().offering
    pages = [
        "/en/aanbod/",
        f"/en/aanbod/cursus/{offering.pk}/",
        f"/en/aanbod/aanbieder/{offering.provider.slug}/",
        f"/en/aanbod/vergelijk/?ids={offering.pk}",
        f"/en/aanbod/vergelijk/lijst/?add={offering.pk}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code in (200, 400), path
        links = _site_links(response.content.decode())
        assert links, path
        dutch = sorted(link for link in links if not link.startswith("/en/"))
        assert dutch == [], path


def test_the_dutch_catalogue_pages_keep_their_addresses_without_a_prefix(client, site_pages):
    offering = start_moment_for_sale().offering
    html = client.get(f"/aanbod/cursus/{offering.pk}/").content.decode()
    assert 'href="/aanbod/"' in html
    assert f'href="/aanbod/aanbieder/{offering.provider.slug}/"' in html
    assert not [link for link in _site_links(html) if link.startswith("/en/")]
