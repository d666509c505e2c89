"""One door in: every login goes through allauth (its rate limits, e-mail verification and
two-factor authentication), and a staff member's own account pages wait for the second factor
just as the admin does."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.test import Client
from django.urls import resolve
from wagtail.models import PageViewRestriction

from portal.accounts.models import Role, User
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff, totp_code, totp_enable

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"
NEW_PASSWORD = "Nieuw-wachtwoord-2026!"

# Wagtail's own login pages: the admin's and the one for private pages (in both languages).
WAGTAIL_LOGINS = ["/admin/login/", "/_util/login/", "/en/_util/login/"]

# A person's own pages that show, change or export the account.
ACCOUNT_PAGES = [
    "/en/accounts/profile/",
    "/accounts/profile/",
    "/en/accounts/profile/data/",
    "/en/accounts/profile/delete/",
    "/en/accounts/email/",
    "/en/accounts/password/change/",
    "/en/accounts/2fa/",
]
# Shown only after allauth's own reauthentication of the last five minutes, on top.
RECOVERY_CODE_PAGES = [
    "/en/accounts/2fa/recovery-codes/",
    "/en/accounts/2fa/recovery-codes/download/",
]


def _logged_in(client) -> bool:
    return bool(client.session.get("_auth_user_id"))


def _sent_to(response) -> tuple[str, dict[str, list[str]]]:
    """The URL name and query of a redirect's target."""
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    return resolve(target.path).url_name, parse_qs(target.query)


def _credentials(user, password: str = PASSWORD) -> dict[str, str]:
    """Both forms' field names: Wagtail's (``username``) and allauth's (``login``)."""
    return {"username": user.email, "login": user.email, "password": password}


def _password_only_session(client, user) -> None:
    """A staff session that proved the password and no second factor (as Wagtail's login made)."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": 0}]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()


def _staff_with_app() -> tuple[User, str]:
    """A contract manager with an authenticator app and recovery codes; returns the app's secret."""
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    secret = totp_enable(user)
    RecoveryCodes.activate(user)
    return user, secret


# Wagtail's login pages


@pytest.mark.parametrize("door", WAGTAIL_LOGINS)
def test_wagtails_login_pages_send_a_visitor_to_allauths_login_keeping_next(client, door):
    response = client.get(f"{door}?next=/admin/pages/")
    assert _sent_to(response) == ("account_login", {"next": ["/admin/pages/"]})


@pytest.mark.parametrize("door", WAGTAIL_LOGINS)
def test_wagtails_login_pages_check_no_password(client, door):
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    response = client.post(door, {**_credentials(user), "next": "/admin/"})
    assert _sent_to(response) == ("account_login", {"next": ["/admin/"]})
    assert not _logged_in(client)


def test_wagtails_login_page_drops_a_next_to_another_site(client):
    response = client.get("/admin/login/?next=https://elders.example/")
    assert _sent_to(response) == ("account_login", {})


def test_a_private_page_sends_to_allauths_login(client, site_pages):
    PageViewRestriction.objects.create(page=site_pages["catalogue"], restriction_type="login")
    response = client.get("/en/aanbod/", follow=True)
    target = urlsplit(response.redirect_chain[-1][0])
    assert resolve(target.path).url_name == "account_login"
    assert parse_qs(target.query) == {"next": ["/en/aanbod/"]}
    assert response.status_code == 200


def test_a_signed_in_learner_sent_to_a_login_page_lands_on_their_account_page(client):
    """Not round between the admin and allauth's login, which sends the signed-in on to next."""
    learner = UserFactory()
    client.post("/en/accounts/login/", _credentials(learner))
    for start in ("/admin/", "/admin/login/?next=/admin/", "/en/_util/login/?next=/en/"):
        response = client.get(start, follow=True)
        assert response.status_code == 200
        assert resolve(response.redirect_chain[-1][0]).url_name == "account_overview", start


def test_a_learner_with_an_unverified_address_logs_in_nowhere(client):
    user = UserFactory()
    EmailAddress.objects.filter(user=user).update(verified=False)
    for door in [*WAGTAIL_LOGINS, "/en/accounts/login/"]:
        client.post(door, _credentials(user))
        assert not _logged_in(client), door


