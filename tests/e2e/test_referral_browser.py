"""A klantmanager refers a learner and sends the referral; the provider answers in its inbox,
accepts and records the start — in the browser, both signing in with password and TOTP code."""

from __future__ import annotations

import pytest
from django.db.models import Q
from django.utils import timezone

from portal.demo.data import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.portal.helpers import totp_code
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

KLANTMANAGER = "klantmanager@routewijzer.example"
PROVIDER_EMAIL = "intake.referral-test@routewijzer.example"
LIVE = ("draft", "sent", "accepted", "started")


@pytest.fixture
def demo_users(demo_site):
    seed_demo_kept(users=True)
    return demo_site


def _sign_in(page, base: str, email: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/accounts/login/?next=/admin/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(DEMO_TOTP_SECRET))
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/admin/")


def _learner_and_lot():
    """A Haarlem learner of the demo klantmanager without a live referral, and a lot with room
    that the learner may be referred to."""
    from contracts import capacity, referrals
    from contracts.models import Learner, Lot

    today = timezone.localdate()
    candidates = (
        Learner.objects.filter(
            municipality__cbs_code="GM0392", closed_at__isnull=True, anonymised_at__isnull=True
        )
        .exclude(referrals__state__in=LIVE)
        .filter(~Q(route="") | Q(target_group="GEZINSMIGRANT"))
        .order_by("pk")
    )
    lots = list(Lot.objects.select_related("contract__provider").order_by("pk"))
    for learner in candidates:
        for lot in lots:
            if (
                referrals.referable_refusal(learner=learner, lot=lot, on=today) is None
                and capacity.capacity_left(lot=lot, on=today) > 0
            ):
                return learner, lot
    pytest.fail("The demo has no Haarlem learner to refer")


def _provider_user(provider):
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP

    from portal.accounts.models import Role, User
    from providers.models import ProviderMembership

    user = User.objects.create_user(
        username=PROVIDER_EMAIL,
        email=PROVIDER_EMAIL,
        password=DEMO_PASSWORD,
        first_name="Ilse",
        last_name="Intake",
        role=Role.PROVIDER_STAFF,
    )
    EmailAddress.objects.create(user=user, email=PROVIDER_EMAIL, verified=True, primary=True)
    ProviderMembership.objects.create(
        user=user, provider=provider, role=ProviderMembership.Role.EDITOR
    )
    TOTP.activate(user, DEMO_TOTP_SECRET)
    return user


def test_a_klantmanager_refers_and_the_provider_accepts_and_starts(new_page, demo_users):
    from playwright.sync_api import expect

    from contracts.models import Referral

    base = demo_users
    learner, lot = _learner_and_lot()
    provider_user = _provider_user(lot.contract.provider)

    klantmanager = new_page()
    _sign_in(klantmanager, base, KLANTMANAGER)
    klantmanager.goto(f"{base}/admin/snippets/contracts/learner/inspect/{learner.pk}/")
    klantmanager.locator(f"a[href='/admin/referrals/new/?learner={learner.pk}']").click()
    klantmanager.locator(f"#refer-lot-{lot.pk}").check()
    klantmanager.locator("#id_note").fill("Prefers daytime classes.")
    klantmanager.locator("button[name=action][value=send]").click()
    expect(klantmanager.locator("[data-state]")).to_have_attribute("data-state", "sent")
    referral = Referral.objects.get(learner=learner, lot=lot, state__in=LIVE)
    assert referral.state == "sent"
    assert referral.note == "Prefers daytime classes."

    provider = new_page()
    _sign_in(provider, base, provider_user.email)
    provider.goto(f"{base}/admin/referrals/?needs_answer=on")
    row = provider.locator(f"a[href='/admin/referrals/{referral.pk}/']")
    expect(row).to_have_text(f"{learner.first_name} {learner.last_name}")
    row.click()
    expect(provider.locator("body")).not_to_contain_text(learner.client_number)
    provider.locator("#action-accept button").click()
    expect(provider.locator("[data-state]")).to_have_attribute("data-state", "accepted")
    referral.refresh_from_db()
    assert referral.state == "accepted"

    today = timezone.localdate()
    provider.locator("#id_start-started_on").fill(today.isoformat())
    provider.locator("#action-start button").click()
    expect(provider.locator("[data-state]")).to_have_attribute("data-state", "started")
    referral.refresh_from_db()
    assert (referral.state, referral.started_on) == ("started", today)
    assert referral.transitions.filter(to_state="accepted", actor=provider_user).exists()
