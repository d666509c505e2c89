"""A person downloads their own data and deletes their account."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress

from portal.accounts.models import User
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff, totp_enable
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"


def test_the_data_download_holds_the_account_and_no_secrets(client):
    user = UserFactory(first_name="Lina", email="lina@example.org", username="lina")
    secret = totp_enable(user)
    client.force_login(user)
    response = client.get("/en/accounts/profile/data/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "lina@example.org"
    assert data["account"]["first_name"] == "Lina"
    assert data["email_addresses"] == [
        {"email": "lina@example.org", "verified": True, "primary": True}
    ]
    assert [a["type"] for a in data["two_factor_authentication"]] == ["totp"]
    body = response.content.decode()
    assert secret not in body
    assert user.password not in body


def test_provider_staff_see_their_memberships_in_their_data(client):
    user = provider_staff(ProviderFactory(name="Taalhuis Test"))
    login_staff(client, user)  # staff's account pages wait for the second factor
    data = json.loads(client.get("/en/accounts/profile/data/").content)
    assert data["provider_memberships"] == [{"provider": "Taalhuis Test", "role": "EDITOR"}]


def test_the_data_download_needs_a_login(client):
    response = client.get("/en/accounts/profile/data/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_deleting_the_account_needs_the_password_and_then_removes_everything(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/en/accounts/profile/delete/", {"password": "fout"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert User.objects.filter(pk=user.pk).exists()

    response = client.post("/en/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(email=user.email).exists()
    assert not client.session.get("_auth_user_id")


def test_a_superuser_cannot_delete_itself_from_the_account_page(client):
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    client.post("/en/accounts/profile/delete/", {"password": PASSWORD})
    assert User.objects.filter(pk=user.pk).exists()
