"""The admin's "Online payments" page: a provider's administrators connect its Stripe account
(Stripe Connect onboarding against the stand-in); contract managers look on."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from portal import permissions
from portal.accounts.models import Role
from portal.payments.models import ConnectedAccount
from portal.payments.permissions import payment_account_providers
from portal.permissions import Action
from tests.enrolments.factories import connected_account
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english as login_staff
from tests.providers.factories import ProviderFactory
from tests.stripe_standin.pytest_plugin import deliver

pytestmark = pytest.mark.django_db

OVERVIEW = "/admin/payments/"


def setup_url(provider) -> str:
    return f"/admin/payments/{provider.pk}/setup/"


def return_url(provider) -> str:
    return f"/admin/payments/{provider.pk}/return/"


def refresh_url(provider) -> str:
    return f"/admin/payments/{provider.pk}/refresh/"


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def provider():
    return ProviderFactory(name="Eigen School", email="info@eigen.example.org")


@pytest.fixture
def other_provider():
    return ProviderFactory(name="Andere School")


@pytest.fixture
def admin_client(client, provider):
    return login_staff(client, provider_staff(provider, admin=True))


def _account_links(standin) -> list:
    return [r for r in standin.requests if r.method == "POST" and r.path == "/v1/account_links"]


def _accounts_created(standin) -> list:
    return [r for r in standin.requests if r.method == "POST" and r.path == "/v1/accounts"]


def _link_id(location: str) -> str:
    return location.rstrip("/").rsplit("/", 1)[-1]


# Onboarding ------------------------------------------------------------------------------------


def test_the_page_offers_a_provider_admin_to_set_up_online_payments(
    stripe_standin, admin_client, provider
):
    response = admin_client.get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Eigen School" in html
    assert "Not set up" in html
    assert "Set up online payments with Stripe" in html
    assert "Test mode: Stripe test accounts, no real money" in html


def test_setting_up_creates_the_account_and_sends_the_admin_to_stripe(
    stripe_standin, admin_client, provider
):
    response = admin_client.post(setup_url(provider))
    assert response.status_code == 303
    location = response["Location"]
    assert location.startswith(f"{stripe_standin.base_url}/connect/onboarding/")
    account = ConnectedAccount.objects.get(provider=provider)
    remote = stripe_standin.account(account.stripe_account_id)
    assert remote["metadata"]["provider"] == str(provider.pk)
    assert remote["email"] == "info@eigen.example.org"
    assert not account.is_ready
    link = stripe_standin.state.account_link(_link_id(location))
    assert link["_account"] == account.stripe_account_id
    assert link["_return_url"] == f"http://testserver{return_url(provider)}"
    assert link["_refresh_url"] == f"http://testserver{refresh_url(provider)}"


def test_coming_back_before_onboarding_is_complete_says_stripe_needs_details(
    stripe_standin, admin_client, provider
):
    admin_client.post(setup_url(provider))
    response = admin_client.get(return_url(provider))
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    assert any("Stripe still needs some details" in m for m in messages_of(response))
    account = ConnectedAccount.objects.get(provider=provider)
    assert not account.is_ready
    html = admin_client.get(OVERVIEW).content.decode()
    assert "Onboarding not finished" in html
    assert "Continue setup" in html


def test_the_account_updated_webhook_makes_the_account_ready(
    stripe_standin, admin_client, provider
):
    admin_client.post(setup_url(provider))
    account = ConnectedAccount.objects.get(provider=provider)
    events = stripe_standin.complete_onboarding(account.stripe_account_id)
    assert [event.type for event in events] == ["account.updated"]
    for event in events:
        assert deliver(admin_client, event).status_code == 200
    account.refresh_from_db()
    assert account.is_ready and account.payouts_enabled
    html = admin_client.get(OVERVIEW).content.decode()
    assert "Ready: learners can pay online" in html
    assert "Continue setup" not in html and "Set up online payments" not in html


def test_coming_back_after_onboarding_reads_the_account_from_stripe(
    stripe_standin, admin_client, provider
):
    admin_client.post(setup_url(provider))
    account = ConnectedAccount.objects.get(provider=provider)
    stripe_standin.complete_onboarding(account.stripe_account_id)  # no webhook delivered
    response = admin_client.get(return_url(provider))
    assert response["Location"] == OVERVIEW
    assert any("Your Stripe account is ready" in m for m in messages_of(response))
    account.refresh_from_db()
    assert account.is_ready


def test_continuing_the_setup_reuses_the_same_stripe_account(
    stripe_standin, admin_client, provider
):
    first = admin_client.post(setup_url(provider))
    second = admin_client.post(setup_url(provider))
    assert first.status_code == second.status_code == 303
    assert first["Location"] != second["Location"]  # a fresh link each time
    assert len(_accounts_created(stripe_standin)) == 1
    assert len(_account_links(stripe_standin)) == 2
    assert ConnectedAccount.objects.filter(provider=provider).count() == 1


def test_an_expired_link_brings_the_admin_back_to_a_fresh_one(
    stripe_standin, admin_client, provider
):
    admin_client.post(setup_url(provider))
    response = admin_client.get(refresh_url(provider))
    assert response.status_code == 303
    assert response["Location"].startswith(f"{stripe_standin.base_url}/connect/onboarding/")
    assert len(_accounts_created(stripe_standin)) == 1
    assert len(_account_links(stripe_standin)) == 2


def test_the_refresh_address_never_creates_an_account(stripe_standin, admin_client, provider):
    response = admin_client.get(refresh_url(provider))
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    assert not ConnectedAccount.objects.exists()
    assert _accounts_created(stripe_standin) == []


def test_stripe_unreachable_shows_an_error_and_changes_nothing(
    stripe_standin, admin_client, provider, settings
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    response = admin_client.post(setup_url(provider))
    assert response.status_code == 302
    assert response["Location"] == OVERVIEW
    assert any("Stripe could not be reached" in m for m in messages_of(response))
    assert not ConnectedAccount.objects.exists()


def test_stripe_unreachable_on_return_shows_an_error(
    stripe_standin, admin_client, provider, settings
):
    admin_client.post(setup_url(provider))
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    response = admin_client.get(return_url(provider))
    assert response["Location"] == OVERVIEW
    assert any("Stripe could not be reached" in m for m in messages_of(response))
    assert not ConnectedAccount.objects.get(provider=provider).is_ready


def test_without_stripe_the_page_says_online_payment_is_not_configured(
    admin_client, provider, settings
):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_API_BASE = ""
    html = admin_client.get(OVERVIEW).content.decode()
    assert "Online payment is not configured on this portal" in html
    assert "Set up online payments" not in html
    assert "Test mode" not in html
    response = admin_client.post(setup_url(provider))
    assert response["Location"] == OVERVIEW
    assert any("not configured" in m for m in messages_of(response))
    assert not ConnectedAccount.objects.exists()


def test_live_keys_show_no_test_mode_notice(admin_client, settings):
    settings.STRIPE_SECRET_KEY = "sk_live_example"
    settings.STRIPE_API_BASE = ""
    html = admin_client.get(OVERVIEW).content.decode()
    assert "Test mode" not in html
    assert "Set up online payments with Stripe" in html


# Who may do it ---------------------------------------------------------------------------------


def test_the_menu_item_is_for_provider_admins_and_contract_managers(client, provider):
    for user, shown in (
        (provider_staff(provider, admin=True), True),
        (UserFactory(role=Role.CONTRACT_MANAGER), True),
        (provider_staff(provider), False),
        (UserFactory(role=Role.SITE_EDITOR), False),
    ):
        login_staff(client, user)
        html = client.get("/admin/").content.decode()
        assert (OVERVIEW in html) is shown, user


def test_editors_are_turned_away(stripe_standin, client, provider):
    login_staff(client, provider_staff(provider))
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")
    assert client.post(setup_url(provider)).status_code == 404
    assert client.get(return_url(provider)).status_code == 404
    assert client.get(refresh_url(provider)).status_code == 404
    assert not ConnectedAccount.objects.exists()
    assert stripe_standin.requests == []


def test_a_provider_admin_cannot_act_for_another_provider(
    stripe_standin, admin_client, other_provider
):
    connected_account(other_provider, ready=False, account_id="acct_other")
    assert "Andere School" not in admin_client.get(OVERVIEW).content.decode()
    assert admin_client.post(setup_url(other_provider)).status_code == 404
    assert admin_client.get(return_url(other_provider)).status_code == 404
    assert admin_client.get(refresh_url(other_provider)).status_code == 404
    assert stripe_standin.requests == []


def test_contract_managers_see_every_provider_read_only(
    stripe_standin, client, provider, other_provider
):
    connected_account(other_provider, ready=True, account_id="acct_ready")
    login_staff(client, UserFactory(role=Role.CONTRACT_MANAGER))
    html = client.get(OVERVIEW).content.decode()
    assert "Eigen School" in html and "Andere School" in html
    assert "Not set up" in html and "Ready: learners can pay online" in html
    assert "acct_ready" in html
    assert "Set up online payments" not in html and "Continue setup" not in html
    assert "/setup/" not in html
    assert client.post(setup_url(provider)).status_code == 404
    assert not ConnectedAccount.objects.filter(provider=provider).exists()


def test_superusers_may_set_up_any_provider(stripe_standin, client, provider, other_provider):
    login_staff(client, UserFactory(is_superuser=True))
    html = client.get(OVERVIEW).content.decode()
    assert html.count("Set up online payments with Stripe") == 2
    assert client.post(setup_url(other_provider)).status_code == 303


@pytest.mark.parametrize("action", [Action.VIEW, Action.CHANGE])
def test_the_page_agrees_with_the_permission_rules(provider, other_provider, action):
    """``payment_account_providers`` answers for accounts not yet made: for existing ones it
    must list exactly the providers whose account ``portal.permissions.scope`` allows."""
    connected_account(provider, account_id="acct_a")
    connected_account(other_provider, account_id="acct_b")
    users = [
        provider_staff(provider, admin=True),
        provider_staff(provider),
        UserFactory(role=Role.CONTRACT_MANAGER),
        UserFactory(is_superuser=True),
        UserFactory(role=Role.SITE_EDITOR),
        UserFactory(role=Role.CASE_MANAGER),
        UserFactory(),
    ]
    for user in users:
        by_page = set(payment_account_providers(user, action).values_list("pk", flat=True))
        by_rules = set(
            permissions.scope(user, action, ConnectedAccount.objects.all()).values_list(
                "provider_id", flat=True
            )
        )
        assert by_page == by_rules, (user.role, user.is_superuser)
