"""A learner finds a course, enrols, pays on the Stripe stand-in's test Checkout page, and sees the
place confirmed once the signed webhook has reached the portal; then cancels and is refunded."""

from __future__ import annotations

import re

import pytest

from portal.demo.data import DEMO_PASSWORD
from portal.enrolments.models import Enrolment
from providers.models import StartMoment
from providers.seats import has_free_seats_q

pytestmark = pytest.mark.browser

LEARNER = "leerling@routewijzer.example"


def _course_for_sale() -> StartMoment:
    return (
        StartMoment.objects.filter(
            has_free_seats_q(),
            offering__live=True,
            offering__price_cents__gt=0,
            offering__for_gezinsmigranten=True,
            offering__provider__connected_account__charges_enabled=True,
        )
        .select_related("offering")
        .order_by("starts_on", "pk")
        .first()
    )


def _sign_in(page, base: str, next_path: str) -> None:
    page.goto(f"{base}/en/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(LEARNER)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_learner_enrols_pays_and_sees_the_place_confirmed(page, paying_site, stripe_standin):
    from playwright.sync_api import expect

    moment = _course_for_sale()
    catalogue_path = f"/en/aanbod/cursus/{moment.offering_id}/"
    _sign_in(page, paying_site, catalogue_path)
    expect(page.get_by_role("heading", level=1)).to_have_text(moment.offering.title)

    row = page.get_by_role("row").filter(has_text=moment.starts_on.strftime("%-d %B %Y"))
    row.get_by_role("button", name="Enrol").click()
    enrolment = Enrolment.objects.get(user__email=LEARNER, start_moment=moment)
    expect(page).to_have_url(f"{paying_site}/en/mijn-cursussen/{enrolment.reference}/")
    expect(page.get_by_text("Test payments")).to_be_visible()
    taken_before = StartMoment.objects.get(pk=moment.pk).seats_taken

    page.get_by_role("button", name="Pay online").click()
    expect(page).to_have_url(re.compile(re.escape(f"{stripe_standin.base_url}/checkout/cs_test_")))
    expect(page.get_by_text("TEST PAYMENT")).to_be_visible()
    page.get_by_role("button", name="Pay with iDEAL | Wero").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your place is confirmed")
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.CONFIRMED
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == taken_before

    page.goto(f"{paying_site}/en/mijn-cursussen/")
    expect(page.get_by_role("main")).to_contain_text(enrolment.offering_title)
    expect(page.get_by_role("main")).to_contain_text("Confirmed")

    page.goto(f"{paying_site}/en/mijn-cursussen/{enrolment.reference}/annuleren/")
    expect(page.get_by_role("main")).to_contain_text("full refund")
    page.get_by_role("button", name="Cancel").click()
    enrolment.refresh_from_db()
    assert enrolment.state == Enrolment.State.REFUNDED
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == taken_before - 1
    assert [refund["amount"] for refund in stripe_standin.refunds] == [enrolment.price_cents]
