"""The dashboard's charts in a real browser: on a desktop and on a 320 px phone, no chart row's
label, bars and value overlap (WCAG 1.4.10, reflow: a long label wraps instead of running
over its bars)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_referral_browser import _sign_in
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

CONTRACT_MANAGER = "contractmanager@routewijzer.example"

OVERLAPS = """
() => {
    const boxes = (row) => [...row.children].map((part) => part.getBoundingClientRect());
    const meet = (a, b) =>
        a.left < b.right - 1 && b.left < a.right - 1
        && a.top < b.bottom - 1 && b.top < a.bottom - 1;
    const found = [];
    let rows = 0;
    for (const row of document.querySelectorAll(".rw-chart__row")) {
        rows += 1;
        const [label, bars, value] = boxes(row);
        if (meet(label, bars) || meet(label, value) || meet(bars, value)) {
            found.push(row.textContent);
        }
    }
    return {rows, found};
}
"""


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone 320 px"])
def test_chart_labels_bars_and_values_never_overlap(page, demo_site, viewport):
    seed_demo_kept(users=True)
    _sign_in(page, demo_site, CONTRACT_MANAGER)
    page.set_viewport_size(viewport)
    page.goto(f"{demo_site}/admin/dashboard/")
    result = page.evaluate(OVERLAPS)
    assert result["rows"] > 0  # the demo's contracts give the charts rows to check
    assert result["found"] == []


FILTER_FORM_PAST_THE_EDGE = """
() => [...document.querySelectorAll('main form *')]
    .filter((element) => element.offsetParent !== null)
    .filter((element) => element.getBoundingClientRect().right
        > document.documentElement.clientWidth + 1)
    .map((element) => `${element.tagName}#${element.id || element.getAttribute('name') || ''}`)
"""


def test_no_field_of_the_filter_forms_runs_past_a_phones_edge(page, demo_site):
    """A select is as wide as its longest option: the component filter ("Module Arbeidsmarkt
    en Participatie (MAP)") ran past the edge of a 375 px screen."""
    seed_demo_kept(users=True)
    _sign_in(page, demo_site, CONTRACT_MANAGER)
    found = {}
    for path in ("/admin/dashboard/", "/admin/dashboard/forecast/"):
        for width in (375, 320):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(f"{demo_site}{path}")
            assert page.locator("main form select").count() >= 2  # the filters are there
            if wide := page.evaluate(FILTER_FORM_PAST_THE_EDGE):
                found[f"{path} at {width} px"] = wide
    assert found == {}
