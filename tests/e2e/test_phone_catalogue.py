"""A newcomer on a phone: results on the first screen, filters behind "Filters (n)", removable
chips, a compare list kept across result pages, start dates and "My courses" as cards with
every button on screen at 375 and 320 px, and no WCAG 2.1 A/AA violations at 320 and 1280 px."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from portal.accounts.models import User
from portal.demo.data import DEMO_PASSWORD
from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from portal.payments.models import Payment
from providers.models import StartMoment
from providers.seats import has_free_seats_q
from tests.e2e.axe import AXE_SCRIPT, axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 740}
PHONES = [pytest.param(PHONE_375, id="375px"), pytest.param(PHONE, id="320px")]
LEARNER = "leerling@routewijzer.example"
RESULT_CARDS = "ol.offering-list > li"
FIRST_SCREEN_PX = 700


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _within_the_width(page, selector: str) -> None:
    """Every element matching ``selector`` (at least one) lies wholly within the viewport."""
    width = page.viewport_size["width"]
    found = page.locator(selector)
    assert found.count() > 0, selector
    for index in range(found.count()):
        box = found.nth(index).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width, (selector, box, found.nth(index).inner_text())


def _no_violations(page) -> None:
    violations = axe_violations(page)
    assert not violations, axe_describe(violations)


@pytest.mark.parametrize("viewport", PHONES)
def test_the_first_result_is_on_the_first_screen_of_a_phone(new_page, demo_site, viewport):
    page = new_page(viewport=viewport)
    page.goto(f"{demo_site}/aanbod/")
    first = page.locator(RESULT_CARDS).first.bounding_box()
    assert first["y"] < FIRST_SCREEN_PX, first
    expect(page.locator("#results-heading")).to_be_in_viewport()
    expect(page.locator("a.filters-toggle")).to_be_in_viewport()
    _no_sideways_scroll(page)
    _within_the_width(page, f"a.filters-toggle, {RESULT_CARDS}, {RESULT_CARDS} .button")
    _within_the_width(page, ".compare-bar, .compare-bar .button")


@pytest.mark.parametrize("viewport", PHONES)
def test_filters_chips_and_errors_work_on_a_phone_without_javascript(new_page, demo_site, viewport):
    page = new_page(viewport=viewport, java_script_enabled=False)
    page.goto(f"{demo_site}/aanbod/")
    page.click("a.filters-toggle")
    expect(page.locator("section.filters h2")).to_be_in_viewport()
    page.check("section.filters input[name=component][value=B1_ROUTE]")
    page.check("section.filters input[name=childcare]")
    page.click("section.filters button[type=submit]")
    page.wait_for_url(re.compile(r"childcare=true"))

    expect(page.locator("a.filters-toggle")).to_have_text(re.compile(r"\(2\)$"))
    chips = page.locator("ul.chips a.chip")
    expect(chips).to_have_count(2)
    _within_the_width(page, "a.filters-toggle, ul.chips a")
    _no_sideways_scroll(page)
    page.click('ul.chips a.chip:not([href*="childcare"])')  # the childcare chip
    page.wait_for_url(lambda url: "component=B1_ROUTE" in url and "childcare" not in url)
    expect(page.locator("ul.chips a.chip")).to_have_count(1)
    page.click("ul.chips a.chips__clear")
    page.wait_for_url(re.compile(r"/aanbod/$"))
    expect(page.locator("ul.chips")).to_have_count(0)

    response = page.goto(f"{demo_site}/aanbod/?max_price=veel")
    assert response.status == 400
    error = page.locator("section.filters #id_max_price_error")
    expect(error).to_be_visible()
    _within_the_width(page, "section.filters #id_max_price_error, section.filters input")
    _no_sideways_scroll(page)


def test_the_compare_list_is_kept_across_result_pages_without_javascript(new_page, demo_site):
    page = new_page(viewport=PHONE_375, java_script_enabled=False)
    page.goto(f"{demo_site}/aanbod/")
    assert page.locator("nav.pagination a[rel=next]").count() == 1, "needs two result pages"
    first_card = page.locator(RESULT_CARDS).first
    first_title = first_card.locator("h3").inner_text()
    first_id = first_card.get_attribute("id")

    # A cached page carries no token: the card asks once on the compare-list page.
    first_card.locator(".offering-card__compare a.button").click()
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/lijst/\?add="))
    page.locator("form.compare-add button[name=add]").click()
    page.wait_for_url(re.compile(rf"/aanbod/#{first_id}$"))
    expect(page.locator(f"#{first_id} .offering-card__compare--on-list")).to_be_visible()

    page.click("nav.pagination a[rel=next]")
    page.wait_for_url(re.compile(r"page=2"))
    second_card = page.locator(RESULT_CARDS).first
    second_title = second_card.locator("h3").inner_text()
    second_id = second_card.get_attribute("id")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        second_card.locator("button[name=add]").click()
    assert answer.value.status == 303
    page.wait_for_url(re.compile(rf"page=2#{second_id}$"))

    bar = page.locator(".compare-bar")
    expect(bar.locator("button[form=compare-form]")).to_have_text(re.compile(r"\(2\)$"))
    bar_box = bar.bounding_box()
    assert bar_box["y"] + bar_box["height"] <= PHONE_375["height"] + 1, "sticky at the bottom"
    _within_the_width(page, ".compare-bar, .compare-bar .button")
    bar.locator("button[form=compare-form]").click()
    page.wait_for_url(re.compile(r"/aanbod/vergelijk/\?ids=\d+&ids=\d+$"))
    titles = page.locator("table.compare-table thead th[scope=col] a").all_inner_texts()
    assert titles == [first_title, second_title]


def test_another_browser_does_not_see_the_compare_list(new_page, demo_site):
    mine = new_page(viewport=PHONE_375)
    mine.goto(f"{demo_site}/aanbod/")
    mine.locator(RESULT_CARDS).first.locator(".offering-card__compare a.button").click()
    mine.locator("form.compare-add button[name=add]").click()
    mine.wait_for_url(re.compile(r"#offering-\d+$"))
    expect(mine.locator(".offering-card__compare--on-list")).to_have_count(1)

    theirs = new_page(viewport=PHONE_375)
    for _ in range(2):  # the second answer comes from the page cache
        theirs.goto(f"{demo_site}/aanbod/")
        expect(theirs.locator(".offering-card__compare--on-list")).to_have_count(0)
        expect(theirs.locator(".compare-bar button[form=compare-form]")).to_have_count(0)
        expect(theirs.locator(".compare-bar")).to_contain_text("Zet er 2 tot 4 op uw")


@pytest.mark.parametrize("viewport", PHONES)
def test_start_dates_are_cards_with_the_enrol_button_on_screen(
    new_page, demo_site, demo_paths, viewport
):
    page = new_page(viewport=viewport)
    page.goto(f"{demo_site}/aanbod/cursus/{demo_paths['offering']}/")
    _no_sideways_scroll(page)
    _within_the_width(page, "table.start-dates tr.start-date, table.start-dates form button")
    wrap = page.locator(".start-dates-wrap")
    assert wrap.evaluate("(el) => el.scrollWidth <= el.clientWidth"), "no sideways scrolling box"
    button = page.locator("table.start-dates form button").first
    button.scroll_into_view_if_needed()
    expect(button).to_be_in_viewport(ratio=1)


@pytest.fixture
def learner_with_courses(demo_site, stripe_standin) -> None:
    """The demo learner with a held place, a DUO-paid place and a place paid online (receipt)."""
    seed_demo_kept(users=True)
    learner = User.objects.get(email=LEARNER)
    for_sale = StartMoment.objects.filter(
        has_free_seats_q(), offering__price_cents__gt=0, offering__for_gezinsmigranten=True
    ).order_by("starts_on", "pk")
    one_per_course = {}
    for moment in for_sale:
        one_per_course.setdefault(moment.offering_id, moment)
    held_moment, duo_moment, paid_moment = [
        m for m in one_per_course.values() if m.offering.duo_loan_eligible
    ][:3]
    enrolling.enrolment_start(user=learner, start_moment=held_moment)
    duo = enrolling.enrolment_start(user=learner, start_moment=duo_moment)
    enrolling.duo_loan_choose(enrolment=duo, declaration="DUO")
    paid = enrolling.enrolment_start(user=learner, start_moment=paid_moment)
    Enrolment.objects.filter(pk=paid.pk).update(
        state=Enrolment.State.CONFIRMED,
        payment_method=Enrolment.PaymentMethod.STRIPE,
        hold_expires_at=None,
        confirmed_at=timezone.now(),
    )
    Payment.objects.create(
        enrolment=paid,
        checkout_session_id=f"cs_test_phone_{paid.pk}",
        checkout_url="https://checkout.example/pay",
        payment_intent_id=f"pi_test_phone_{paid.pk}",
        amount_cents=paid.price_cents,
        destination_account="acct_test",
        status=Payment.Status.PAID,
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
        paid_at=timezone.now(),
    )


def _sign_in(page, demo_site: str) -> None:
    """By allauth's field names, not by wording (the log-in page's words may change)."""
    page.goto(f"{demo_site}/accounts/login/")
    page.fill("input[name=login]", LEARNER)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(f"{demo_site}/accounts/profile/")


@pytest.mark.parametrize("viewport", PHONES)
def test_my_courses_are_cards_with_status_price_and_buttons_on_screen(
    new_page, demo_site, learner_with_courses, viewport
):
    page = new_page(viewport=viewport)
    _sign_in(page, demo_site)
    page.goto(f"{demo_site}/mijn-cursussen/")
    cards = page.locator("ol.course-cards > li")
    expect(cards).to_have_count(3)
    _no_sideways_scroll(page)
    _within_the_width(page, "ol.course-cards > li, ol.course-cards .badge, ol.course-cards dd")
    _within_the_width(page, "ol.course-cards a.button")  # Details, Choose how to pay, Receipt
    expect(page.locator('ol.course-cards a.button[href$="/bon/"]')).to_have_count(1)


@pytest.fixture
def axe_ready():
    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core not found at {AXE_SCRIPT}: run `npm ci` in the project root")


@pytest.mark.parametrize(
    "viewport", [pytest.param(PHONE, id="320px"), pytest.param(DESKTOP, id="1280px")]
)
def test_catalogue_with_chips_and_a_compare_list_has_no_wcag_violations(
    new_page, demo_site, axe_ready, viewport
):
    page = new_page(viewport=viewport, bypass_csp=True)
    page.goto(f"{demo_site}/aanbod/?component=B1_ROUTE")
    page.locator(RESULT_CARDS).first.locator(".offering-card__compare a.button").click()
    page.locator("form.compare-add button[name=add]").click()
    page.wait_for_url(re.compile(r"#offering-\d+$"))
    _no_violations(page)
    page.goto(f"{demo_site}/aanbod/vergelijk/lijst/")
    _no_violations(page)
    response = page.goto(f"{demo_site}/aanbod/?max_price=veel")
    assert response.status == 400
    _no_violations(page)


@pytest.mark.parametrize(
    "viewport", [pytest.param(PHONE, id="320px"), pytest.param(DESKTOP, id="1280px")]
)
def test_course_page_and_my_courses_have_no_wcag_violations(
    new_page, demo_site, demo_paths, learner_with_courses, axe_ready, viewport
):
    page = new_page(viewport=viewport, bypass_csp=True)
    page.goto(f"{demo_site}/aanbod/cursus/{demo_paths['offering']}/")
    _no_violations(page)
    _sign_in(page, demo_site)
    page.goto(f"{demo_site}/mijn-cursussen/")
    _no_violations(page)
    page.goto(f"{demo_site}/aanbod/cursus/{demo_paths['offering']}/")
    _no_violations(page)  # signed in: the forms carry a token
