"""Staff set up and use two-factor authentication (TOTP) before any staff page or the admin."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from portal.accounts.models import Role
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import totp_code, totp_enable
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"


def _password_login(client, user):
    return client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    "role", [Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.CONTRACT_MANAGER, Role.SITE_EDITOR]
)
def test_staff_without_an_authenticator_are_sent_to_set_one_up(client, role):
    user = UserFactory(role=role)
    _password_login(client, user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    assert client.get("/admin/snippets/providers/offering/").status_code == 302


def test_a_superuser_is_staff_too(client):
    user = UserFactory(is_superuser=True)
    _password_login(client, user)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/totp/activate/")


def test_setting_up_the_app_opens_the_admin(client):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    _password_login(client, user)
    response = client.get("/en/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/en/accounts/reauthenticate/")  # allauth's rule
    client.post("/en/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/en/accounts/2fa/totp/activate/")
    secret = page.context["form"].secret
    response = client.post("/en/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()
    assert client.get("/admin/").status_code == 200


def test_staff_with_an_authenticator_must_enter_a_code_at_login(client):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    secret = totp_enable(user)
    response = _password_login(client, user)
    assert response["Location"] == "/en/accounts/2fa/authenticate/"
    assert not client.session.get("_auth_user_id")
    response = client.post("/en/accounts/2fa/authenticate/", {"code": "000000"})
    assert not client.session.get("_auth_user_id")
    response = client.post("/en/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_works_once_instead_of_the_app(client):
    user = UserFactory(role=Role.PROVIDER_STAFF)
    totp_enable(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    _password_login(client, user)
    response = client.post("/en/accounts/2fa/authenticate/", {"code": codes[0]})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)
    client.logout()
    _password_login(client, user)
    client.post("/en/accounts/2fa/authenticate/", {"code": codes[0]})
    assert not client.session.get("_auth_user_id")


def test_a_staff_session_without_a_second_factor_must_confirm_with_the_app(client):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    totp_enable(user)
    client.force_login(user)  # e.g. a session from before the app was set up
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/reauthenticate/") or response[
        "Location"
    ].startswith("/accounts/2fa/reauthenticate/")


def test_learners_need_no_second_factor_and_get_no_admin(client):
    user = UserFactory()
    _password_login(client, user)
    assert client.get("/en/accounts/profile/").status_code == 200
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "2fa" not in response["Location"]


def test_provider_staff_without_a_provider_see_an_empty_admin(client):
    provider_staff(ProviderFactory())
    lonely = UserFactory(role=Role.PROVIDER_STAFF)
    from tests.portal.helpers import login_staff

    login_staff(client, lonely)
    response = client.get("/admin/snippets/providers/offering/")
    assert response.status_code == 200
    assert list(response.context["object_list"]) == []


def test_a_document_waits_for_the_second_factor_of_staff_and_not_for_learners(client):
    """Contract documents are downloaded at /documents/: a password alone must not open them."""
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document(title="Contract")
    document.file.save("contract.pdf", ContentFile(b"%PDF-1.4 contract"), save=False)
    document.save()
    url = document.url
    _password_login(client, UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/totp/activate/")
    client.logout()
    _password_login(client, UserFactory())
    assert client.get(url).status_code == 200
