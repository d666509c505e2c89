"""A provider's staff member signs in with a password and an authenticator code, and keeps the
seats of a start date up to date in the admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portal.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from providers.models import StartMoment
from tests.portal.helpers import totp_code

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_users(demo_site):
    call_command("seed_demo", verbosity=0)
    return demo_site


def test_provider_staff_sign_in_with_two_factor_and_change_seats(new_page, demo_users):
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{demo_users}/accounts/login/?next=/admin/")
    page.get_by_label("E-mail").fill("aanbieder@routewijzer.example")
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{demo_users}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(DEMO_TOTP_SECRET))
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{demo_users}/admin/")

    moment = (
        StartMoment.objects.filter(offering__provider__slug="taalhuis-spaarnestad")
        .order_by("pk")
        .first()
    )
    page.goto(f"{demo_users}/admin/snippets/providers/startmoment/edit/{moment.pk}/")
    page.locator("#id_seats").fill(str(moment.seats + 3))
    page.locator("#w-editor-form button.action-save").click()
    expect(page.locator(".messages")).to_contain_text("bijgewerkt")
    assert StartMoment.objects.get(pk=moment.pk).seats == moment.seats + 3

    other = StartMoment.objects.exclude(offering__provider__slug="taalhuis-spaarnestad").first()
    response = page.goto(f"{demo_users}/admin/snippets/providers/startmoment/edit/{other.pk}/")
    assert response.status == 404
