"""Every absolute link in an e-mail starts with ``settings.SITE_URL``, and `make run` sets it to
the address it serves on, so the links work whatever HOST and PORT it runs with."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core import mail

from portal.enrolments import emails
from tests.enrolments.factories import held_enrolment
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db
SITE_URL = "https://routewijzer.example.nl:8443"
PASSWORD = "een-Goed-wachtwoord-42"
ROOT = Path(__file__).resolve().parents[2]


def _links(message) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


@pytest.fixture
def site_url(settings) -> str:
    settings.SITE_URL = SITE_URL
    return SITE_URL


def test_an_enrolment_e_mail_links_to_the_site_url(site_url):
    enrolment = held_enrolment()
    emails.enrolment_confirmed(enrolment)
    [message] = mail.outbox
    assert f"{site_url}/mijn-cursussen/{enrolment.reference}/" in _links(message)


def test_the_sign_up_verification_e_mail_links_to_the_site_url(client, site_url):
    client.post(
        "/en/accounts/signup/",
        {"email": "nieuw@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    [message] = mail.outbox
    links = _links(message)
    assert any(link.startswith(f"{site_url}/en/accounts/confirm-email/") for link in links)
    assert all(link.startswith(site_url) for link in links), links
    assert "testserver" not in message.body


def test_the_password_reset_e_mail_links_to_the_site_url(client, site_url):
    user = UserFactory()
    client.post("/en/accounts/password/reset/", {"email": user.email})
    [message] = mail.outbox
    links = _links(message)
    assert any(link.startswith(f"{site_url}/en/accounts/password/reset/key/") for link in links)
    assert all(link.startswith(site_url) for link in links), links
    assert "testserver" not in message.body


def test_a_sign_up_with_a_taken_address_links_to_the_site_url(client, site_url):
    UserFactory(email="bezet@example.org")
    client.post(
        "/en/accounts/signup/",
        {"email": "bezet@example.org", "password1": PASSWORD, "password2": PASSWORD},
    )
    links = _links(mail.outbox[-1])
    assert f"{site_url}/en/accounts/password/reset/" in links
    assert all(link.startswith(site_url) for link in links), links


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_with_e_mail_links_to_its_own_host_and_port():
    dry_run = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1", "PORT=8123"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout
    # One shell exports SITE_URL, then starts the worker (whose e-mails link to it too) and the
    # server, with or without the Stripe stand-in.
    assert dry_run.count("manage.py runserver 127.0.0.1:8123") == 1
    exported = dry_run.index("export DEBUG=true SITE_URL=http://127.0.0.1:8123;")
    assert exported < dry_run.index("manage.py worker") < dry_run.index("manage.py runserver")
