"""Arabic and Persian pages run right to left: mirrored, axe-clean, no sideways scroll at 320 px.

Every page is checked on a desktop (1280 px) and a phone (320 px). Until the translations are
in, parts of these pages show English or Dutch text; the layout is what is tested here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from portal.accounts.models import User
from portal.demo.data import DEMO_PASSWORD
from portal.enrolments import enrolling
from providers.models import StartMoment
from providers.seats import has_free_seats_q
from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE
from tests.snapshots import seed_demo_kept

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

LEARNER = "leerling@routewijzer.example"
RTL_LANGUAGES = ["ar", "fa"]
WIDTHS = {"desktop 1280 px": DESKTOP, "phone 320 px": PHONE}

PUBLIC_PAGES = [
    pytest.param("/", id="home"),
    pytest.param("/aanbod/?component=B1_ROUTE&municipality=GM0392", id="filtered-catalogue"),
    pytest.param("/aanbod/cursus/{offering}/", id="course"),
    pytest.param("/aanbod/vergelijk/?{compare_two}", id="compare"),
    pytest.param("/accounts/login/", id="login"),
    pytest.param("/accounts/signup/", id="signup"),
]
LEARNER_PAGES = [
    pytest.param("/mijn-cursussen/", id="my-courses"),
    pytest.param("/mijn-cursussen/{held}/", id="enrolment-detail"),
]

# Page geometry read in the browser: sideways scroll, and which edge the header's logo keeps.
LAYOUT = """() => {
  const logo = document.querySelector('.site-header__logo').getBoundingClientRect();
  const nav = document.querySelector('.site-nav').getBoundingClientRect();
  return {
    dir: document.documentElement.getAttribute('dir'),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    logoLeft: logo.left, logoRight: logo.right, navLeft: nav.left, navRight: nav.right,
  };
}"""

# A message box as the site shows one (base.html), added to the page for its computed borders.
MESSAGE_BORDERS = """() => {
  const list = document.createElement('ul');
  list.className = 'messages__list';
  list.innerHTML = '<li class="message message--success">Test</li>';
  document.querySelector('main').prepend(list);
  const style = getComputedStyle(list.firstElementChild);
  const borders = {left: style.borderLeftWidth, right: style.borderRightWidth};
  list.remove();
  return borders;
}"""


def check_page(page: Page) -> list[str]:
    """What is wrong with a right-to-left page at each width (empty when all is well)."""
    problems = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        layout = page.evaluate(LAYOUT)
        if layout["dir"] != "rtl":
            problems.append(f"[{width}] <html dir={layout['dir']!r}>, not rtl")
        if layout["scrollWidth"] > layout["innerWidth"]:
            problems.append(
                f"[{width}] scrolls sideways: {layout['scrollWidth']} px wide in a "
                f"{layout['innerWidth']} px window"
            )
        violations = axe_violations(page)
        if violations:
            problems.append(f"[{width}] axe:\n{axe_describe(violations)}")
    return problems


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_is_right_to_left_without_sideways_scroll_or_axe_violations(
    axe_page, demo_site, demo_paths, path
):
    problems = []
    for language in RTL_LANGUAGES:
        url = f"{demo_site}/{language}{path.format(**demo_paths)}"
        response = axe_page.goto(url)
        assert response.status == 200, url
        problems += [f"{url} {problem}" for problem in check_page(axe_page)]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def learner_pages(demo_site, stripe_standin) -> dict[str, str]:
    seed_demo_kept(users=True)
    learner = User.objects.get(email=LEARNER)
    for_sale = StartMoment.objects.filter(
        has_free_seats_q(), offering__price_cents__gt=0, offering__for_gezinsmigranten=True
    ).order_by("starts_on", "pk")
    held = enrolling.enrolment_start(user=learner, start_moment=for_sale.first())
    return {"held": held.reference}


@pytest.mark.parametrize("path", LEARNER_PAGES)
def test_learner_page_is_right_to_left_without_sideways_scroll_or_axe_violations(
    axe_page, demo_site, learner_pages, path
):
    axe_page.goto(f"{demo_site}/accounts/login/")
    axe_page.get_by_label("E-mail").fill(LEARNER)
    axe_page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    axe_page.get_by_role("button", name="Inloggen").click()
    axe_page.wait_for_url(f"{demo_site}/accounts/profile/")
    problems = []
    for language in RTL_LANGUAGES:
        url = f"{demo_site}/{language}{path.format(**learner_pages)}"
        response = axe_page.goto(url)
        assert response.status == 200, url
        problems += [f"{url} {problem}" for problem in check_page(axe_page)]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_logical_sides_follow_the_writing_direction(page, demo_site):
    """A message's bar is at the start of the line, and the logo at the start of the header:
    on the right in Arabic and Persian, on the left in Dutch."""
    for path, start_side, end_side in [
        ("/ar/aanbod/", "right", "left"),
        ("/fa/aanbod/", "right", "left"),
        ("/aanbod/", "left", "right"),
    ]:
        # A fresh visitor each time: coming back from outside to /aanbod/ after reading Persian
        # would (rightly) bring them to /fa/aanbod/ (portal.core.locale.LanguageChoiceMiddleware).
        page.context.clear_cookies()
        page.goto(demo_site + path)
        for viewport in WIDTHS.values():
            page.set_viewport_size(viewport)
            borders = page.evaluate(MESSAGE_BORDERS)
            assert borders == {start_side: "5px", end_side: "0px"}, (path, viewport)
        page.set_viewport_size(DESKTOP)
        layout = page.evaluate(LAYOUT)
        if start_side == "right":
            assert layout["logoRight"] > layout["navRight"], (path, layout)
        else:
            assert layout["logoLeft"] < layout["navLeft"], (path, layout)
