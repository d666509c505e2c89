"""The newcomer's journey on a phone (#17): from the home page to a paid place in at most 5 taps.

A tap is a click on a link or a button, including the button that sends a form (the log-in
form's "Log in" counts). Typing is not a tap: the postcode, the e-mail address and the password
are typed on the phone's keyboard, and scrolling the page is not a tap either. Before every tap
the element must be visible and lie wholly within the screen's width, and the page must not
scroll sideways.

The journey: type a postcode on the home page and tap "Find courses" (the list nearest first);
tap "Enrol" on a card for the next start date; choose to pay online; pay on the Stripe
stand-in's test Checkout page. The place is confirmed by the signed webhook, not by the
browser's return. A visitor who is not signed in logs in on the way and lands on the enrolment
of the start date they chose, with the seat held, not back on the course or the home page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest

from portal.demo.data import DEMO_PASSWORD
from portal.enrolments.models import Enrolment
from providers.models import StartMoment
from providers.seats import has_free_seats_q
from tests.e2e.conftest import PHONE
from tests.e2e.test_enrolment_browser import LEARNER
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 667}
MAX_TAPS = 5


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _phone_page(new_page, viewport: dict[str, int]):
    return new_page(viewport=viewport, has_touch=True, is_mobile=True, device_scale_factor=2)


def _assert_on_screen(page, locator, width: int, what: str) -> None:
    """Visible, wholly within [0, width] horizontally, on a page that does not scroll sideways."""
    expect(locator).to_be_visible()
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None, what
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (what, box, width)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, (what, page.url, scroll_width, width)


@dataclass
class Taps:
    """Counts the taps of one journey, checking each element's position before tapping it."""

    page: object
    width: int
    taken: list[str] = field(default_factory=list)

    def tap(self, locator, what: str) -> None:
        _assert_on_screen(self.page, locator, self.width, what)
        # Every tap of this journey loads a new page: wait for it to load before the next step
        # (Chromium refuses a navigation that starts while another one is still under way).
        with self.page.expect_navigation(wait_until="load"):
            locator.tap()
        self.taken.append(what)


def _course_for_sale() -> StartMoment:
    """The start date the newcomer picks: the next one with free seats of a course a
    self-paying learner can buy online, at a location with a postcode to search near."""
    return (
        StartMoment.objects.filter(
            has_free_seats_q(),
            offering__live=True,
            offering__price_cents__gt=0,
            offering__for_gezinsmigranten=True,
            offering__provider__connected_account__charges_enabled=True,
            location__isnull=False,
        )
        .select_related("offering", "location")
        .order_by("starts_on", "pk")
        .first()
    )


def _next_start_of(offering_id: int) -> StartMoment:
    from providers.selectors import start_moments_open

    return start_moments_open().filter(offering_id=offering_id).order_by("starts_on", "pk").first()


def _log_in(page, base: str) -> None:
    """Signs in before the journey starts (case A: not counted)."""
    page.goto(f"{base}/en/accounts/login/?next=/en/")
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    with page.expect_navigation(wait_until="load"):
        page.get_by_role("button", name="Log in").click()


def _find_and_enrol(page, taps: Taps, base: str) -> StartMoment:
    """Home page → the list nearest first → "Enrol" on the card's next start date."""
    postcode_areas_ensure()  # a transactional test before this one emptied the table
    moment = _course_for_sale()
    offering = moment.offering
    chosen = _next_start_of(offering.pk)
    page.goto(f"{base}/en/")
    page.get_by_label("Your postcode or place").fill(moment.location.postcode[:4])  # typing
    taps.tap(page.get_by_role("button", name="Find courses"), "Find courses")
    expect(page).to_have_url(re.compile(r"/en/aanbod/\?.*ordering=distance"))
    card = page.locator("li.offering-card").filter(
        has=page.get_by_role("heading", name=offering.title, exact=True)
    )
    expect(card).to_contain_text(chosen.starts_on.strftime("%-d %B %Y"))
    taps.tap(card.get_by_role("button", name=re.compile(r"^Enrol")), "Enrol on the card")
    return chosen


def _pay(page, taps: Taps, stripe_standin) -> None:
    """The enrolment page → Stripe's (stand-in's) Checkout → back, confirmed by the webhook."""
    taps.tap(page.get_by_role("button", name=re.compile(r"^Pay online")), "Pay online")
    expect(page).to_have_url(re.compile(re.escape(f"{stripe_standin.base_url}/checkout/cs_test_")))
    taps.tap(page.get_by_role("button", name="Pay with iDEAL | Wero"), "Pay on Checkout")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place is confirmed")


def _enrolment_of(moment: StartMoment) -> Enrolment:
    return Enrolment.objects.get(user__email=LEARNER, start_moment=moment)


