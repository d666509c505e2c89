"""The Leaflet served from portal/static/vendor/leaflet/ is the one package-lock.json pins.

The copy is committed so that `make run` needs no npm; `make vendor` refreshes it from
node_modules. These tests fail while the two differ, so the copy cannot drift from the lock.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENDORED = ROOT / "portal" / "static" / "vendor" / "leaflet"
PACKAGE = ROOT / "node_modules" / "leaflet"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _expected() -> dict[str, bytes]:
    dist = PACKAGE / "dist"
    expected = {
        name: (dist / name).read_bytes() for name in ("leaflet.js", "leaflet.js.map", "leaflet.css")
    }
    expected.update(
        {f"images/{path.name}": path.read_bytes() for path in (dist / "images").glob("*.png")}
    )
    expected["LICENSE"] = (PACKAGE / "LICENSE").read_bytes()
    return expected


def test_the_vendored_leaflet_is_the_version_package_lock_pins():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/leaflet"]["version"]
    assert f"Leaflet {pinned}," in (VENDORED / "leaflet.js").read_text()[:200]
    assert (VENDORED / "LICENSE").exists()


def test_the_vendored_files_equal_node_modules_leaflet_dist():
    if not (PACKAGE / "package.json").exists():
        pytest.skip("node_modules/leaflet not found: run `npm ci` in the project root")
    installed = json.loads((PACKAGE / "package.json").read_text())["version"]
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert installed == lock["packages"]["node_modules/leaflet"]["version"], "run `npm ci`"
    vendored = _files(VENDORED)
    expected = _expected()
    assert sorted(vendored) == sorted(expected), "run `make vendor`"
    differing = [name for name in expected if vendored[name] != expected[name]]
    assert not differing, f"run `make vendor`: {differing} differ from node_modules"
