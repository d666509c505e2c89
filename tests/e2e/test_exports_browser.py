"""A large download in a real browser: asked for on the offer's page, made in the background,
followed on the exports page and downloaded; on a desktop and on a 320 px phone without sideways
scrolling and without WCAG 2.1 A/AA violations. The exports page follows an export's progress by
itself (``contracts/exports.js``)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE, transitions_settled
from tests.e2e.test_referral_browser import _sign_in
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

CONTRACT_MANAGER = "contractmanager@routewijzer.example"
NO_SIDEWAYS_SCROLLING = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def signed_in(page, demo_site, settings, tmp_path, monkeypatch):
    from contracts.reporting import large_exports
    from portal.core.media import media_storages

    seed_demo_kept(users=True)
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, **media_storages(media="local")}
    # Every download goes to the background, however few the demo's placements.
    monkeypatch.setattr(large_exports, "DIRECT_ROWS_MAX", {"csv": 0, "xlsx": 0})
    _sign_in(page, demo_site, CONTRACT_MANAGER)
    return page


def _check(page, where: str) -> None:
    # The admin's messages slide in (opacity from 0 to 1): measure colours once they are in.
    from playwright.sync_api import expect

    messages = page.locator(".messages > ul")
    for index in range(messages.count()):
        expect(messages.nth(index)).to_have_css("opacity", "1")
    assert page.evaluate(NO_SIDEWAYS_SCROLLING), f"{where}: the page scrolls sideways"
    violations = axe_violations(page)
    assert not violations, f"{where}:\n{axe_describe(violations)}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone 320 px"])
def test_a_large_export_is_asked_for_followed_and_downloaded(signed_in, demo_site, viewport):
    from playwright.sync_api import expect

    page = signed_in
    page.set_viewport_size(viewport)
    page.goto(f"{demo_site}/admin/dashboard/export/placements.xlsx?from=2000-01-01")
    expect(page.locator("#export-rows")).to_be_visible()
    transitions_settled(page)
    _check(page, "the offer")
    buttons = page.locator("form.rw-export-ask button[type=submit]")
    expect(buttons).to_have_count(2)
    for index in range(2):
        box = buttons.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    buttons.first.click()
    expect(page).to_have_url(re.compile(r"/admin/dashboard/exports/#export-\d+$"))
    item = page.locator(".rw-export").first
    expect(item).to_have_attribute("data-state", "done")  # made after the POST's commit
    _check(page, "the exports page")
    with page.expect_download() as download:
        item.locator("a.button").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert download.value.path().read_bytes()[:2] == b"PK"


def test_the_exports_page_shows_an_export_becoming_ready_without_reloading(signed_in, demo_site):
    from playwright.sync_api import expect

    from contracts.models import ExportState, ReportExport
    from portal.accounts.models import User

    page = signed_in
    export = ReportExport.objects.create(
        user=User.objects.get(email=CONTRACT_MANAGER),
        table="placements",
        title="Alle plaatsingen",
        file_format="csv",
        figures_on=timezone.localdate(),
        language="nl",
        download_name="plaatsingen.csv",
        state=ExportState.RUNNING,
        rows_total=300_000,
        rows_written=30_000,
    )
    page.goto(f"{demo_site}/admin/dashboard/exports/")
    progress = page.locator(f"#export-{export.pk}-progress")
    expect(progress).to_have_attribute("value", "10")
    ReportExport.objects.filter(pk=export.pk).update(rows_written=150_000)
    expect(progress).to_have_attribute("value", "50", timeout=10_000)
    ReportExport.objects.filter(pk=export.pk).update(
        state=ExportState.DONE, rows_written=300_000, file_name="exports/x.csv", file_size=9
    )
    expect(page.locator(f"#export-{export.pk}")).to_have_attribute(
        "data-state", "done", timeout=10_000
    )
    expect(page.locator(f"#export-{export.pk} a.button")).to_be_visible()
