"""/readyz runs django-health-check's checks (portal/health.py) and answers 200 or 503, JSON or
plain text, quickly, naming only the parts and their state; /healthz stays the plain "ok".

Redis outages with the real Redis are in tests/portal/core/test_redis_down.py.
"""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from django.db import connections
from health_check.exceptions import ServiceUnavailable

from portal import health
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db

READY_WITHOUT_REDIS = {
    "status": "ready",
    "checks": {
        "database": "ok",
        "cache": "ok",
        "redis": "not configured",
        "tasks": "ok",
    },
}


@pytest.fixture(autouse=True)
def _cache_in_process(settings):
    """Without REDIS_URL's Redis, whether or not the run has one (CI's PostgreSQL pass does)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ready_without_redis_names_each_part_in_json(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == READY_WITHOUT_REDIS


def test_ready_answers_plain_text_when_asked(client):
    expected = "ready\ndatabase: ok\ncache: ok\nredis: not configured\ntasks: ok\n"
    for response in (
        client.get("/readyz", headers={"Accept": "text/plain"}),
        client.get("/readyz?format=text"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        assert response.content.decode() == expected


@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/json", "nonsense;;q=x"])
def test_any_other_accept_header_gets_json(client, accept):
    response = client.get("/readyz", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.json() == READY_WITHOUT_REDIS


def test_the_answer_is_never_cached_and_sets_no_cookie(client):
    response = client.get("/readyz", headers={"Accept-Language": "ar"})
    assert response["Cache-Control"].startswith("max-age=0")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_a_signed_in_probe_neither_touches_the_session_nor_sets_a_cookie(client):
    client.force_login(UserFactory())
    session_before = client.session.session_key
    response = client.get("/readyz")
    assert response.status_code == 200
    assert not response.cookies
    assert client.session.session_key == session_before


def test_the_database_down_is_503_without_saying_why(client, monkeypatch):
    # The check opens a connection of its own, in its own thread: point that one nowhere.
    database = connections.settings["default"]
    if database["ENGINE"].endswith("sqlite3"):
        monkeypatch.setitem(database, "NAME", f"/nonexistent-{uuid.uuid4().hex}/db.sqlite3")
    else:
        monkeypatch.setitem(database, "HOST", "127.0.0.1")
        monkeypatch.setitem(database, "PORT", str(_free_port()))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "unavailable"
    assert "nonexistent" not in response.content.decode()


def test_a_failing_check_says_unavailable_and_nothing_of_its_message(client, monkeypatch):
    class Broken(health.NotConfiguredCheck):
        def run(self) -> None:
            raise ServiceUnavailable("password=hunter2 at 10.1.2.3:5432 (psycopg 3.3)")

    real = health.readiness_checks
    monkeypatch.setattr(health, "readiness_checks", lambda: {**real(), "database": Broken()})
    for response in (client.get("/readyz"), client.get("/readyz?format=text")):
        assert response.status_code == 503
        body = response.content.decode()
        assert "unavailable" in body
        for secret in ("hunter2", "10.1.2.3", "5432", "psycopg"):
            assert secret not in body


def test_a_redis_that_accepts_but_never_answers_is_unavailable_within_seconds(client, settings):
    # A listening socket nobody reads from: connecting works, the PING never gets an answer.
    silent = socket.create_server(("127.0.0.1", 0))
    try:
        port = silent.getsockname()[1]
        settings.CACHES = {
            "default": {
                "BACKEND": "portal.core.rediscache.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "KEY_PREFIX": f"test-readiness-{uuid.uuid4().hex}",
                "OPTIONS": {"RETRY_SECONDS": 0.1},
            }
        }
        started = time.monotonic()
        response = client.get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unavailable"
    assert elapsed < health.CHECK_SECONDS + 2  # each check is cut off after its budget + 1 s


def test_the_task_queue_is_ready_when_its_store_answers(client):
    assert isinstance(health.readiness_checks()["tasks"], health.TaskQueue)
    assert client.get("/readyz").json()["checks"]["tasks"] == "ok"


def test_a_task_queue_that_cannot_be_read_makes_the_instance_unready(client, monkeypatch):
    from django.db import DatabaseError

    from portal.core import tasks

    def unreadable(**_kwargs):
        raise DatabaseError("relation django_tasks_db_dbtaskresult does not exist")

    monkeypatch.setattr(tasks, "queue_status", unreadable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"] == "unavailable"
    assert "django_tasks_db" not in response.content.decode()


def test_an_unready_probe_is_not_logged_as_an_error(client, monkeypatch, caplog):
    class Broken(health.NotConfiguredCheck):
        def run(self) -> None:
            raise ServiceUnavailable("down")

    real = health.readiness_checks
    monkeypatch.setattr(health, "readiness_checks", lambda: {**real(), "redis": Broken()})
    assert client.get("/readyz").status_code == 503
    assert not [record for record in caplog.records if record.name == "django.request"]


def test_liveness_stays_the_plain_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response.content == b"ok"
