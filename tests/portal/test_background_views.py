"""The admin's list of failing background tasks (``/admin/background-tasks/``): contract managers
and superusers see it and retry or give up a task (POST with CSRF, after a confirmation);
everybody else is refused, on every URL and method."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.cache import cache
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.accounts.models import Role
from portal.core.tasks import failures_listed, tasks_run_due
from portal.core.tasks.models import TaskFailure
from tests.contracts.factories import MunicipalityFactory
from tests.portal.core import tasks_for_tests
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

LIST = "/admin/background-tasks/"


def _later(minutes: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture
def failing(django_capture_on_commit_callbacks) -> TaskFailure:
    """A task that failed all its three attempts (it succeeds once the "broken" flag goes)."""
    tasks_run_due()  # what making the test's objects enqueued
    cache.set("broken:mailer", True)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks_for_tests.failing_while_flagged.enqueue(name="mailer")
    tasks_run_due(now=_later(1.5))
    tasks_run_due(now=_later(3.5))
    failure = TaskFailure.objects.get(task_result_id=result.id)
    assert (failure.failures, failure.next_attempt_at) == (3, None)
    return failure


def _user(role: str):
    if role == "superuser":
        return UserFactory(is_superuser=True, is_staff=True)
    if role == "provider_staff":
        return provider_staff(ProviderFactory(), admin=True)
    if role == "klantmanager":
        return UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    return UserFactory(role={"contract_manager": Role.CONTRACT_MANAGER}.get(role, role))


def _client(role: str) -> Client:
    client = Client()
    if role != "anonymous":
        user = _user(role)
        if role == "learner":
            client.force_login(user)
        else:
            login_staff_in_english(client, user)
    return client


def _urls(failure: TaskFailure) -> list[str]:
    task_id = failure.task_result_id
    return [
        LIST,
        f"/admin/background-tasks/{task_id}/retry/",
        f"/admin/background-tasks/{task_id}/give-up/",
    ]


# Those without an admin login go to it; staff of other roles are sent to the admin's start page
# with "no permission" (Wagtail's answer to PermissionDenied in the admin).
REFUSED = {
    "anonymous": "/admin/login/",
    "learner": "/admin/login/",
    "provider_staff": "/admin/",
    "klantmanager": "/admin/",
    Role.SITE_EDITOR: "/admin/",
    Role.AUDITOR: "/admin/",
}


@pytest.mark.parametrize("role", REFUSED)
def test_only_contract_managers_and_superusers_may_see_or_act(role, failing):
    client = _client(role)
    for url in _urls(failing):
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (role, url)
            assert response["Location"].split("?")[0] == REFUSED[role], (role, url)
    failing.refresh_from_db()
    assert (failing.retried_at, failing.given_up_at) == (None, None)
    assert DBTaskResult.objects.get(pk=failing.task_result_id).status == TaskResultStatus.FAILED
    assert list(failures_listed()) == [failing]


@pytest.mark.parametrize("role", ["contract_manager", "superuser"])
def test_the_list_names_the_task_what_it_was_about_its_attempts_and_its_last_error(role, failing):
    response = _client(role).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    row = html[html.index(f'id="task-{failing.task_result_id}"') :].split("</tr>")[0]
    assert "A task that fails while the cache says so" in row
    assert "about mailer" in row
    assert "3 of 3" in row
    assert "Broken: mailer is still broken" in row
    assert "None planned" in row
    assert f"/admin/background-tasks/{failing.task_result_id}/retry/" in row
    assert f"/admin/background-tasks/{failing.task_result_id}/give-up/" in row


def test_the_menu_shows_the_list_to_contract_managers_only(failing):
    assert LIST in _client("contract_manager").get("/admin/").content.decode()
    assert LIST not in _client("klantmanager").get("/admin/").content.decode()


def _csrf_client(role: str) -> Client:
    client = _client(role)
    client.handler.enforce_csrf_checks = True
    return client


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]


def test_retry_now_asks_first_then_runs_the_task_and_it_leaves_the_list(
    failing, django_capture_on_commit_callbacks
):
    client = _csrf_client("contract_manager")
    url = f"/admin/background-tasks/{failing.task_result_id}/retry/"
    assert client.post(url).status_code == 403  # no CSRF token
    token = _token(client, url)
    confirm = client.get(url).content.decode()
    assert "Retry this task now?" in confirm and "about mailer" in confirm

    cache.delete("broken:mailer")  # the cause is mended
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302 and response["Location"] == LIST
    failing.refresh_from_db()
    assert failing.retried_at is not None and failing.retried_by is not None
    assert failing.resolved_at is not None
    assert DBTaskResult.objects.get(pk=failing.task_result_id).return_value == "done"
    assert 'id="task-failures-none"' in client.get(LIST).content.decode()


def test_a_retry_that_fails_again_stays_in_the_list(failing, django_capture_on_commit_callbacks):
    client = _client("superuser")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/admin/background-tasks/{failing.task_result_id}/retry/")
    failing.refresh_from_db()
    assert failing.failures == 4
    assert list(failures_listed()) == [failing]


def test_give_up_asks_first_then_stops_the_task_for_good(failing):
    client = _csrf_client("contract_manager")
    url = f"/admin/background-tasks/{failing.task_result_id}/give-up/"
    token = _token(client, url)
    assert "Give up this task?" in client.get(url).content.decode()

    response = client.post(url, {"csrfmiddlewaretoken": token})

    assert response.status_code == 302
    failing.refresh_from_db()
    assert failing.given_up_at is not None and failing.given_up_by is not None
    assert not failures_listed().exists()
    assert tasks_run_due(now=_later(24 * 60)) == 0
    # Asked again (a second tab), it says the task no longer needs anybody.
    again = client.post(url, {"csrfmiddlewaretoken": token}, follow=True)
    assert "no longer needs you" in again.content.decode()
    assert client.get(url).status_code == 404


def test_a_task_still_retrying_by_itself_is_not_listed_until_it_failed_three_times(
    django_capture_on_commit_callbacks,
):
    tasks_run_due()
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks_for_tests.failing.enqueue(name="once")
    client = _client("contract_manager")
    assert str(result.id) not in client.get(LIST).content.decode()
