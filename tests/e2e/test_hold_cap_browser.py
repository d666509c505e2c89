"""On a phone (375 and 320 px) a learner who holds the most seats they may, and then tries too
often, reads why they cannot enrol and what to do, without sideways scrolling and without WCAG 2.1
AA violations."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.demo.data import DEMO_PASSWORD
from portal.enrolments import enrolling
from portal.enrolments.models import Enrolment
from providers.models import StartMoment
from providers.seats import has_free_seats_q
from tests.e2e.axe import AXE_SCRIPT, axe_describe, axe_violations
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

LEARNER = "leerling@routewijzer.example"
PHONE_375 = {"width": 375, "height": 740}
PHONE_320 = {"width": 320, "height": 640}


def _fits_the_width(page, selector: str) -> None:
    """Every element matching ``selector`` lies within the viewport's width, and the page does
    not scroll sideways."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.locator(selector)
    assert boxes.count() > 0, selector
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box is not None, selector
        assert box["x"] >= 0, (selector, box)
        assert box["x"] + box["width"] <= width, (selector, box)


def test_the_refusals_read_well_on_a_phone(new_page, demo_site, stripe_standin, settings):
    from playwright.sync_api import expect

    if not AXE_SCRIPT.exists():
        pytest.skip(f"axe-core not found at {AXE_SCRIPT}: run `npm ci` in the project root")
    settings.ENROLMENT_MAX_ACTIVE_HOLDS = 3
    # The holds are taken below without the view: the browser's first attempt passes the rate
    # limit, its second does not.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "enrolment": "1/10m/user"}
    seed_demo_kept(users=True)
    learner = User.objects.get(email=LEARNER)
    for_sale = StartMoment.objects.filter(
        has_free_seats_q(),
        offering__live=True,
        offering__price_cents__gt=0,
        offering__for_gezinsmigranten=True,
    ).order_by("starts_on", "pk")
    one_per_course = {}
    for moment in for_sale.select_related("offering"):
        one_per_course.setdefault(moment.offering_id, moment)
    *held_moments, fourth = list(one_per_course.values())[:4]
    holds = [enrolling.enrolment_start(user=learner, start_moment=m) for m in held_moments]

    page = new_page(viewport=PHONE_375, bypass_csp=True)
    offering_path = f"/en/aanbod/cursus/{fourth.offering_id}/"
    page.goto(f"{demo_site}/en/accounts/login/?next={offering_path}")
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fourth.offering.title)

    enrol_button = page.locator(f'form[action="/en/inschrijven/{fourth.pk}/"] button')
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        enrol_button.click()
    assert answer.value.status == 409
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot hold another seat yet")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("You can hold seats on at most 3 start dates at a time.")
    expect(alert).to_contain_text("when your first hold ends")
    for hold in holds:
        expect(page.get_by_role("link", name=hold.offering_title, exact=True)).to_be_visible()
    _fits_the_width(page, "main h1, [role=alert], .cards > li, .cards a")
    page.set_viewport_size(PHONE_320)
    _fits_the_width(page, "main h1, [role=alert], .cards > li, .cards a")
    page.set_viewport_size(PHONE_375)
    assert not Enrolment.objects.filter(start_moment=fourth).exists()
    violations = axe_violations(page)
    assert not violations, axe_describe(violations)

    page.go_back()
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator(f'form[action="/en/inschrijven/{fourth.pk}/"] button').click()
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    expect(page.get_by_role("alert")).to_contain_text("Please wait a few minutes")
    for phone in (PHONE_375, PHONE_320):
        page.set_viewport_size(phone)
        _fits_the_width(page, "main h1, [role=alert]")
    violations = axe_violations(page)
    assert not violations, axe_describe(violations)
