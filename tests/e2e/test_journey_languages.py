"""The whole journey of a gezinsmigrant in each of the six languages, on a 320 px phone (#18):
find a course near home, compare two, create an account on the way, enrol, pay, cancel.

Buttons are found by their names in the language of the page (the catalogue's translation of the
source text), so a button left in another language fails the step. On every page of the portal
the journey passes: ``<html lang dir>`` is the language's, nothing scrolls sideways, and no Dutch
or English interface sentence of the catalogues is left (what a school wrote may be Dutch). One
seeded demo site for the six journeys, each with its own account and course.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext

from portal.enrolments.models import Enrolment
from tests.e2e.test_journey_phone import (
    _course_for_sale,
    _next_start_of,
    _phone_page,
    expect,
)
from tests.i18n.test_pages_in_every_language import RIGHT_TO_LEFT, _sentences, visible_text
from tests.portal.places.postcode_data import postcode_areas_ensure

pytestmark = pytest.mark.browser

PHONE_320 = {"width": 320, "height": 640}
LANGUAGES = ["nl", "en", "ar", "ti", "tr", "fa"]


def _label(language: str, text: str, **values: str) -> str:
    with translation.override(language):
        translated = gettext(text)
    return translated % values if values else translated


def _pattern(language: str, text: str, placeholder: str) -> re.Pattern:
    """A name with a value in it (``Enrol: starts %(starts)s``), the value left open."""
    before, after = _label(language, text).split(f"%({placeholder})s")
    return re.compile(re.escape(before.strip()) + ".*" + re.escape(after.strip()))


class Journey:
    def __init__(self, page, base: str, language: str) -> None:
        self.page, self.base, self.language = page, base, language
        self.prefix = "" if language == "nl" else f"/{language}"
        self.left_over = (_sentences(language, source="nl") if language != "nl" else set()) | (
            _sentences(language, source="en") if language not in ("nl", "en") else set()
        )

    def check(self, what: str) -> None:
        """The page is in the journey's language, whole on the screen's width."""
        page = self.page
        opening = page.evaluate("[document.documentElement.lang, document.documentElement.dir]")
        direction = "rtl" if self.language in RIGHT_TO_LEFT else "ltr"
        assert opening == [self.language, direction], (self.language, what, page.url, opening)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE_320["width"], (self.language, what, page.url, width)
        text = visible_text(page.content())
        left = sorted(s for s in self.left_over if s in text)
        assert not left, (self.language, what, page.url, left[:3])

    def compare_add(self, card, what: str) -> None:
        """A visitor without a session gets a link to the compare list's page (the list may be
        a cached page, without a form token), which asks once; with a session, a button."""
        name = re.compile(re.escape(_label(self.language, "Add to compare list")))
        self.tap(
            card.get_by_role("link", name=name).or_(card.get_by_role("button", name=name)), what
        )
        if "/vergelijk/lijst/" in self.page.url:
            confirm = self.page.get_by_role("main").get_by_role("button", name=name)
            self.check(f"{what}: the compare list's page")
            self.tap(confirm, f"{what}: confirm")
        self.check(f"{what}: back on the list")

    def tap(self, locator, what: str) -> None:
        expect(locator).to_be_visible()
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_320["width"], (what, box)
        with self.page.expect_navigation(wait_until="load"):
            locator.tap()


def test_a_gezinsmigrant_finds_compares_signs_up_enrols_pays_and_cancels_in_every_language(
    new_page, paying_site, stripe_standin
):
    from django.core import mail

    postcode_areas_ensure()
    for language in LANGUAGES:
        page = _phone_page(new_page, PHONE_320)
        journey = Journey(page, paying_site, language)
        moment = _course_for_sale()
        chosen = _next_start_of(moment.offering_id)
        title = moment.offering.title

        # Find: the home page's postcode box, nearest first.
        page.goto(f"{paying_site}{journey.prefix}/")
        journey.check("home")
        page.get_by_label(_label(language, "Your postcode or place")).fill(
            moment.location.postcode[:4]
        )
        journey.tap(page.get_by_role("button", name=_label(language, "Find courses")), "find")
        journey.check("list")
        cards = page.locator("li.offering-card")
        card = cards.filter(has=page.get_by_role("heading", name=title, exact=True))

        # Compare: two courses on the list, then the comparison.
        journey.compare_add(card, "compare 1")
        other = cards.filter(has_not=page.get_by_role("heading", name=title, exact=True)).first
        journey.compare_add(other, "compare 2")
        compare = _label(language, "Compare (%(count)s)", count="2")
        journey.tap(page.get_by_role("button", name=compare), "compare")
        journey.check("compare")
        expect(page.get_by_role("main")).to_contain_text(title)
        page.go_back()

        # Enrol on the card, creating an account on the way.
        card = page.locator("li.offering-card").filter(
            has=page.get_by_role("heading", name=title, exact=True)
        )
        enrol = _pattern(language, "Enrol: starts %(starts)s", "starts")
        journey.tap(card.get_by_role("button", name=enrol), "enrol")
        journey.check("log in")
        journey.tap(page.locator("main a[href*='/accounts/signup/']"), "sign up link")
        journey.check("sign up")
        email = f"journey-{language}@example.org"
        page.locator("#id_email").fill(email)
        page.locator("#id_password1").fill("een-Goed-wachtwoord-42")
        page.locator("#id_password2").fill("een-Goed-wachtwoord-42")
        journey.tap(page.locator("main form button[type=submit]").last, "create account")
        journey.check("check your e-mail")
        link = re.search(r"https?://[^/\s]+(/\S+/confirm-email/\S+)", mail.outbox[-1].body)
        assert link.group(1).startswith(f"{journey.prefix}/"), (language, link.group(1))
        page.goto(paying_site + link.group(1))
        journey.check("confirm e-mail")
        journey.tap(page.locator("main form button[type=submit]").last, "confirm")
        enrolment = Enrolment.objects.get(user__email=email, start_moment=chosen)
        expect(page).to_have_url(
            f"{paying_site}{journey.prefix}/mijn-cursussen/{enrolment.reference}/"
        )
        journey.check("enrolment")

        # Pay at the stand-in's Checkout; the webhook confirms.
        pay = _label(language, "Pay online (iDEAL | Wero, card, Bancontact)")
        journey.tap(page.get_by_role("button", name=pay), "pay online")
        journey.tap(page.get_by_role("button", name="Pay with iDEAL | Wero"), "pay")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            _label(language, "Your place is confirmed")
        )
        journey.check("confirmed")
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.CONFIRMED, language
        assert enrolment.user.language == language

        # Cancel within the cooling-off period: refunded in full.
        page.goto(f"{paying_site}{journey.prefix}/mijn-cursussen/{enrolment.reference}/annuleren/")
        journey.check("cancel")
        journey.tap(
            page.get_by_role("button", name=_label(language, "Yes, cancel my enrolment")), "cancel"
        )
        journey.check("cancelled")
        enrolment.refresh_from_db()
        assert enrolment.state == Enrolment.State.REFUNDED, language
        page.close()
