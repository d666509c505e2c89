"""axe-core finds no WCAG 2.1 A/AA violations on the learner's enrolment pages either."""

from __future__ import annotations

import pytest

from portal.accounts.models import User
from portal.demo.data import DEMO_PASSWORD
from portal.enrolments import enrolling
from providers.models import StartMoment
from providers.seats import has_free_seats_q
from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import PHONE
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

LEARNER = "leerling@routewijzer.example"
PAGES = [
    pytest.param("/mijn-cursussen/", id="my-courses"),
    pytest.param("/mijn-cursussen/{held}/", id="held-with-payment-choices"),
    pytest.param("/mijn-cursussen/{held}/annuleren/", id="give-up-a-held-place"),
    pytest.param("/mijn-cursussen/{held}/betaling/", id="payment-return"),
    pytest.param("/mijn-cursussen/{duo}/", id="confirmed-duo"),
    pytest.param("/mijn-cursussen/{duo}/annuleren/", id="cancel-confirmed"),
    pytest.param("/en/mijn-cursussen/{held}/", id="english-held"),
]


@pytest.fixture
def learner_pages(demo_site, stripe_standin) -> dict[str, str]:
    seed_demo_kept(users=True)
    learner = User.objects.get(email=LEARNER)
    for_sale = StartMoment.objects.filter(
        has_free_seats_q(), offering__price_cents__gt=0, offering__for_gezinsmigranten=True
    ).order_by("starts_on", "pk")
    held = enrolling.enrolment_start(user=learner, start_moment=for_sale.first())
    duo_moment = for_sale.filter(offering__duo_loan_eligible=True).exclude(pk=held.start_moment_id)
    duo = enrolling.enrolment_start(user=learner, start_moment=duo_moment.first())
    enrolling.duo_loan_choose(enrolment=duo, declaration="DUO")
    return {"held": held.reference, "duo": duo.reference}


@pytest.mark.parametrize("path", PAGES)
def test_learner_pages_have_no_wcag_21_aa_violations(axe_page, demo_site, learner_pages, path):
    axe_page.goto(f"{demo_site}/accounts/login/")
    axe_page.get_by_label("E-mail").fill(LEARNER)
    axe_page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    axe_page.get_by_role("button", name="Inloggen").click()
    axe_page.wait_for_url(f"{demo_site}/accounts/profile/")
    url = demo_site + path.format(**learner_pages)
    response = axe_page.goto(url)
    assert response.status == 200, url
    found = {"desktop": axe_violations(axe_page)}
    axe_page.set_viewport_size(PHONE)
    found["phone 320 px"] = axe_violations(axe_page)
    report = "\n".join(
        f"[{width}]\n{axe_describe(violations)}"
        for width, violations in found.items()
        if violations
    )
    if report:
        pytest.fail(f"axe found WCAG 2.1 A/AA violations on {url}:\n{report}", pytrace=False)
