"""allauth's pages and the account menu in a real Chromium, on a desktop (1280 px) and a phone
(375 and 320 px wide): nothing wider than the screen, labels above full-width fields, and no
WCAG 2.1 A/AA violation that axe-core finds. Every page a learner meets in their account: log in
(also with an error), sign up, the password reset and its e-mail's link, the e-mail
verification link, the e-mail addresses, password, two-factor, log out, delete, my courses."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from tests.e2e.axe import axe_describe, axe_violations
from tests.portal.factories import UserFactory
from tests.portal.helpers import totp_code, totp_enable

pytestmark = pytest.mark.browser


def expect(target):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


PASSWORD = "een-Goed-wachtwoord-42"
WIDTHS = [1280, 375, 320]


def _problems(page) -> str:
    """What is wrong with the page at each width: sideways scrolling, axe's violations."""
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 700})
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if overflow > 0:
            found.append(f"[{width} px] the page is {overflow} px wider than the screen")
        if violations := axe_violations(page):
            found.append(f"[{width} px]\n{axe_describe(violations)}")
    return "\n".join(found)


def _log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/password/reset/key/1-not-a-key/",
        "/accounts/password/reset/key/done/",
        "/accounts/confirm-email/not-a-key/",
        "/en/accounts/login/",
        "/en/accounts/signup/",
    ],
)
def test_the_entrance_pages_fit_a_phone_and_pass_axe(axe_page, demo_site, path):
    response = axe_page.goto(demo_site + path, wait_until="load")
    assert response.status == 200
    if problems := _problems(axe_page):
        pytest.fail(f"{path}:\n{problems}", pytrace=False)


def test_the_login_form_has_labels_above_full_width_fields_at_320_px(page, demo_site):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{demo_site}/accounts/login/")
    form = page.locator("form.account-form").bounding_box()
    for field_id in ("id_login", "id_password"):
        label = page.locator(f"label[for={field_id}]").bounding_box()
        field = page.locator(f"#{field_id}").bounding_box()
        assert label["y"] + label["height"] <= field["y"], field_id
        assert field["width"] >= form["width"] - 1, field_id
        assert field["x"] + field["width"] <= 320, field_id
    button = page.get_by_role("button", name="Inloggen")
    assert button.evaluate("b => getComputedStyle(b).minHeight") == "44px"


def test_sign_up_errors_beside_the_fields_pass_axe(axe_page, demo_site):
    axe_page.goto(f"{demo_site}/accounts/signup/")
    axe_page.locator("form.account-form").evaluate("form => { form.noValidate = true; }")
    axe_page.get_by_label("E-mail").fill("geen-adres")
    axe_page.locator("#id_password1").fill("123")
    axe_page.locator("#id_password2").fill("1234")
    axe_page.locator("form.account-form button[type=submit]").click()
    email = axe_page.locator("#id_email")
    error = axe_page.locator("#id_email_error")
    assert email.get_attribute("aria-invalid") == "true"
    assert error.bounding_box()["y"] >= email.bounding_box()["y"] + email.bounding_box()["height"]
    if problems := _problems(axe_page):
        pytest.fail(problems, pytrace=False)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/accounts/profile/delete/",
        "/mijn-cursussen/",
        "/en/accounts/email/",
    ],
)
def test_a_learners_account_pages_fit_a_phone_and_pass_axe(axe_page, demo_site, path):
    learner = UserFactory()
    _log_in(axe_page, demo_site, learner.email)
    axe_page.wait_for_url(f"{demo_site}/accounts/profile/")
    response = axe_page.goto(demo_site + path)
    assert response.status == 200
    if problems := _problems(axe_page):
        pytest.fail(f"{path}:\n{problems}", pytrace=False)


def test_the_account_menu_is_a_row_of_tabs_that_fits_320_px(page, demo_site):
    learner = UserFactory()
    _log_in(page, demo_site, learner.email)
    page.wait_for_url(f"{demo_site}/accounts/profile/")
    page.goto(f"{demo_site}/accounts/password/change/")
    page.set_viewport_size({"width": 320, "height": 700})
    menu = page.get_by_role("navigation", name="Mijn account")
    tabs = menu.get_by_role("link")
    assert tabs.count() >= 5
    boxes = [tabs.nth(n).bounding_box() for n in range(tabs.count())]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= 320 for box in boxes)
    assert all(box["height"] >= 44 for box in boxes)
    assert len({box["y"] for box in boxes}) < len(boxes)  # side by side, not one per line
    assert menu.locator("ul").evaluate("ul => getComputedStyle(ul).listStyleType") == "none"
    current = menu.locator("[aria-current=page]")
    assert current.inner_text() == "Wachtwoord"
    colours = [
        tabs.nth(n).evaluate("a => getComputedStyle(a).backgroundColor")
        for n in range(tabs.count())
    ]
    assert colours.count(current.evaluate("a => getComputedStyle(a).backgroundColor")) == 1


