"""A visitor finds, filters and compares courses in a real browser; axe-core checks each page."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def _result_count(page) -> int:
    return page.locator("ol.offering-list > li").count()


def test_visitor_filters_and_compares_two_courses(page, demo_site):
    page.goto(f"{demo_site}/aanbod/")
    unfiltered = page.locator("#results-heading").inner_text()
    page.check("input[name=component][value=B1_ROUTE]")
    page.select_option("select[name=municipality]", "GM0392")
    page.click("form[action='/aanbod/'] button[type=submit]")
    page.wait_for_url(re.compile(r"component=B1_ROUTE.*municipality=GM0392"))
    assert page.locator("#results-heading").inner_text() != unfiltered
    cards = page.locator("ol.offering-list > li")
    assert cards.count() >= 2
    chosen = [cards.nth(i).locator("h3").inner_text() for i in range(2)]
    for i in range(2):
        cards.nth(i).locator("input[name=ids]").check()
    page.click("button[form=compare-form]")
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/\?ids=\d+&ids=\d+"))
    headers = page.locator("table.compare-table thead th").all_inner_texts()
    assert [header.splitlines()[0] for header in headers] == chosen


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/aanbod/",
        "/aanbod/?component=B1_ROUTE&municipality=GM0392&childcare=true&ordering=price",
        "/aanbod/?max_price=veel",
        "/aanbod/vergelijk/?ids=1&ids=2&ids=3",
        "/aanbod/cursus/1/",
        "/aanbod/aanbieder/taalhuis-spaarnestad/",
        "/en/aanbod/",
        "/toegankelijkheid/",
    ],
)
def test_pages_have_no_wcag_21_aa_violations(axe_page, demo_site, path):
    axe_page.goto(f"{demo_site}{path}")
    violations = axe_violations(axe_page)
    assert not violations, describe(violations)


@pytest.mark.parametrize("path", ["/aanbod/", "/aanbod/vergelijk/?ids=1&ids=2&ids=3&ids=4"])
def test_pages_fit_a_320_pixel_wide_phone(browser, demo_site, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{demo_site}{path}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for field in page.locator(
        "form[action='/aanbod/'] select, form[action='/aanbod/'] input"
    ).all():
        box = field.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    context.close()


def test_catalogue_and_compare_work_without_javascript(browser, demo_site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{demo_site}/aanbod/")
    page.check("input[name=schedule][value=EVENING]")
    page.click("form[action='/aanbod/'] button[type=submit]")
    page.wait_for_url(re.compile(r"schedule=EVENING"))
    cards = page.locator("ol.offering-list > li")
    assert cards.count() >= 2
    cards.nth(0).locator("input[name=ids]").check()
    cards.nth(1).locator("input[name=ids]").check()
    page.click("button[form=compare-form]")
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/"))
    assert page.locator("table.compare-table thead th").count() == 2
    context.close()


def test_skip_link_is_the_first_stop_and_leads_to_the_main_content(page, demo_site):
    page.goto(f"{demo_site}/aanbod/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
