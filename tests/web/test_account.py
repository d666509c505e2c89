"""Learner accounts through allauth: sign-up, verification, login, reset, e-mail change, limits."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from portal.accounts.models import Role, User
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "een-Goed-wachtwoord-42"


def _link(message, path: str) -> str:
    return re.search(rf"https?://[^/\s]+({re.escape(path)}[^\s]+)", message.body).group(1)


def test_sign_up_needs_a_verified_email_before_login(client):
    response = client.post(
        "/en/accounts/signup/",
        {"email": "nieuw@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="nieuw@example.org")
    assert user.role == Role.LEARNER
    assert not client.session.get("_auth_user_id")
    assert len(mail.outbox) == 1
    confirm = _link(mail.outbox[0], "/en/accounts/confirm-email/")

    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert not client.session.get("_auth_user_id")  # still unverified: another mail, no login

    response = client.post(confirm)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_sign_up_with_a_taken_address_tells_only_the_owner(client):
    """No account enumeration: the page looks the same, the mailbox's owner is told."""
    UserFactory(email="bezet@example.org")
    response = client.post(
        "/en/accounts/signup/",
        {"email": "bezet@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response["Location"] == "/en/accounts/confirm-email/"
    assert User.objects.filter(email="bezet@example.org").count() == 1
    assert mail.outbox[-1].to == ["bezet@example.org"]


def test_sign_up_with_a_weak_password_is_refused(client):
    response = client.post(
        "/en/accounts/signup/",
        {"email": "zwak@example.org", "password1": "12345678", "password2": "12345678"},
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="zwak@example.org").exists()


def test_learners_land_on_their_account_page_after_login(client):
    user = UserFactory()
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response["Location"] == "/en/accounts/profile/"
    assert user.email in client.get("/en/accounts/profile/").content.decode()


def test_a_forgotten_password_is_reset_through_a_mailed_link(client):
    user = UserFactory()
    client.post("/en/accounts/password/reset/", {"email": user.email})
    link = _link(mail.outbox[-1], "/en/accounts/password/reset/key/")
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    new = "Nieuw-wachtwoord-2026!"
    response = client.post(form_url, {"password1": new, "password2": new})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_an_email_change_is_verified_before_it_counts(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/en/accounts/email/", {"action_add": "", "email": "ander@example.org"})
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="ander@example.org").verified is False
    confirm = _link(mail.outbox[-1], "/en/accounts/confirm-email/")
    client.post(confirm)
    user.refresh_from_db()
    assert user.email == "ander@example.org"


def test_failed_logins_are_rate_limited_per_account(client):
    user = UserFactory()
    for _ in range(5):
        response = client.post("/en/accounts/login/", {"login": user.email, "password": "fout"})
        assert response.status_code == 200
    response = client.post("/en/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert not client.session.get("_auth_user_id")
    assert "Too many failed login attempts" in response.content.decode()


def test_sign_up_is_rate_limited_per_address(client):
    for n in range(20):
        client.post(
            "/en/accounts/signup/",
            {"email": f"a{n}@example.org", "password1": PASSWORD, "password2": PASSWORD},
        )
    response = client.post(
        "/en/accounts/signup/",
        {"email": "a99@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 429
    assert not User.objects.filter(email="a99@example.org").exists()


def test_password_reset_is_rate_limited_per_address(client):
    user = UserFactory()
    for _ in range(5):
        client.post("/en/accounts/password/reset/", {"email": user.email})
    sent = len(mail.outbox)
    response = client.post("/en/accounts/password/reset/", {"email": user.email})
    assert response.status_code in (200, 429)
    assert len(mail.outbox) == sent