def test_staff_set_up_the_authenticator_app_on_a_page_that_fits_a_phone(axe_page, demo_site):
    staff = UserFactory(role=Role.CONTRACT_MANAGER)
    _log_in(axe_page, demo_site, staff.email)
    axe_page.goto(f"{demo_site}/accounts/2fa/totp/activate/")
    if "/reauthenticate/" in axe_page.url:
        axe_page.get_by_label("Wachtwoord").fill(PASSWORD)
        axe_page.locator("form.account-form button[type=submit]").click()
    axe_page.wait_for_url(f"{demo_site}/accounts/2fa/totp/activate/**")
    assert axe_page.locator("img.account-img--qr").is_visible()
    if problems := _problems(axe_page):
        pytest.fail(problems, pytrace=False)


def test_staff_enter_their_code_on_a_page_that_fits_a_phone(axe_page, demo_site):
    staff = UserFactory(role=Role.CONTRACT_MANAGER)
    secret = totp_enable(staff)
    _log_in(axe_page, demo_site, staff.email)
    axe_page.wait_for_url(f"{demo_site}/accounts/2fa/authenticate/")
    if problems := _problems(axe_page):
        pytest.fail(problems, pytrace=False)
    axe_page.get_by_label("Code").fill(totp_code(secret))
    axe_page.get_by_role("button", name="Inloggen").click()
    axe_page.wait_for_url(f"{demo_site}/admin/")


def test_a_wrong_password_is_told_beside_the_form_and_passes_axe(axe_page, demo_site):
    learner = UserFactory()
    axe_page.goto(f"{demo_site}/accounts/login/")
    axe_page.get_by_label("E-mail").fill(learner.email)
    axe_page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    axe_page.get_by_role("button", name="Inloggen").click()
    expect(
        axe_page.locator("form.account-form [role=alert], form.account-form .error")
    ).not_to_have_count(0)
    if problems := _problems(axe_page):
        pytest.fail(problems, pytrace=False)


def test_the_email_page_with_an_address_waiting_for_verification_passes_axe(axe_page, demo_site):
    from allauth.account.models import EmailAddress

    learner = UserFactory()
    EmailAddress.objects.create(user=learner, email="nieuw-adres@example.org", verified=False)
    _log_in(axe_page, demo_site, learner.email)
    axe_page.wait_for_url(f"{demo_site}/accounts/profile/")
    axe_page.goto(f"{demo_site}/accounts/email/")
    expect(axe_page.locator("#new_email")).to_have_value("nieuw-adres@example.org")
    if problems := _problems(axe_page):
        pytest.fail(problems, pytrace=False)


def test_the_pages_behind_the_emails_links_pass_axe(axe_page, demo_site):
    """The link that verifies an address, and the link that sets a new password, to the end."""
    from allauth.account.forms import default_token_generator
    from allauth.account.models import EmailAddress, EmailConfirmationHMAC
    from allauth.account.utils import user_pk_to_url_str

    learner = UserFactory()
    address = EmailAddress.objects.create(
        user=learner, email="te-bevestigen@example.org", verified=False
    )
    key = EmailConfirmationHMAC(address).key
    axe_page.goto(f"{demo_site}/accounts/confirm-email/{key}/")
    expect(axe_page.get_by_text("te-bevestigen@example.org")).to_be_visible()
    if problems := _problems(axe_page):
        pytest.fail(f"confirm-email:\n{problems}", pytrace=False)

    token = default_token_generator.make_token(learner)
    uid = user_pk_to_url_str(learner)
    axe_page.goto(f"{demo_site}/accounts/password/reset/key/{uid}-{token}/")
    axe_page.wait_for_url("**/password/reset/key/*-set-password/")
    if problems := _problems(axe_page):
        pytest.fail(f"set a new password:\n{problems}", pytrace=False)
    axe_page.locator("#id_password1").fill("een-Nieuw-wachtwoord-43")
    axe_page.locator("#id_password2").fill("een-Nieuw-wachtwoord-43")
    axe_page.get_by_role("button", name="Wachtwoord wijzigen").click()
    axe_page.wait_for_url(f"{demo_site}/accounts/password/reset/key/done/")
    if problems := _problems(axe_page):
        pytest.fail(f"new password set:\n{problems}", pytrace=False)