@pytest.mark.parametrize("viewport", [pytest.param(PHONE_375, id="375px")])
def test_a_signed_in_learner_pays_for_a_place_in_at_most_five_taps(
    new_page, paying_site, stripe_standin, viewport
):
    page = _phone_page(new_page, viewport)
    _log_in(page, paying_site)
    taps = Taps(page, viewport["width"])

    chosen = _find_and_enrol(page, taps, paying_site)
    enrolment = _enrolment_of(chosen)
    expect(page).to_have_url(f"{paying_site}/en/mijn-cursussen/{enrolment.reference}/")
    _pay(page, taps, stripe_standin)

    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    print(f"\nsigned-in learner at {viewport['width']} px: {len(taps.taken)} taps: {taps.taken}")
    assert len(taps.taken) <= MAX_TAPS, taps.taken


@pytest.mark.parametrize("viewport", [pytest.param(PHONE_375, id="375px")])
def test_a_visitor_logs_in_on_the_way_and_lands_on_the_start_date_they_chose(
    new_page, paying_site, stripe_standin, viewport
):
    page = _phone_page(new_page, viewport)
    taps = Taps(page, viewport["width"])

    chosen = _find_and_enrol(page, taps, paying_site)
    expect(page).to_have_url(re.compile(r"/en/accounts/login/\?next="))
    expect(page.locator(".after-login")).to_contain_text(
        f"You are enrolling on {chosen.offering.title}"
    )
    assert not Enrolment.objects.filter(start_moment=chosen).exists()
    page.get_by_label("Email").fill(LEARNER)  # typing
    page.get_by_label("Password").fill(DEMO_PASSWORD)  # typing
    taps.tap(page.get_by_role("button", name="Log in"), "Log in")

    # Straight on the enrolment of the start date they chose, its seat held: not the course
    # page, not the home page, and no second "Enrol?" question.
    enrolment = _enrolment_of(chosen)
    assert enrolment.state == Enrolment.State.HELD
    expect(page).to_have_url(f"{paying_site}/en/mijn-cursussen/{enrolment.reference}/")
    _pay(page, taps, stripe_standin)

    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    width = viewport["width"]
    print(f"\nvisitor who logs in on the way at {width} px: {len(taps.taken)} taps: {taps.taken}")
    assert len(taps.taken) <= MAX_TAPS, taps.taken


@pytest.mark.parametrize("viewport", [pytest.param(PHONE, id="320px")])
def test_every_button_of_the_journey_is_on_screen_at_320_px(
    new_page, paying_site, stripe_standin, viewport
):
    """The same steps at 320 px, a visitor who logs in on the way, up to Checkout's page (the
    paying itself is the same page as at 375 px)."""
    page = _phone_page(new_page, viewport)
    taps = Taps(page, viewport["width"])
    chosen = _find_and_enrol(page, taps, paying_site)
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    taps.tap(page.get_by_role("button", name="Log in"), "Log in")
    expect(page).to_have_url(re.compile(rf"/en/mijn-cursussen/{_enrolment_of(chosen).reference}/$"))
    taps.tap(page.get_by_role("button", name=re.compile(r"^Pay online")), "Pay online")
    _assert_on_screen(
        page, page.get_by_role("button", name="Pay with iDEAL | Wero"), viewport["width"], "Pay"
    )


@pytest.mark.parametrize("viewport", [pytest.param(PHONE_375, id="375px")])
def test_a_visitor_who_creates_an_account_on_the_way_lands_on_the_start_date_they_chose(
    new_page, paying_site, stripe_standin, viewport
):
    """Measured, no target: creating an account takes the sign-up form and the link in the
    e-mail (opening it counts as a tap, and so does "Confirm" on the page it opens)."""
    from django.core import mail

    page = _phone_page(new_page, viewport)
    taps = Taps(page, viewport["width"])
    chosen = _find_and_enrol(page, taps, paying_site)
    taps.tap(page.get_by_role("link", name="Create an account"), "Create an account (link)")
    expect(page.locator(".after-login")).to_contain_text(chosen.offering.title)
    email = "nieuw-op-weg@example.org"
    page.get_by_label("Email").fill(email)  # typing
    page.locator("#id_password1").fill("een-Goed-wachtwoord-42")  # typing
    page.locator("#id_password2").fill("een-Goed-wachtwoord-42")  # typing
    taps.tap(page.get_by_role("button", name="Create account"), "Create account")
    link = re.search(r"https?://[^/\s]+(/\S+/confirm-email/\S+)", mail.outbox[-1].body)
    with page.expect_navigation(wait_until="load"):
        page.goto(paying_site + link.group(1))  # tapped in the phone's mail app
    taps.taken.append("The link in the e-mail")
    taps.tap(page.get_by_role("button", name="Confirm"), "Confirm")

    enrolment = Enrolment.objects.get(user__email=email, start_moment=chosen)
    expect(page).to_have_url(f"{paying_site}/en/mijn-cursussen/{enrolment.reference}/")
    _pay(page, taps, stripe_standin)
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    print(f"\nvisitor who creates an account on the way: {len(taps.taken)} taps: {taps.taken}")
