"""The providers' DUO invoicing screen in a real browser: axe-core finds no WCAG 2.1 A/AA
violations at 1280 and at 320 px, with learners on it (one over DUO's quarterly maximum) and
without; on the phone the rows stack, so nothing runs past the screen's edge."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE, transitions_settled
from tests.e2e.test_admin_accessibility import _buttons_off_screen
from tests.e2e.test_referral_browser import PROVIDER_EMAIL, _provider_user, _sign_in

pytestmark = pytest.mark.browser

URL = "/admin/duo-invoices/"


def _school_with_duo_learners():
    """A demo school with a valid Keurmerk, and three DUO-loan learners with lessons in the last
    finished quarter: one with two places over DUO's maximum, one with a long name."""
    from portal.enrolments.duo_invoicing import last_finished_quarter
    from providers import keurmerk
    from providers.models import Provider
    from tests.enrolments.factories import learner
    from tests.enrolments.test_duo_invoicing import course, duo_place

    provider = Provider.objects.filter(keurmerk.valid_q()).order_by("pk").first()
    quarter = last_finished_quarter(today=timezone.localdate())
    first, last = quarter.first_day, quarter.last_day
    taal = course(provider, starts_on=first, ends_on=last, price_cents=150_000, title="B1-route")
    knm = course(
        provider,
        starts_on=first + datetime.timedelta(days=7),
        ends_on=last + datetime.timedelta(days=60),
        price_cents=180_000,
        title="Kennis van de Nederlandse Maatschappij, avondcursus met kinderopvang",
    )
    amal = learner(first_name="Amal", last_name="Haddad")
    duo_place(taal, user=amal)
    duo_place(knm, user=amal)
    duo_place(
        knm,
        first_name="Tsegereda",
        last_name="Weldemichael-Gebremariam",
        email="tsegereda.weldemichael-gebremariam@voorbeeld.example",
    )
    return provider, quarter


def test_the_duo_invoicing_screen_has_no_wcag_21_aa_violations(axe_page, demo_site):
    provider, quarter = _school_with_duo_learners()
    _provider_user(provider)
    _sign_in(axe_page, demo_site, PROVIDER_EMAIL)
    reports = []
    for path in (URL, f"{URL}?quarter={quarter.previous().code}", f"{URL}?quarter=gisteren"):
        axe_page.set_viewport_size(DESKTOP)
        url = demo_site + path
        response = axe_page.goto(url)
        assert (response.status, axe_page.url) == (200, url)
        if path == URL:
            assert axe_page.locator("#duo-lines tbody tr").count() == 3
            assert axe_page.locator("#duo-lines .rw-duo-over").count() == 2
        found = {"desktop": axe_violations(axe_page)}
        axe_page.set_viewport_size(PHONE)
        transitions_settled(axe_page)
        found["phone 320 px"] = axe_violations(axe_page)
        if off_screen := _buttons_off_screen(axe_page):
            reports.append(f"{path} [phone 320 px] buttons off the screen sideways: {off_screen}")
        wide = axe_page.evaluate("document.querySelector('main').scrollWidth")
        if wide > PHONE["width"]:
            reports.append(f"{path} [phone 320 px] the page is {wide} px wide")
        reports += [
            f"{path} [{width}]\n{axe_describe(violations)}"
            for width, violations in found.items()
            if violations
        ]
    if reports:
        pytest.fail("\n".join(reports), pytrace=False)
