"""What the portal needs to serve, checked for a readiness probe (django-health-check).

``/healthz`` only says the process answers (liveness; ``portal/views.py``). ``/readyz`` runs
django-health-check's checks side by side, each within ``CHECK_SECONDS``:

- ``database``: ``SELECT 1`` on a connection of its own;
- ``cache``: a value written to the default cache and read back;
- ``redis``: the Redis behind the default cache answers a ping (``not configured`` without
  ``REDIS_URL``). The cache keeps working without Redis (``portal/core/rediscache.py``), slower
  and per process, so a Redis outage leaves ``cache`` ok but makes the portal *not ready* for a
  deploy or a monitor, while ``/healthz`` stays up;
- ``tasks``: the task queue's store can be read (``TaskQueue``).

It answers 200 when nothing is unavailable, else 503; JSON by default
(``{"status": "ready", "checks": {"database": "ok", ...}}``), plain text for ``Accept:
text/plain`` or ``?format=text``. Only these names and states, never an address, an error
message or a version: the probe is reachable by whatever can reach the instance.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import functools

import redis.asyncio
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from health_check.base import HealthCheck, HealthCheckResult
from health_check.checks import Cache, Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable, ServiceWarning
from health_check.views import HealthCheckView, MediaType

from portal.core.rediscache import RedisCache

READY = "ready"
OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"
# Each check's budget: a probe must answer well within the load balancer's own timeout.
CHECK_SECONDS = 2
# A Redis that does not answer costs half a second, not the system's connect timeout.
REDIS_CONNECT_SECONDS = 0.5
REDIS_SOCKET_SECONDS = 1.0


class NotConfigured(ServiceWarning):
    """The part is not set up in this deployment: reported, but not a reason to be unready."""

    message_type = "Not configured"


@dataclasses.dataclass
class NotConfiguredCheck(HealthCheck):
    """Stands for a part this deployment does without (Redis without ``REDIS_URL``)."""

    def run(self) -> None:
        raise NotConfigured("not set up here")


@dataclasses.dataclass
class TaskQueue(HealthCheck):
    """The task queue's store answers (``portal.core.tasks.queue_status``).

    A backlog, or no worker, does not make an instance unready: every instance shares the queue,
    so a load balancer would take them all out at once, and the web pages work without it. The
    backlog is in ``/metrics`` (``routewijzer_task_queue_*``) for alerts instead.
    """

    def run(self) -> None:
        from portal.core.tasks import queue_status

        try:
            if connection.vendor == "sqlite":
                # A probe counts; it need not wait for a writer's transaction. (This matters
                # only where connections share SQLite's cache: the tests' in-memory database.)
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA read_uncommitted = 1")
            queue_status()
        except DatabaseError as exc:
            raise ServiceUnavailable("the task queue cannot be read") from exc
        finally:
            connection.close()  # this check runs in a thread of its own


def _redis_check(alias: str = "default") -> HealthCheck:
    """django-health-check's Redis ping for the Redis behind cache ``alias``, if it is one."""
    if not isinstance(caches[alias], RedisCache):
        return NotConfiguredCheck()
    location = settings.CACHES[alias]["LOCATION"]
    # django-redis takes several addresses (the first is the primary) as a list or a string.
    url = (location.split(",") if isinstance(location, str) else location)[0].strip()
    # A new client for each probe (the check closes it), with short timeouts.
    factory = functools.partial(
        redis.asyncio.Redis.from_url,
        url,
        socket_connect_timeout=REDIS_CONNECT_SECONDS,
        socket_timeout=REDIS_SOCKET_SECONDS,
    )
    return Redis(client_factory=factory)


def readiness_checks() -> dict[str, HealthCheck]:
    """The checks of ``/readyz`` by the name it reports them under."""
    checks = {
        "database": Database(alias="default"),
        "cache": Cache(alias="default"),
        "redis": _redis_check(),
        "tasks": TaskQueue(),
    }
    for check in checks.values():
        check.timeout = datetime.timedelta(seconds=CHECK_SECONDS)
    return checks


def state_of(result: HealthCheckResult) -> str:
    """``ok``, ``not configured`` or ``unavailable`` (any other failure, warnings included)."""
    if result.error is None:
        return OK
    if isinstance(result.error, NotConfigured):
        return NOT_CONFIGURED
    return UNAVAILABLE


def _wants_text(request: HttpRequest) -> bool:
    if request.GET.get("format") == "text":
        return True
    try:
        for media in MediaType.parse_header(request.headers.get("Accept", "*/*")):
            if media.mime_type in ("text/plain", "application/json"):
                return media.mime_type == "text/plain"
    except ValueError:  # an Accept header we cannot read: the default answer
        pass
    return False


class ReadinessView(HealthCheckView):
    """``/readyz``: django-health-check's view running our checks, answering 200 or 503."""

    async def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        checks = readiness_checks()
        with self.get_executor() as executor:
            results = await asyncio.gather(
                *(check.get_result(executor) for check in checks.values())
            )
        states = {name: state_of(result) for name, result in zip(checks, results, strict=True)}
        ready = UNAVAILABLE not in states.values()
        status = 200 if ready else 503
        overall = READY if ready else UNAVAILABLE
        if _wants_text(request):
            lines = [overall, *(f"{name}: {state}" for name, state in states.items())]
            response: HttpResponse = HttpResponse(
                "\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=status
            )
        else:
            response = JsonResponse({"status": overall, "checks": states}, status=status)
        # Django logs every 5xx as an error (and Sentry would report it): a probe asked every
        # few seconds during an outage is not an error of the portal; its answer is the signal.
        response._has_been_logged = True
        return response
