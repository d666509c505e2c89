"""Prometheus metrics: request latency by view, answers by status class, the task queue.

Labels are names from the URL configuration (``view``) and status classes (``2xx``), never raw
paths, methods or anything else a client chooses, so the number of series stays bounded.

Under gunicorn each worker is a process of its own. With ``PROMETHEUS_MULTIPROC_DIR`` set (the
gunicorn config, ``deploy/gunicorn.conf.py``, sets it before the workers start) every process
writes its figures to files there and ``/metrics`` adds up all of them, whichever worker answers;
the config's ``child_exit`` hook clears a finished worker's live gauges. Without it (``runserver``,
tests) the figures are this process's.

``/metrics`` is never public: it answers a request with ``Authorization: Bearer
<METRICS_TOKEN>``; without ``METRICS_TOKEN`` only a request from a loopback address that did
not come through a proxy (no ``Forwarded``/``X-Forwarded-For``/``X-Real-IP`` header). Anyone else
gets a bare 403 (not a 404: Wagtail's redirect lookup would query the database for every refused
scrape).

The task queue's figures are read when Prometheus scrapes: the queue registers a function that
counts them (``task_queue_source_register``), since they live in the queue's store, not in any
one web process.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# The view label of a page the anonymous page cache answered (no view ran), and of an address
# that matched no URL (a 404 from the resolver, a redirect made before the view).
VIEW_PAGE_CACHE = "page_cache"
VIEW_NONE = "none"
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")

REQUEST_SECONDS = Histogram(
    "routewijzer_http_request_duration_seconds",
    "Time from the request entering Django to its answer leaving it, by view.",
    ["view"],
    # The trivial views take a millisecond, the dashboard computed afresh a few seconds, the
    # streamed export of all placements tens of seconds.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
RESPONSES = Counter(
    "routewijzer_http_responses",
    "Answers by view and status class (2xx, 3xx, 4xx, 5xx).",
    ["view", "status"],
)
IN_PROGRESS = Gauge(
    "routewijzer_http_requests_in_progress",
    "Requests being answered now, over all live workers.",
    multiprocess_mode="livesum",
)


def view_label(request: HttpRequest, response: HttpResponse) -> str:
    """The name of the URL pattern that answered (bounded), never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if response.headers.get("X-Page-Cache") == "hit":
        return VIEW_PAGE_CACHE
    return VIEW_NONE


class MetricsMiddleware:
    """Times each request and counts its answer. Second in ``MIDDLEWARE``, after the request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with IN_PROGRESS.track_inprogress():
            response = self.get_response(request)
        view = view_label(request, response)
        REQUEST_SECONDS.labels(view=view).observe(time.perf_counter() - started)
        RESPONSES.labels(view=view, status=f"{response.status_code // 100}xx").inc()
        return response


# --- The task queue's figures, fed by the queue (a later part of the portal) -----------------


@dataclass(frozen=True)
class TaskQueueFigures:
    """What the task queue holds now, by queue name."""

    # Tasks waiting to run (ready or scheduled), not yet picked up by a worker.
    waiting: Mapping[str, int] = field(default_factory=dict)
    # Tasks that failed for good (retries used up) and wait for a person to retry or drop them.
    failed: Mapping[str, int] = field(default_factory=dict)


TaskQueueSource = Callable[[], TaskQueueFigures]
_task_queue_source: TaskQueueSource | None = None


def task_queue_source_register(source: TaskQueueSource | None) -> None:
    """Let ``/metrics`` ask ``source`` for the task queue's figures at each scrape (None: stop).

    The queue calls this once, from its ``AppConfig.ready``. ``source`` should be cheap (a
    count or two in the queue's store): it runs inside the scrape request.
    """
    global _task_queue_source  # one hook for the whole process
    _task_queue_source = source


class TaskQueueCollector(Collector):
    """Asks the registered source at each scrape; ``up 0`` when it fails, nothing without one."""

    def collect(self) -> Iterator[Metric]:
        source = _task_queue_source
        if source is None:
            return
        up = GaugeMetricFamily(
            "routewijzer_task_queue_up", "1 when the task queue's figures could be read."
        )
        try:
            figures = source()
        except Exception:
            logger.exception("The task queue's figures could not be read for /metrics")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        waiting = GaugeMetricFamily(
            "routewijzer_task_queue_depth", "Tasks waiting to run, by queue.", labels=["queue"]
        )
        for queue, count in sorted(figures.waiting.items()):
            waiting.add_metric([queue], count)
        yield waiting
        failed = GaugeMetricFamily(
            "routewijzer_task_queue_failed",
            "Tasks that failed for good and wait for a person, by queue.",
            labels=["queue"],
        )
        for queue, count in sorted(figures.failed.items()):
            failed.add_metric([queue], count)
        yield failed


_TASK_QUEUE_COLLECTOR = TaskQueueCollector()
REGISTRY.register(_TASK_QUEUE_COLLECTOR)


def multiprocess_dir() -> str | None:
    """The directory the processes share their figures in, when set."""
    return os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None


def _registry() -> CollectorRegistry:
    """What a scrape reads: every worker's files when they share a directory, else this process
    (with the client's own process and platform figures)."""
    if not multiprocess_dir():
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(_TASK_QUEUE_COLLECTOR)
    return registry


# --- Who may read /metrics --------------------------------------------------------------------


def _bearer_token(request: HttpRequest) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _is_direct_loopback(request: HttpRequest) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return address.is_loopback and not any(name in request.headers for name in _PROXY_HEADERS)


def scrape_allowed(request: HttpRequest) -> bool:
    """The bearer token when ``METRICS_TOKEN`` is set; else loopback, not through a proxy."""
    expected = settings.METRICS_TOKEN
    if expected:
        given = _bearer_token(request)
        return given is not None and hmac.compare_digest(given.encode(), expected.encode())
    return _is_direct_loopback(request)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus's text format, for the allowed scraper only (a bare 403 to anyone else: no
    page, no template, nothing that says more)."""
    if not scrape_allowed(request):
        return HttpResponseForbidden(b"Forbidden", content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
