"""axe-core finds no WCAG 2.1 A/AA violations on the public pages, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.browser

FILTERED = "/aanbod/?component=B1_ROUTE&municipality=GM0392"
PUBLIC_PAGES = [
    pytest.param("/", 200, id="home"),
    pytest.param("/aanbod/", 200, id="catalogue"),
    pytest.param(FILTERED, 200, id="filtered-catalogue"),
    pytest.param("/aanbod/?max_price=veel&starts_after=gisteren", 400, id="catalogue-bad-filters"),
    pytest.param("/aanbod/vergelijk/?{compare_four}", 200, id="compare"),
    pytest.param("/aanbod/cursus/{offering}/", 200, id="offering-detail"),
    pytest.param("/aanbod/aanbieder/taalhuis-spaarnestad/", 200, id="provider"),
    pytest.param("/en/aanbod/", 200, id="english-catalogue"),
    pytest.param("/inburgering/", 200, id="content-page"),
    pytest.param("/toegankelijkheid/", 200, id="accessibility-statement"),
    pytest.param("/accounts/login/", 200, id="login"),
    pytest.param("/accounts/signup/", 200, id="signup"),
    pytest.param("/accounts/password/reset/", 200, id="password-reset"),
]


@pytest.mark.parametrize(("path", "status"), PUBLIC_PAGES)
def test_page_has_no_wcag_21_aa_violations_on_desktop_or_phone(
    axe_page, demo_site, demo_paths, path, status
):
    url = demo_site + path.format(**demo_paths)
    response = axe_page.goto(url)
    # Checked first, so axe never passes a 404 page instead of the page meant.
    assert response.status == status, url
    found = {"desktop": axe_violations(axe_page)}
    # Some rules depend on layout (a table that scrolls in its box only does so on a phone).
    axe_page.set_viewport_size(PHONE)
    found["phone 320 px"] = axe_violations(axe_page)
    report = "\n".join(
        f"[{width}]\n{axe_describe(violations)}"
        for width, violations in found.items()
        if violations
    )
    if report:
        pytest.fail(f"axe found WCAG 2.1 A/AA violations on {url}:\n{report}", pytrace=False)


def test_every_filter_field_has_one_label_and_each_checkbox_group_a_legend(page, demo_site):
    # axe only lists a second label as "needs review", so this is asserted here: a checkbox
    # group needs its own name (fieldset + legend), not a label pointing at its first box.
    page.goto(f"{demo_site}/aanbod/")
    fields = page.evaluate(
        """() => [...document.querySelector('section.filters form').elements]
            .filter((el) => el.matches('input:not([type=hidden]), select'))
            .map((el) => ({
                name: el.name,
                id: el.id,
                labels: el.labels.length,
                legend: el.type === 'checkbox' && el.closest('fieldset')
                    ? el.closest('fieldset').querySelector('legend').textContent.trim() : null,
            }))"""
    )
    assert {field["name"] for field in fields} >= {
        "q", "component", "target_group", "municipality", "schedule", "max_price",
        "support_language", "childcare", "duo_loan", "keurmerk", "starts_after",
        "starts_before", "ordering",
    }  # fmt: skip
    assert [field for field in fields if field["labels"] != 1] == []
    grouped = [field for field in fields if field["name"] in ("component", "schedule")]
    assert grouped and all(field["legend"] for field in grouped), grouped
