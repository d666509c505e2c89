"""The home page's doors and Help me choose in a real browser, on phones 375 and 320 px wide:
nothing needed sits off-screen sideways, axe finds no WCAG 2.1 A/AA violation, and the
questionnaire works with the keyboard and without JavaScript, Back button included."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.e2e.axe import axe_describe, axe_violations
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.browser

PHONES = [{"width": 375, "height": 740}, {"width": 320, "height": 640}]
FAMILY = "target_group=GEZINSMIGRANT"
PAGES = [
    pytest.param("/", id="home"),
    pytest.param("/en/", id="home-english"),
    pytest.param("/kies/", id="who"),
    pytest.param(f"/kies/?{FAMILY}&step=route", id="route"),
    pytest.param(f"/kies/?{FAMILY}&component=UNSURE&step=place", id="route-explained"),
    pytest.param(f"/kies/?{FAMILY}&step=place", id="place"),
    pytest.param(f"/kies/?{FAMILY}&near=Nergensdorp&step=time", id="place-unknown"),
    pytest.param(f"/kies/?{FAMILY}&near=2011&step=time", id="time"),
    pytest.param(f"/kies/?{FAMILY}&step=childcare", id="childcare"),
    pytest.param(f"/kies/?{FAMILY}&step=pay", id="pay"),
    pytest.param(f"/kies/?{FAMILY}&step=language", id="language"),
    pytest.param("/en/kies/?step=route", id="route-english"),
]

# Every element a person needs: its box must lie inside the viewport's width.
OFF_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    const needed = document.querySelectorAll(
        'main h1, main h2, main h3, main p, main label, main input:not([type=hidden]), '
        + 'main button, main a, main legend, main li');
    const out = [...needed].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && (box.left < -0.5 || box.right > width + 0.5);
    }).map((el) => el.outerHTML.slice(0, 120));
    return {scroll: document.documentElement.scrollWidth, width, out};
}"""


@pytest.mark.parametrize("path", PAGES)
def test_phone_pages_fit_sideways_and_have_no_axe_violations(axe_page, demo_site, path):
    response = axe_page.goto(demo_site + path)
    assert response.status == 200, path
    problems = []
    for viewport in PHONES:
        axe_page.set_viewport_size(viewport)
        fit = axe_page.evaluate(OFF_SCREEN)
        if fit["scroll"] > fit["width"] or fit["out"]:
            problems.append(f"[{viewport['width']} px] scrolls sideways or cuts off: {fit}")
        violations = axe_violations(axe_page)
        if violations:
            problems.append(f"[{viewport['width']} px]\n{axe_describe(violations)}")
    if problems:
        pytest.fail(f"{path}:\n" + "\n".join(problems), pytrace=False)


def test_a_newcomer_answers_with_the_keyboard_and_lands_on_the_filtered_catalogue(
    new_page, demo_site
):
    postcode_areas_ensure()  # an earlier transactional test may have emptied the table
    page = new_page(viewport=PHONES[1], java_script_enabled=False)
    page.goto(demo_site + "/")
    page.get_by_role("link", name="Start the questions").or_(
        page.get_by_role("link", name="Begin met de vragen")
    ).click()
    assert urlsplit(page.url).path == "/kies/"
    page.get_by_label("Gezinsmigrant").check()
    page.locator("button.choose__next").click()
    page.locator("input[value=B1_ROUTE]").check()
    page.locator("button.choose__next").click()
    page.locator("#choose-near").fill("2011")
    page.locator("#choose-near").press("Enter")  # Enter submits with "Next"
    page.locator("input[value=EVENING]").check()
    page.locator("button.choose__next").click()
    before_skip = page.url
    page.locator("a.choose__skip").click()  # childcare: skipped
    page.wait_for_load_state("load")  # Chromium drops go_back while still navigating
    page.go_back()  # Back shows the same question again
    assert page.url == before_skip
    assert page.locator("input[name=childcare]").count() == 2
    page.locator("a.choose__skip").click()
    page.locator("input[name=duo_loan][value=true]").check()
    page.locator("button.choose__next").click()
    page.locator("input[name=support_language][value=ar]").check()
    page.locator("button.choose__next").click()
    url = urlsplit(page.url)
    assert url.path == "/aanbod/"
    assert parse_qsl(url.query) == [
        ("target_group", "GEZINSMIGRANT"),
        ("component", "B1_ROUTE"),
        ("near", "2011"),
        ("schedule", "EVENING"),
        ("duo_loan", "true"),
        ("support_language", "ar"),
        ("ordering", "distance"),
        ("guided", "1"),
    ]
    page.wait_for_load_state("load")
    page.go_back()  # from the catalogue back to the last question
    assert page.locator("input[name=support_language]").count() > 0


def test_on_a_phone_the_answers_fold_away_and_the_first_course_is_on_the_first_screen(
    new_page, demo_site
):
    """The "because you said" lines would push the results a screen down on a phone: there they
    sit in a closed "Why these courses" box (the chips show each filter), one tap to open."""
    postcode_areas_ensure()
    page = new_page(viewport=PHONES[0])
    query = "target_group=GEZINSMIGRANT&near=2011&schedule=EVENING&ordering=distance&guided=1"
    page.goto(f"{demo_site}/en/aanbod/?{query}")
    card = page.locator(".offering-card").first.locator("h3").bounding_box()
    assert card["y"] + card["height"] <= PHONES[0]["height"], card
    summary = page.get_by_text("Why these courses: your 3 answers")
    lines = page.locator(".choose-because--phone li")
    assert summary.is_visible()
    assert not lines.first.is_visible()
    assert not page.locator(".choose-because--wide").is_visible()
    summary.click()
    assert lines.all_inner_texts() == [
        "Because you said: Family migrant (gezinsmigrant)",
        "Because you said: near 2011",
        "Because you said: Evening",
    ]
    page.set_viewport_size({"width": 1280, "height": 800})  # wide: the lines show open
    assert page.locator(".choose-because--wide li").first.is_visible()
    assert not summary.is_visible()