def test_after_allauths_limit_of_failed_logins_the_right_password_opens_no_door(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post("/en/accounts/login/", _credentials(user, "fout"))
        assert response.status_code == 200
    for door in WAGTAIL_LOGINS:
        client.post(door, _credentials(user))
        assert not _logged_in(client), door
    response = client.post("/en/accounts/login/", _credentials(user))
    assert not _logged_in(client)
    assert "Too many failed login attempts" in response.content.decode()


def test_the_api_takes_no_password(client):
    """DRF's Basic authentication would tell a right password from a wrong one, unlimited."""
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    answers = []
    for password in ("fout", PASSWORD):
        token = base64.b64encode(f"{user.email}:{password}".encode()).decode()
        response = client.get("/api/v1/offerings/", HTTP_AUTHORIZATION=f"Basic {token}")
        answers.append(response.status_code)
        assert not response.wsgi_request.user.is_authenticated
    assert answers == [200, 200]


# A staff member's account pages


@pytest.mark.parametrize("path", [*ACCOUNT_PAGES, *RECOVERY_CODE_PAGES])
def test_staff_with_only_a_password_confirm_with_the_app_before_their_account_pages(client, path):
    user, _secret = _staff_with_app()
    _password_only_session(client, user)
    name, query = _sent_to(client.get(path))
    assert name == "mfa_reauthenticate"
    assert query["next"] == [path]


def test_staff_with_only_a_password_change_and_delete_nothing(client):
    user, _secret = _staff_with_app()
    codes = Authenticator.objects.get(user=user, type="recovery_codes").data
    _password_only_session(client, user)
    posts = {
        "/en/accounts/profile/delete/": {"password": PASSWORD},
        "/en/accounts/email/": {"action_add": "", "email": "ander@example.org"},
        "/en/accounts/password/change/": {
            "oldpassword": PASSWORD,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        "/en/accounts/2fa/totp/deactivate/": {},
        "/en/accounts/2fa/recovery-codes/generate/": {},
        "/admin/account/": {"name_email-first_name": "Ander", "name_email-last_name": "Naam"},
    }
    for path, data in posts.items():
        assert _sent_to(client.post(path, data))[0] == "mfa_reauthenticate", path
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert user.first_name == "Test"
    assert not EmailAddress.objects.filter(email="ander@example.org").exists()
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert Authenticator.objects.get(user=user, type="recovery_codes").data == codes
    assert _logged_in(client)


def test_staff_without_an_app_set_one_up_before_their_account_pages(client):
    user = UserFactory(role=Role.PROVIDER_STAFF)
    client.post("/en/accounts/login/", _credentials(user))
    assert _logged_in(client)
    name, query = _sent_to(client.get("/en/accounts/profile/data/"))
    assert name == "mfa_activate_totp"
    assert query["next"] == ["/en/accounts/profile/data/"]
    assert _sent_to(client.post("/en/accounts/profile/delete/", {"password": PASSWORD}))
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_use_their_account_pages_once_they_confirmed_with_the_app(client):
    user, secret = _staff_with_app()
    _password_only_session(client, user)
    name, query = _sent_to(client.get("/en/accounts/profile/data/"))
    assert name == "mfa_reauthenticate"
    response = client.post(
        f"/en/accounts/2fa/reauthenticate/?next={query['next'][0]}", {"code": totp_code(secret)}
    )
    assert response["Location"] == "/en/accounts/profile/data/"
    response = client.get("/en/accounts/profile/data/")
    assert response["Content-Disposition"].startswith("attachment;")
    for path in [*ACCOUNT_PAGES, *RECOVERY_CODE_PAGES, "/admin/account/"]:
        assert client.get(path).status_code == 200, path
    response = client.post(
        "/en/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    response = client.post("/en/accounts/profile/delete/", {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()


def test_only_staff_wait_for_the_second_factor_learners_use_their_pages_as_before(client):
    staff, _secret = _staff_with_app()
    staff_client = Client()
    _password_only_session(staff_client, staff)
    assert _sent_to(staff_client.get("/en/accounts/profile/"))[0] == "mfa_reauthenticate"

    learner = UserFactory()
    client.post("/en/accounts/login/", _credentials(learner))
    for path in ACCOUNT_PAGES:
        assert client.get(path).status_code == 200, path
    client.post("/en/accounts/email/", {"action_add": "", "email": "ander@example.org"})
    assert EmailAddress.objects.filter(user=learner, email="ander@example.org").exists()
    response = client.post("/en/accounts/profile/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()


# The admin's own account page and logout


def test_the_admins_account_page_changes_no_email_address_or_password(client):
    """Those change through allauth (verification, rate limits); the page links there."""
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    login_staff(client, user)
    page = client.get("/admin/account/")
    assert 'name="name_email-email"' not in page.content.decode()
    assert 'name="password-old_password"' not in page.content.decode()
    assert 'href="/accounts/profile/"' in page.content.decode()
    client.post(
        "/admin/account/",
        {
            "name_email-first_name": "Test",
            "name_email-last_name": "Persoon",
            "name_email-email": "ander@example.org",
            "password-old_password": PASSWORD,
            "password-new_password1": NEW_PASSWORD,
            "password-new_password2": NEW_PASSWORD,
        },
    )
    user.refresh_from_db()
    assert user.email != "ander@example.org"
    assert user.check_password(PASSWORD)


def test_staff_sign_out_of_the_admin_without_a_second_factor(client):
    user, _secret = _staff_with_app()
    _password_only_session(client, user)
    response = client.post("/admin/logout/", follow=True)
    assert resolve(urlsplit(response.redirect_chain[-1][0]).path).url_name == "account_login"
    assert not _logged_in(client)


def test_private_pages_and_documents_offer_no_shared_password():
    """A password without an account would be a door without rate limit or second factor."""
    from wagtail.admin.forms.collections import CollectionViewRestrictionForm
    from wagtail.admin.forms.pages import PageViewRestrictionForm
    from wagtail.models import BaseViewRestriction

    for form in (PageViewRestrictionForm(), CollectionViewRestrictionForm()):
        offered = [value for value, _label in form.fields["restriction_type"].choices]
        assert BaseViewRestriction.PASSWORD not in offered
        assert "password" not in form.fields
