"""The admin's start page as a whole: no broken picture (no Gravatar), "Search all pages" only
for people who work on pages, the previous sign-in kept for "since your last visit", and the
failing background tasks for whoever looks after them (``portal.admin_home``)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.accounts.models import Role
from portal.accounts.visits import SESSION_KEY
from portal.core.tasks import tasks_run_due
from tests.contracts.factories import MunicipalityFactory
from tests.portal.core import tasks_for_tests
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

HOME = "/admin/"


def _client(user) -> Client:
    return login_staff_in_english(Client(), user)


def _users() -> dict:
    return {
        "provider staff": provider_staff(ProviderFactory()),
        "klantmanager": UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory()),
        "contract manager": UserFactory(role=Role.CONTRACT_MANAGER),
    }


def test_nobodys_picture_is_asked_of_gravatar():
    for user in _users().values():
        html = _client(user).get(HOME).content.decode()
        assert "gravatar.com" not in html
        assert "wagtailadmin/images/default-user-avatar" in html


def test_search_all_pages_is_only_for_people_who_work_on_pages():
    for role, user in _users().items():
        html = _client(user).get(HOME).content.decode()
        assert 'role="search"' not in html, role
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert 'role="search"' in _client(superuser).get(HOME).content.decode()


def test_signing_in_keeps_the_sign_in_before_it_in_the_session():
    user = UserFactory(role=Role.CONTRACT_MANAGER)
    first = _client(user)
    assert first.session[SESSION_KEY] == ""  # never signed in before
    user.refresh_from_db()
    signed_in = user.last_login
    assert signed_in is not None  # Django still writes the new sign-in
    second = _client(user)
    assert second.session[SESSION_KEY] == signed_in.isoformat()
    user.refresh_from_db()
    assert user.last_login > signed_in


def _fail_a_task(name: str) -> None:
    cache.set(f"broken:{name}", True)
    tasks_for_tests.failing_while_flagged.enqueue(name=name)
    tasks_run_due()
    for minutes in (1.5, 3.5):
        tasks_run_due(now=timezone.now() + datetime.timedelta(minutes=minutes))


def test_a_contract_manager_sees_the_failing_tasks_with_a_link_to_them(
    django_capture_on_commit_callbacks,
):
    tasks_run_due()  # what making the test's objects enqueued
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    client = _client(manager)
    assert "No background task keeps failing." in client.get(HOME).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _fail_a_task("mailer")
    client.get(HOME)
    with CaptureQueriesContext(connection) as one:
        html = client.get(HOME).content.decode()
    assert "1 task keeps failing" in html
    assert 'href="/admin/background-tasks/"' in html
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            _fail_a_task(f"mailer-{number}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(HOME).content.decode()
    assert "6 tasks keep failing" in html
    assert len(many) == len(one)
    klantmanager = _users()["klantmanager"]
    assert "keeps failing" not in _client(klantmanager).get(HOME).content.decode()
