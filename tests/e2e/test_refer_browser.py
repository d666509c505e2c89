"""Referring in the browser: "New referral" on the list, the learner, the lot, a start date of
that lot. With JavaScript (under the site's own CSP) the start dates follow the lot as it is
chosen; without it the same steps are plain GET forms. axe finds nothing on the new screens at
1280 and 320 px, and nothing runs past a 320 px screen's edge."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_referral_browser import _sign_in
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

KLANTMANAGER = "klantmanager@routewijzer.example"

SHOWN_DATES = """
() => [...document.querySelectorAll('#refer-form input[name=start_moment]')]
    .filter((radio) => radio.offsetParent !== null && radio.value)
    .map((radio) => [radio.value, document.querySelector(`label[for="${radio.id}"]`).innerText])
"""

WIDER_THAN_THE_SCREEN = """
() => {
    // Inside a region that scrolls sideways of its own (a wide table) is not past the edge.
    const scrolls = (element) => {
        for (let parent = element.parentElement; parent && parent.tagName !== 'MAIN';
             parent = parent.parentElement) {
            if (['auto', 'scroll'].includes(getComputedStyle(parent).overflowX)) {
                return true;
            }
        }
        return false;
    };
    return [...document.querySelectorAll('main *')]
        .filter((element) => element.offsetParent !== null && !element.closest('.form-side'))
        .filter((element) => element.getBoundingClientRect().right
            > document.documentElement.clientWidth + 1)
        .filter((element) => !scrolls(element))
        .map((element) => element.outerHTML.slice(0, 120));
}
"""


@pytest.fixture
def referring(demo_site):
    """The demo with its users; a learner of the demo klantmanager waiting for a referral, and
    two of the lots they may be referred to whose providers differ, each with start dates."""
    from contracts import referrals
    from portal.accounts.models import User

    seed_demo_kept(users=True)
    klantmanager = User.objects.get(email=KLANTMANAGER)
    today = timezone.localdate()
    for learner in referrals.referral_learners(user=klantmanager):
        choices = [
            choice
            for choice in referrals.referral_lot_choices(learner=learner, on=today)
            if choice.start_dates and not choice.full and not choice.keurmerk_refusal
        ]
        providers = {choice.lot.contract.provider_id for choice in choices}
        if len(providers) >= 2:
            first = choices[0]
            second = next(
                choice
                for choice in choices
                if choice.lot.contract.provider_id != first.lot.contract.provider_id
            )
            return {"base": demo_site, "learner": learner, "first": first, "second": second}
    pytest.fail("The demo has no learner of the klantmanager with two providers' lots")


def _to_step_2(page, referring) -> None:
    """From the referral list through "New referral" and a search to the learner's lots."""
    base, learner = referring["base"], referring["learner"]
    page.goto(f"{base}/admin/referrals/")
    page.locator("header a[href='/admin/referrals/new/']").click()
    page.locator("#id_q").fill(learner.client_number)
    page.locator("#refer-learner-search button[type=submit]").click()
    page.locator(f"a[data-learner='{learner.pk}']").click()
    page.wait_for_url(f"{base}/admin/referrals/new/?learner={learner.pk}")


def _providers_of(dates: list[list[str]]) -> set[str]:
    return {text.splitlines()[1].split(",")[0].strip() for _value, text in dates}


