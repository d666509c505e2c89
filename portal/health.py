"""What the portal needs to serve, checked for a readiness probe.

``/healthz`` only says the process answers (liveness). ``/readyz`` asks each part the portal
uses: the database always, Redis when it is configured. The site keeps serving without Redis
(``portal/core/rediscache.py``), slower, so a Redis outage makes the portal *not ready* for a deploy
or a monitor, while ``/healthz`` stays up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import caches
from django.db import DatabaseError, connection

from portal.core.rediscache import RedisCache

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"


@dataclass(frozen=True)
class Readiness:
    checks: dict[str, str]

    @property
    def ready(self) -> bool:
        return all(state != UNAVAILABLE for state in self.checks.values())

    def as_json(self) -> dict[str, object]:
        return {"status": "ready" if self.ready else UNAVAILABLE, "checks": self.checks}


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return UNAVAILABLE
    return OK


def _redis() -> str:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return NOT_CONFIGURED
    return OK if backend.ping() else UNAVAILABLE


def readiness() -> Readiness:
    """The state of each part, by name: ``ok``, ``unavailable`` or ``not configured``."""
    return Readiness(checks={"database": _database(), "redis": _redis()})
