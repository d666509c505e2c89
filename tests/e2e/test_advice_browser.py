"""Advice to a gezinsmigrant in a real Chromium: the klantmanager advises from the learner's page,
the learner makes an account from the e-mail's link, sees the advice and enrols, and the
klantmanager sees it on the learner's page and the admin home. Every new screen (the form, the
learner's page with the advice, the home panel, each step of the link, the advice page in Dutch
and Arabic) passes axe-core at 1280 and 320 px, and nothing on it is wider than the screen."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import TestCase

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_referral_browser import KLANTMANAGER, _sign_in
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

PASSWORD = "Een-Goed-wachtwoord-2026"
LINK = re.compile(r"https?://[^/\s]+(/\S*mijn-advies/link/\S+/)")
WIDTHS = [1280, 375, 320]
SETTLED = """document.getAnimations()
    .filter(a => a instanceof CSSTransition).every(a => a.playState !== 'running')"""
# What a person reads or uses in the page's main part and that reaches beyond the screen's edge
# (a clipped container hides it without widening the page). Wagtail's own header, breadcrumbs and
# panel headings are left out, and its side panel, which waits off the screen until opened.
OFF_SCREEN = """[...document.querySelectorAll(
        'main :is(a, button, input, select, textarea, label, p, li, dt, dd, h1, h2, h3, h4)')]
    .filter(e => e.offsetParent !== null
        && !e.closest('header, .w-panel__header, .form-side, .w-sr-only, .visually-hidden'))
    .filter(e => {
        const box = e.getBoundingClientRect();
        const edge = document.documentElement.clientWidth;
        return box.width > 0 && (box.right > edge + 1 || box.left < -1);
    })
    .map(e => e.tagName.toLowerCase() + ': '
        + (e.textContent.trim().slice(0, 40) || e.outerHTML.slice(0, 80)))"""


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def _problems(page, label: str) -> list[str]:
    """axe's violations at 1280 and 320 px; at every width a page wider than the screen, and
    text, fields or buttons of the main part beyond the screen's edge."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        # The admin's sidebar slides shut below 800 px: measure once it has.
        page.wait_for_function(SETTLED)
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found.append(f"{label} [{width} px] the page is {overflow} px wider than the screen")
        if off := page.evaluate(OFF_SCREEN):
            found.append(f"{label} [{width} px] off the screen sideways: {off}")
        if width != 375 and (violations := axe_violations(page)):
            found.append(f"{label} [{width} px]\n{axe_describe(violations)}")
    page.set_viewport_size(DESKTOP)
    return found


def _gezinsmigrant_and_courses():
    from contracts import advising
    from contracts.models import Learner

    learner = (
        Learner.objects.filter(
            municipality__cbs_code="GM0392",
            target_group="GEZINSMIGRANT",
            closed_at__isnull=True,
            anonymised_at__isnull=True,
        )
        .order_by("pk")
        .first()
    )
    courses = [
        offering
        for offering in advising.offerings_advisable(learner=learner)
        if offering.next_start is not None and offering.price_cents
    ]
    assert len(courses) >= 2, "the demo has courses to advise a Haarlem gezinsmigrant on"
    return learner, courses[:2]