def test_with_javascript_the_start_dates_follow_the_chosen_lot(new_page, referring):
    from playwright.sync_api import expect

    from contracts.models import Referral

    page = new_page()  # the site's CSP applies: the script must come from the site's files
    problems = []  # a script the CSP refused, or one that failed (not the avatar's image)
    page.on(
        "console",
        lambda message: (
            message.type == "error" and "script" in message.text and problems.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    _sign_in(page, referring["base"], KLANTMANAGER)
    _to_step_2(page, referring)
    first, second = referring["first"], referring["second"]

    expect(page.locator("#refer-form")).to_be_hidden()
    expect(page.locator("[data-refer-show]")).to_be_hidden()  # the script makes it needless
    page.locator(f"#refer-lot-{first.lot.pk}").check()
    expect(page.locator("#refer-form")).to_be_visible()
    dates = page.evaluate(SHOWN_DATES)
    assert [int(value) for value, _text in dates] == [m.pk for m in first.start_dates]
    assert _providers_of(dates) == {first.lot.contract.provider.name}
    assert "vrij" in dates[0][1]  # "N plaats(en) vrij": the demo admin speaks Dutch
    assert f"lot={first.lot.pk}" in page.url

    page.locator(f"#refer-lot-{second.lot.pk}").check()
    expect(page.locator("#refer-start-status")).to_contain_text(second.lot.contract.provider.name)
    dates = page.evaluate(SHOWN_DATES)
    assert [int(value) for value, _text in dates] == [m.pk for m in second.start_dates]
    assert _providers_of(dates) == {second.lot.contract.provider.name}
    assert f"lot={second.lot.pk}" in page.url

    chosen = second.start_dates[0]
    page.locator(f"#refer-start-{second.lot.pk}-{chosen.pk}").check()
    page.locator("#id_note").fill("Prefers mornings.")
    page.locator("#refer-form button[name=action][value=send]").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "sent")
    referral = Referral.objects.get(learner=referring["learner"], state="sent")
    assert (referral.lot_id, referral.start_moment_id) == (second.lot.pk, chosen.pk)
    assert problems == []


def test_without_javascript_each_step_is_a_form_that_keeps_the_choices(new_page, referring):
    from playwright.sync_api import expect

    from contracts.models import Referral

    page = new_page(java_script_enabled=False)
    _sign_in(page, referring["base"], KLANTMANAGER)
    _to_step_2(page, referring)
    first, second = referring["first"], referring["second"]
    learner = referring["learner"]

    expect(page.locator("#refer-form")).to_be_hidden()
    page.locator(f"#refer-lot-{first.lot.pk}").check()
    expect(page.locator("#refer-form")).to_be_hidden()  # nothing runs: the button does it
    page.locator("[data-refer-show]").click()
    base = referring["base"]
    page.wait_for_url(f"{base}/admin/referrals/new/?learner={learner.pk}&lot={first.lot.pk}")
    expect(page.locator(f"#refer-lot-{first.lot.pk}")).to_be_checked()
    dates = page.evaluate(SHOWN_DATES)
    assert [int(value) for value, _text in dates] == [m.pk for m in first.start_dates]
    assert _providers_of(dates) == {first.lot.contract.provider.name}

    page.locator(f"#refer-lot-{second.lot.pk}").check()
    page.locator("[data-refer-show]").click()
    page.wait_for_url(f"{base}/admin/referrals/new/?learner={learner.pk}&lot={second.lot.pk}")
    dates = page.evaluate(SHOWN_DATES)
    assert [int(value) for value, _text in dates] == [m.pk for m in second.start_dates]

    chosen = second.start_dates[-1]
    page.locator(f"#refer-start-{second.lot.pk}-{chosen.pk}").check()
    page.locator("#refer-form button[name=action][value=draft]").click()
    expect(page.locator("[data-state]")).to_have_attribute("data-state", "draft")
    referral = Referral.objects.get(learner=learner, state="draft")
    assert (referral.lot_id, referral.start_moment_id) == (second.lot.pk, chosen.pk)


def test_the_refer_screens_have_no_wcag_21_aa_violations_and_fit_a_phone(axe_page, referring):
    base, learner = referring["base"], referring["learner"]
    first = referring["first"]
    _sign_in(axe_page, base, KLANTMANAGER)
    screens = [
        "/admin/referrals/",
        "/admin/referrals/new/",
        "/admin/referrals/new/?q=zzzz-nobody",
        "/admin/referrals/new/?whose=all&in_progress=on",
        f"/admin/referrals/new/?learner={learner.pk}",
        f"/admin/referrals/new/?learner={learner.pk}&lot={first.lot.pk}",
        f"/admin/referrals/new/?learner={learner.pk}&lot=not-a-lot",
    ]
    reports = []
    for path in screens:
        axe_page.set_viewport_size(DESKTOP)
        response = axe_page.goto(base + path)
        assert (response.status, axe_page.url) == (200, base + path)
        found = {"desktop": axe_violations(axe_page)}
        axe_page.set_viewport_size(PHONE)
        found["phone 320 px"] = axe_violations(axe_page)
        if wide := axe_page.evaluate(WIDER_THAN_THE_SCREEN):
            reports.append(f"{path} [phone 320 px] past the screen's edge: {wide}")
        reports += [
            f"{path} [{width}]\n{axe_describe(violations)}"
            for width, violations in found.items()
            if violations
        ]
    # With the script: the start dates after choosing another lot, and a refused post.
    axe_page.set_viewport_size(DESKTOP)
    axe_page.goto(f"{base}/admin/referrals/new/?learner={learner.pk}")
    axe_page.locator(f"#refer-lot-{referring['second'].lot.pk}").check()
    axe_page.locator("#id_note").fill("x")
    axe_page.evaluate("document.querySelector('#refer-form input[name=lot]').value = 'tampered'")
    axe_page.locator("#refer-form button[name=action][value=send]").click()
    axe_page.locator("#refer-lot-error").wait_for()
    for width, size in (("desktop", DESKTOP), ("phone 320 px", PHONE)):
        axe_page.set_viewport_size(size)
        if violations := axe_violations(axe_page):
            reports.append(f"refused post [{width}]\n{axe_describe(violations)}")
    if reports:
        pytest.fail("\n".join(reports), pytrace=False)
