"""The API reference at /api/v1/docs/ comes from the portal's own static files, within its CSP
(the browser test is tests/e2e/test_api_docs_browser.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ADDRESSES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def test_api_docs_reference_no_other_host(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    addresses = ADDRESSES.findall(html)
    assert len(addresses) >= 4, html  # icon, style sheet, two bundles, the start-up script
    for address in addresses:
        assert address.startswith("/") and not address.startswith("//"), address
    assert "://" not in html
    assert "<script>" not in html, "the CSP allows no inline script"


def test_api_docs_files_are_our_static_files(client):
    html = client.get("/api/v1/docs/").content.decode()
    static = re.findall(r'(?:src|href)="/static/([^"]+)"', html)
    assert len(static) == 4
    for path in static:
        assert finders.find(path) is not None, path


def test_api_docs_start_up_script_sends_nothing_to_another_host(client):
    html = client.get("/api/v1/docs/").content.decode()
    script_url = re.search(r'<script src="(/api/v1/docs/\?[^"]*script[^"]*)"', html).group(1)
    response = client.get(script_url.replace("&amp;", "&"))
    assert response.status_code == 200
    script = response.content.decode()
    assert '"url": "/api/v1/schema/"' in script or 'url: "/api/v1/schema/"' in script
    # Swagger UI's default badge would send the schema's address to validator.swagger.io.
    assert '"validatorUrl": null' in script
    assert "://" not in script
