"""A visitor finds, filters and compares courses in a real browser: with a mouse, a keyboard,
a 320 px phone and without JavaScript."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser

# Elements are found by name, id and structure, never by visible text: the Dutch and English
# wording may change, the form's contract (GET parameters) may not.
FILTER_FORM = "section.filters form"
RESULT_CARDS = "ol.offering-list > li"


def expect(target):
    """Playwright's ``expect``, imported as a test runs: without Playwright the ``browser``
    fixture skips each test, where CI's no-skip hook sees it (a skip while collecting this
    module would make its tests vanish)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _found_count(page) -> int:
    """The total in the results heading ("41 cursussen gevonden"), across all result pages."""
    return int(re.search(r"\d+", page.locator("#results-heading").inner_text()).group())


def _query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _add_to_compare_list(page, card) -> None:
    """One control per card: a page of one's own has the form; a cached page (no session yet)
    links to the compare-list page, which asks once."""
    card_id = card.get_attribute("id")
    link = card.locator(".offering-card__compare a.button")
    if link.count():
        link.click()
        page.locator("form.compare-add button[name=add]").click()
    else:
        card.locator("button[name=add]").click()
    page.wait_for_url(re.compile(rf"#{card_id}$"))
    expect(page.locator(f"#{card_id} .offering-card__compare--on-list")).to_be_visible()


def test_visitor_filters_the_catalogue_and_compares_two_courses(page, demo_site):
    page.goto(f"{demo_site}/aanbod/")
    unfiltered = _found_count(page)

    page.check(f"{FILTER_FORM} input[name=component][value=B1_ROUTE]")
    page.select_option(f"{FILTER_FORM} select[name=municipality]", "GM0392")
    page.click(f"{FILTER_FORM} button[type=submit]")
    page.wait_for_url(re.compile(r"municipality=GM0392"))

    query = _query(page)
    assert query["component"] == ["B1_ROUTE"]
    assert query["municipality"] == ["GM0392"]
    assert 2 <= _found_count(page) < unfiltered
    cards = page.locator(RESULT_CARDS)
    chosen = [cards.nth(i).locator("h3").inner_text() for i in range(2)]
    chosen_ids = [cards.nth(i).get_attribute("id").removeprefix("offering-") for i in range(2)]
    for i in range(2):
        _add_to_compare_list(page, cards.nth(i))
    page.click("button[form=compare-form]")
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/"))

    assert _query(page)["ids"] == chosen_ids
    headers = page.locator("table.compare-table thead th[scope=col]")
    expect(headers).to_have_count(2)
    assert headers.locator("a").all_inner_texts() == chosen


def test_catalogue_filters_and_compare_work_without_javascript(new_page, demo_site):
    page = new_page(java_script_enabled=False)
    page.goto(f"{demo_site}/aanbod/")
    page.check(f"{FILTER_FORM} input[name=schedule][value=DAYTIME]")
    page.check(f"{FILTER_FORM} input[name=childcare]")
    page.click(f"{FILTER_FORM} button[type=submit]")
    page.wait_for_url(re.compile(r"schedule=DAYTIME"))

    assert _query(page)["childcare"] == ["true"]
    cards = page.locator(RESULT_CARDS)
    assert cards.count() >= 2
    chosen = [cards.nth(i).locator("h3").inner_text() for i in range(2)]
    for i in range(2):
        _add_to_compare_list(page, cards.nth(i))
    page.click("button[form=compare-form]")
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/\?ids=\d+&ids=\d+$"))

    assert page.locator("table.compare-table thead th[scope=col] a").all_inner_texts() == chosen


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_the_main_content(page, demo_site):
    page.goto(f"{demo_site}/aanbod/")

    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    box = skip_link.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_catalogue_filters_are_usable_on_a_320_pixel_wide_screen(new_page, demo_site):
    page = new_page(viewport=PHONE)
    page.goto(f"{demo_site}/aanbod/")
    assert _page_width(page) <= PHONE["width"]

    controls = page.locator(
        f"{FILTER_FORM} input:not([type=hidden]), {FILTER_FORM} select, "
        f"{FILTER_FORM} button[type=submit]"
    )
    assert controls.count() >= 13
    for control in controls.all():
        expect(control).to_be_visible()
        expect(control).to_be_enabled()
        box = control.bounding_box()
        inside = box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert inside, control.evaluate("(el) => el.outerHTML")

    # Usable, not only visible: real clicks (Playwright refuses covered elements) and a submit.
    page.fill(f"{FILTER_FORM} input[name=max_price]", "10000")
    page.click(f"{FILTER_FORM} input[name=component][value=B1_ROUTE]")
    page.select_option(f"{FILTER_FORM} select[name=municipality]", "GM0392")
    page.click(f"{FILTER_FORM} button[type=submit]")
    page.wait_for_url(re.compile(r"municipality=GM0392"))
    assert _query(page)["max_price"] == ["10000"]
    assert page.locator(RESULT_CARDS).count() >= 1
    assert _page_width(page) <= PHONE["width"]


def test_compare_page_fits_a_320_pixel_wide_screen_with_the_table_scrolling_in_its_box(
    new_page, demo_site, demo_paths
):
    page = new_page(viewport=PHONE)
    page.goto(f"{demo_site}/aanbod/vergelijk/?{demo_paths['compare_four']}")
    expect(page.locator("table.compare-table thead th[scope=col]")).to_have_count(4)

    assert _page_width(page) <= PHONE["width"]
    wrap = page.locator(".table-wrap:has(table.compare-table)")
    box = wrap.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert wrap.evaluate("(el) => getComputedStyle(el).overflowX") in ("auto", "scroll")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="home"),
        pytest.param("/aanbod/cursus/{offering}/", id="offering-detail"),
        pytest.param("/inburgering/", id="content-page"),
        # Long Dutch words ("Participatieverklaringstraject") must wrap, not widen the page.
        pytest.param("/aanbod/?component=PVT", id="catalogue-with-long-titles"),
        pytest.param("/toegankelijkheid/", id="accessibility-statement"),
    ],
)
def test_page_has_no_horizontal_scroll_at_320_pixels(new_page, demo_site, demo_paths, path):
    page = new_page(viewport=PHONE)
    response = page.goto(demo_site + path.format(**demo_paths))
    assert response.status == 200
    assert _page_width(page) <= PHONE["width"]
