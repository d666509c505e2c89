"""One typed helper for every environment variable the settings read."""

from __future__ import annotations

import os
from typing import overload

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@overload
def env(name: str, default: bool) -> bool: ...
@overload
def env(name: str, default: int) -> int: ...
@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: list[str]) -> list[str]: ...
@overload
def env(name: str, default: None = None) -> str | None: ...


def env(name, default=None):
    """Read ``name`` from the environment, parsed to the type of ``default``."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def redis_url_for_test_worker(url: str) -> str:
    """``url`` with its database number moved up by the pytest-xdist worker's index.

    Tests empty the cache around each test, and emptying a Redis cache empties its whole
    database: two workers sharing one would wipe each other's pages mid-test. Worker ``gw0``
    keeps ``url``'s database, ``gw1`` the next one (Redis has 16, 0 to 15). Outside xdist, and for
    processes a test starts (they inherit the variable), the mapping is the same.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw") or not worker[2:].isdigit():
        return url
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    database = (base + int(worker[2:])) % 16
    return urlunsplit(parts._replace(path=f"/{database}"))
