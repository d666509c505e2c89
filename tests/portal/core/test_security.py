import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from portal.core.security import tile_origin
from tests.portal.helpers import login_staff


@pytest.mark.django_db
def test_public_pages_forbid_inline_scripts(client, site_pages):
    policy = client.get("/aanbod/")["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_wagtail_admin_may_run_its_inline_widget_scripts(client):
    admin = get_user_model().objects.create_superuser(
        username="admin", email="admin@example.org", password="x"
    )
    login_staff(client, admin)
    policy = client.get("/admin/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy


# --- The map's tiles: the CSP allows exactly their origin ----------------------------------------


PDOK_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        (PDOK_TILES, "https://service.pdok.nl"),
        ("https://tiles.example.nl:8443/{z}/{x}/{y}.png", "https://tiles.example.nl:8443"),
        ("http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8123"),
        ("", None),
    ],
)
def test_the_tile_origin_is_the_scheme_and_host_of_the_template(template, origin):
    assert tile_origin(template) == origin


@pytest.mark.parametrize(
    "template",
    [
        "http://tiles.example.nl/{z}/{x}/{y}.png",  # plain http outside loopback
        "https://{s}.tile.example.org/{z}/{x}/{y}.png",  # a host the policy cannot name
        "//tiles.example.nl/{z}/{x}/{y}.png",
        "tiles/{z}/{x}/{y}.png",
        "javascript:alert(1)",
        "https://user:secret@tiles.example.nl/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_template_a_policy_cannot_name_exactly_is_refused(template):
    with pytest.raises(ImproperlyConfigured):
        tile_origin(template)


def _img_src_with(**env: str) -> subprocess.CompletedProcess:
    """The settings' img-src, imported afresh with ``env`` (DEBUG on, not the test settings)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"MAP_TILE_URL", "DEBUG"}}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, portal.settings as s; print(json.dumps([str(v) for v in"
            " s.SECURE_CSP['img-src']]))",
        ],
        cwd=Path(__file__).resolve().parents[3],
        env={**clean, "ROUTEWIJZER_TESTING": "false", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_by_default_the_map_shows_pdok_tiles_and_the_policy_allows_that_one_host():
    result = _img_src_with()
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["'self'", "data:", "blob:", "https://service.pdok.nl"]


def test_the_policy_follows_a_configured_tile_address():
    result = _img_src_with(MAP_TILE_URL="https://kaart.example.nl/wmts/{z}/{x}/{y}.png")
    assert json.loads(result.stdout) == ["'self'", "data:", "blob:", "https://kaart.example.nl"]


def test_without_tiles_the_policy_allows_images_from_the_site_only():
    result = _img_src_with(MAP_TILE_URL="")
    assert json.loads(result.stdout) == ["'self'", "data:", "blob:"]


def test_a_tile_address_the_policy_cannot_name_stops_the_start():
    result = _img_src_with(MAP_TILE_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert result.returncode != 0
    assert "MAP_TILE_URL" in result.stderr


@pytest.mark.django_db
def test_the_catalogues_policy_allows_images_from_the_site_and_the_tile_host_only(
    client, site_pages, settings
):
    # The tests run without tiles (MAP_TILE_URL empty): the site's own images only.
    assert settings.MAP_TILE_URL == ""
    policy = client.get("/aanbod/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["img-src"] == "'self' data: blob:"
    assert directives["connect-src"] == "'self'"
    assert directives["script-src"] == "'self'"
