"""A provider's administrator invites a colleague, who joins through the mailed link."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import TestCase

from portal.accounts.models import Invitation, Role, User
from providers.models import ProviderMembership
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Nieuw-wachtwoord-2026!"


@pytest.fixture
def provider():
    return ProviderFactory(name="Taalhuis Noord")


def _invite(client, provider, email="collega@example.org", role="EDITOR"):
    """Invite as the Team page does; the e-mail task runs once the request's work commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/admin/team/", {"provider": provider.pk, "email": email, "membership_role": role}
        )


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S*accounts/invitation/\S+/)", message.body).group(1)


def test_an_admin_invites_and_the_colleague_joins_with_two_factor_next(client, provider):
    login_staff(client, provider_staff(provider, admin=True))
    response = _invite(client, provider)
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["collega@example.org"]
    assert "Taalhuis Noord" in mail.outbox[-1].subject
    link = _link(mail.outbox[-1])

    client.logout()
    response = client.post(
        link,
        {
            "first_name": "Coby",
            "last_name": "Collega",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response["Location"] == "/accounts/2fa/totp/activate/"
    user = User.objects.get(email="collega@example.org")
    assert user.role == Role.PROVIDER_STAFF
    assert EmailAddress.objects.get(user=user).verified
    membership = ProviderMembership.objects.get(user=user)
    assert (membership.provider, membership.role) == (provider, "EDITOR")
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/totp/activate/")


def test_an_invitation_link_works_only_once(client, provider):
    login_staff(client, provider_staff(provider, admin=True))
    _invite(client, provider)
    link = _link(mail.outbox[-1])
    client.logout()
    data = {"first_name": "A", "last_name": "B", "password1": PASSWORD, "password2": PASSWORD}
    client.post(link, data)
    client.logout()
    response = client.get(link)
    assert response.status_code == 404
    assert User.objects.filter(email="collega@example.org").count() == 1


def test_an_expired_or_tampered_link_is_refused(client, provider, settings):
    login_staff(client, provider_staff(provider, admin=True))
    _invite(client, provider)
    link = _link(mail.outbox[-1])
    client.logout()
    assert client.get(link[:-3] + "xx/").status_code == 404
    settings.INVITATION_MAX_AGE_DAYS = -1
    assert client.get(link).status_code == 404


def test_a_bad_password_keeps_the_invitation_open(client, provider):
    login_staff(client, provider_staff(provider, admin=True))
    _invite(client, provider)
    link = _link(mail.outbox[-1])
    client.logout()
    response = client.post(
        link, {"first_name": "A", "last_name": "B", "password1": "kort", "password2": "kort"}
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="collega@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_editors_cannot_invite(client, provider):
    login_staff(client, provider_staff(provider))
    assert client.get("/admin/team/").status_code == 404
    assert _invite(client, provider).status_code == 404
    assert not Invitation.objects.exists()


def test_an_admin_cannot_invite_for_another_provider(client, provider):
    other = ProviderFactory()
    login_staff(client, provider_staff(provider, admin=True))
    response = _invite(client, other)
    assert response.status_code == 200
    assert "provider" in response.context["form"].errors
    assert not Invitation.objects.exists()


def test_an_address_with_an_account_cannot_be_invited(client, provider):
    UserFactory(email="bestaand@example.org")
    login_staff(client, provider_staff(provider, admin=True))
    response = _invite(client, provider, email="bestaand@example.org")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not mail.outbox


def test_an_admin_removes_a_colleague_but_not_themselves(client, provider):
    admin = provider_staff(provider, admin=True)
    colleague = provider_staff(provider)
    login_staff(client, admin)
    own = ProviderMembership.objects.get(user=admin)
    other = ProviderMembership.objects.get(user=colleague)
    client.post(f"/admin/team/{own.pk}/remove/")
    assert ProviderMembership.objects.filter(pk=own.pk).exists()
    client.post(f"/admin/team/{other.pk}/remove/")
    assert not ProviderMembership.objects.filter(pk=other.pk).exists()


def test_another_providers_member_cannot_be_removed(client, provider):
    stranger = provider_staff(ProviderFactory())
    login_staff(client, provider_staff(provider, admin=True))
    membership = ProviderMembership.objects.get(user=stranger)
    assert client.post(f"/admin/team/{membership.pk}/remove/").status_code == 404
    assert ProviderMembership.objects.filter(pk=membership.pk).exists()
