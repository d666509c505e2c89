"""/metrics (portal/core/metrics.py): who may read it, what it counts, and the task queue's hook.

Adding up several gunicorn workers is tested with a real gunicorn in
tests/portal/ops/test_gunicorn.py.
"""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from portal.core import metrics
from portal.core.metrics import TaskQueueFigures

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.ops.urls")]

TOKEN = "a-long-random-metrics-token"


@pytest.fixture(autouse=True)
def _no_task_queue_source():
    """Each test starts without a source; the portal's own comes back afterwards."""
    registered = metrics._task_queue_source
    metrics.task_queue_source_register(None)
    yield
    metrics.task_queue_source_register(registered)


def _count(view: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "routewijzer_http_responses_total", {"view": view, "status": status}
    )
    return value or 0.0


def _observations(view: str) -> float:
    value = REGISTRY.get_sample_value(
        "routewijzer_http_request_duration_seconds_count", {"view": view}
    )
    return value or 0.0


def test_loopback_without_a_token_may_read_the_metrics(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "routewijzer_http_responses_total" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize(
    ("remote_addr", "headers"),
    [
        ("203.0.113.7", {}),
        ("10.0.0.5", {}),
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.7"}),
        ("127.0.0.1", {"X-Real-IP": "203.0.113.7"}),
        ("not an address", {}),
    ],
)
def test_without_a_token_anyone_else_gets_a_403(client, settings, remote_addr, headers):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", headers=headers, REMOTE_ADDR=remote_addr)
    assert response.status_code == 403
    assert b"routewijzer_" not in response.content


def test_ipv6_loopback_without_a_token_may_read_the_metrics(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong-token", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x", TOKEN],
)
def test_with_a_token_only_the_token_opens_it_even_on_loopback(client, settings, authorization):
    settings.METRICS_TOKEN = TOKEN
    headers = {"Authorization": authorization} if authorization is not None else {}
    assert client.get("/metrics", headers=headers).status_code == 403


def test_with_a_token_the_right_bearer_reads_it_from_anywhere(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.get(
        "/metrics",
        headers={"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "203.0.113.7"},
        REMOTE_ADDR="198.51.100.1",
    )
    assert response.status_code == 200


def test_requests_are_counted_by_view_name_and_status_class(client):
    ok_before, log_before = _count("healthz", "2xx"), _observations("ops-test-log")
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    client.get("/ops-test/log/")
    assert _count("healthz", "2xx") == ok_before + 3
    assert _observations("ops-test-log") == log_before + 1


def test_an_error_in_a_view_counts_as_5xx(client):
    client.raise_request_exception = False
    before = _count("ops-test-fail", "5xx")
    assert client.get("/ops-test/fail/").status_code == 500
    assert _count("ops-test-fail", "5xx") == before + 1


def test_the_labels_are_bounded_names_never_paths_or_methods(client, site_pages):
    client.get("/en/aanbod/zzz-unknown-course-8c1f/")
    client.get("/no-such-page-4b2e/")
    client.generic("BREW", "/healthz")
    text = client.get("/metrics").content.decode()
    assert "8c1f" not in text
    assert "4b2e" not in text
    assert "BREW" not in text
    # Wagtail's pages (and any address under them) are one name.
    assert _count("wagtail_serve", "4xx") >= 2


def test_a_page_from_the_page_cache_is_counted_as_such(client, site_pages):
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"
    before = _count(metrics.VIEW_PAGE_CACHE, "2xx")
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"
    assert _count(metrics.VIEW_PAGE_CACHE, "2xx") == before + 1


def test_without_a_task_queue_source_there_are_no_task_queue_figures(client):
    assert "routewijzer_task_queue" not in client.get("/metrics").content.decode()


def test_a_registered_task_queue_source_is_asked_at_each_scrape(client):
    calls = []

    def stub() -> TaskQueueFigures:
        calls.append(1)
        return TaskQueueFigures(waiting={"default": 3, "emails": 1}, failed={"default": 2})

    metrics.task_queue_source_register(stub)
    text = client.get("/metrics").content.decode()
    assert "routewijzer_task_queue_up 1.0" in text
    assert 'routewijzer_task_queue_depth{queue="default"} 3.0' in text
    assert 'routewijzer_task_queue_depth{queue="emails"} 1.0' in text
    assert 'routewijzer_task_queue_failed{queue="default"} 2.0' in text
    client.get("/metrics")
    assert len(calls) == 2


def test_the_portal_reports_its_own_queue(client):
    """The portal's source (``portal.apps``) counts the rows of the task queue: a task enqueued
    in a transaction that has not committed yet waits (the tests run it on commit)."""
    from portal.apps import task_queue_figures
    from portal.background import holds_expire_job

    metrics.task_queue_source_register(task_queue_figures)
    holds_expire_job.enqueue()
    text = client.get("/metrics").content.decode()
    assert 'routewijzer_task_queue_depth{queue="default"} 1.0' in text
    assert 'routewijzer_task_queue_failed{queue="default"} 0.0' in text


def test_a_failing_task_queue_source_says_so_and_the_rest_is_served(client, caplog):
    def broken() -> TaskQueueFigures:
        raise RuntimeError("the queue's table is locked")

    metrics.task_queue_source_register(broken)
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.content.decode()
    assert "routewijzer_task_queue_up 0.0" in text
    assert "routewijzer_task_queue_depth" not in text
    assert "routewijzer_http_responses_total" in text
    assert any("task queue" in record.getMessage() for record in caplog.records)