def test_advice_from_the_learners_page_to_an_enrolment_in_the_browser(
    axe_page, new_page, demo_site
):
    from contracts.models import Advice
    from portal.enrolments.models import Enrolment

    seed_demo_kept(users=True)
    learner, courses = _gezinsmigrant_and_courses()
    problems: list[str] = []
    page = axe_page
    _sign_in(page, demo_site, KLANTMANAGER)

    # The klantmanager opens the learner's page and the form from its button.
    page.goto(f"{demo_site}/admin/snippets/contracts/learner/inspect/{learner.pk}/")
    page.locator(f"a[href='/admin/learners/{learner.pk}/advice/']").click()
    expect(page).to_have_url(f"{demo_site}/admin/learners/{learner.pk}/advice/")
    problems += _problems(page, "the advice form")
    page.locator("button[type=submit].button").first.click()  # nothing chosen: errors shown
    expect(page.locator(".error-message").first).to_be_visible()
    problems += _problems(page, "the advice form with errors")
    for course in courses:
        page.locator(f"#id_offerings_{course.pk}").check()
    page.locator("#id_note").fill("Beide scholen zijn dichtbij; de eerste heeft avondles.")
    page.locator("#id_email").fill("gezin.browser@example.org")
    page.locator("#id_language").select_option("en")
    page.locator("form.advice-form button[type=submit].button").click()
    expect(page).to_have_url(f"{demo_site}/admin/snippets/contracts/learner/inspect/{learner.pk}/")
    expect(page.locator("#learner-advice")).to_be_visible()
    page.reload()  # without the success message, which fades in while axe would measure it
    problems += _problems(page, "the learner's page with the advice")
    advice = Advice.objects.get(learner=learner)
    link = LINK.search(mail.outbox[-1].body).group(1)

    # The learner opens the link, makes an account and sees the advice.
    visitor = new_page(bypass_csp=True)
    visitor.goto(demo_site + link)
    problems += _problems(visitor, "the link: make an account")
    visitor.locator("input[name=password1]").fill(PASSWORD)
    visitor.locator("input[name=password2]").fill(PASSWORD)
    visitor.locator("main form button[type=submit]").click()
    expect(visitor).to_have_url(f"{demo_site}/en/mijn-advies/")
    expect(visitor.locator(".advice__courses > li")).to_have_count(2)
    problems += _problems(visitor, "the advice page")
    visitor.goto(f"{demo_site}/ar/mijn-advies/")
    expect(visitor.locator("html")).to_have_attribute("dir", "rtl")
    problems += _problems(visitor, "the advice page in Arabic")
    visitor.goto(f"{demo_site}/mijn-advies/")
    problems += _problems(visitor, "the advice page in Dutch")

    # "Enrol" on the first course's first start date: the normal enrolment page.
    first_course = visitor.locator(".advice__courses > li").first
    first_course.locator(".advice__start form button").first.click()
    expect(visitor).to_have_url(re.compile(r"/mijn-cursussen/RW-[0-9A-Z]{8}/$"))
    enrolment = Enrolment.objects.get(user__email="gezin.browser@example.org")
    assert enrolment.start_moment.offering_id == courses[0].pk

    # The klantmanager sees where, on the learner's page and on the admin home.
    page.goto(f"{demo_site}/admin/snippets/contracts/learner/inspect/{learner.pk}/")
    expect(page.locator("section[aria-labelledby=learner-advice]")).to_contain_text(
        enrolment.offering_title
    )
    page.goto(f"{demo_site}/admin/")
    expect(page.locator("#advice-sent-section")).to_be_visible()
    problems += _problems(page, "the admin home with the advice panel")
    assert Advice.objects.get(pk=advice.pk).user.email == "gezin.browser@example.org"
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def test_the_other_steps_of_the_link_pass_axe_and_fit_a_phone(axe_page, new_page, demo_site):
    from contracts import advising
    from contracts.models import Learner
    from portal.accounts.models import Role, User
    from tests.portal.factories import UserFactory

    seed_demo_kept(users=True)
    learner, courses = _gezinsmigrant_and_courses()
    owner = UserFactory(email="heeft.al.account@example.org")
    klantmanager = User.objects.get(email=KLANTMANAGER)
    assert Learner.objects.filter(pk=learner.pk, municipality=klantmanager.municipality).exists()
    with TestCase.captureOnCommitCallbacks(execute=True):
        advising.advice_give(
            learner=learner, klantmanager=klantmanager, offerings=courses, email=owner.email
        )
    link = LINK.search(mail.outbox[-1].body).group(1)
    problems: list[str] = []
    page = axe_page

    page.goto(demo_site + link)  # an account has the address: log in first
    problems += _problems(page, "the link: log in first")
    page.locator("main a.button").click()
    page.locator("input[name=login]").fill(owner.email)
    page.locator("input[name=password]").fill("een-Goed-wachtwoord-42")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(demo_site + link)
    problems += _problems(page, "the link: add to my account")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{demo_site}/mijn-advies/")

    stranger = new_page(bypass_csp=True)
    other = UserFactory(role=Role.LEARNER)
    stranger.goto(f"{demo_site}/accounts/login/")
    stranger.locator("input[name=login]").fill(other.email)
    stranger.locator("input[name=password]").fill("een-Goed-wachtwoord-42")
    stranger.locator("main form button[type=submit]").click()
    stranger.wait_for_url(f"{demo_site}/accounts/profile/")
    response = stranger.goto(demo_site + link)
    assert response.status == 403
    problems += _problems(stranger, "the link: another account")
    response = stranger.goto(demo_site + link[:-3] + "xx/")
    assert response.status == 404
    problems += _problems(stranger, "the link: no longer valid")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
