"""Redis as an accelerator: the shared cache keeps the site up while Redis is unreachable.

django-redis raises on every call when Redis is gone, so every page answered 500. Its
``IGNORE_EXCEPTIONS`` turns each failure into a miss, which is not enough here:

- each call still tries to connect (a Redis host that does not answer costs a timeout per call),
  and each failure logs a traceback when logging is on, or nothing at all when it is off;
- allauth's rate limits take a lock with ``cache.add``: an ignored failure is a lock never taken,
  so every log-in waits a second and answers 429; DRF's throttle would count nothing;
- the page cache would read a missing catalogue version, start it again and lose the increments
  made meanwhile (``portal/core/pagecache.py`` has its own guard for that).

So this backend is django-redis with a circuit breaker. After a connection failure no call goes to
Redis for ``RETRY_SECONDS``: every call is answered by a memory cache of this process, the
*stand-in*, so rate limits and throttles keep counting (per process) and computed figures are
kept. The first call after the interval tries Redis again, and its first act is to delete from
Redis every key this process wrote or deleted meanwhile (Redis still holds the value from before,
which a later read must not get back); then the stand-in is emptied, so nothing kept during an
outage outlives it. While Redis stays down each process logs one warning per
``WARNING_SECONDS``, and one line when it is back.

What must be the same for every process does not use the stand-in: the page cache asks
``is_down`` first, and sessions live in the database (``portal/settings.py``).
"""

from __future__ import annotations

import inspect
import logging
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import redis.exceptions
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache as DjangoRedisCache

logger = logging.getLogger(__name__)

# The errors that mean "Redis cannot be reached"; anything else (a wrong command, a full Redis)
# is a fault to see, not an outage to ride out.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, socket.timeout)

DEFAULT_RETRY_SECONDS = 5
DEFAULT_WARNING_SECONDS = 60
# A Redis host that does not answer must cost a request half a second once per retry interval,
# not the operating system's connect timeout (minutes) on every call.
DEFAULT_SOCKET_CONNECT_TIMEOUT = 0.5
DEFAULT_SOCKET_TIMEOUT = 1.0
STAND_IN_MAX_ENTRIES = 10_000


def _redacted(server: str | list[str]) -> str:
    """The Redis address for a log line, without a password."""
    urls = server if isinstance(server, list) else server.split(",")
    shown = []
    for url in urls:
        parts = urlsplit(url.strip())
        place = f"{parts.hostname}:{parts.port or 6379}" if parts.hostname else ""
        shown.append(f"{parts.scheme}://{place}{parts.path}")
    return ",".join(shown)


@dataclass
class Circuit:
    """Whether calls go to Redis, shared by every thread of this process for one address."""

    address: str
    retry_seconds: float
    warning_seconds: float
    open_until: float = 0.0
    down_since: float | None = None
    # How many outages this process has seen: one more at each first failure after an answer.
    outages: int = 0
    next_warning: float = 0.0
    # (key, version) written or deleted in the stand-in during the outage: stale in Redis.
    changed: set[tuple[str, int | None]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def in_outage(self) -> bool:
        """Down, or not yet heard from since it was (the next call is a retry)."""
        return self.down_since is not None

    def remember_changed(self, keys: Iterable[str], version: int | None) -> None:
        with self.lock:
            self.changed.update((key, version) for key in keys)

    def take_changed(self) -> set[tuple[str, int | None]]:
        with self.lock:
            changed, self.changed = self.changed, set()
        return changed

    def give_back_changed(self, changed: set[tuple[str, int | None]]) -> None:
        with self.lock:
            self.changed |= changed

    def failed(self, error: BaseException) -> bool:
        """Record a failure; True when it starts an outage."""
        now = time.monotonic()
        with self.lock:
            self.open_until = now + self.retry_seconds
            started = self.down_since is None
            if started:
                self.down_since = now
                self.outages += 1
            warn = now >= self.next_warning
            if warn:
                self.next_warning = now + self.warning_seconds
        if warn:
            logger.warning(
                "Redis at %s is unreachable (%s): serving without the shared cache, "
                "trying again every %s s",
                self.address,
                error,
                self.retry_seconds,
            )
        return started

    def succeeded(self) -> bool:
        """Record an answer from Redis; True when it ends an outage."""
        if self.down_since is None:
            return False
        with self.lock:
            if self.down_since is None:
                return False
            lasted = time.monotonic() - self.down_since
            self.down_since = None
        logger.info("Redis at %s answers again after %.0f s", self.address, lasted)
        return True


_circuits: dict[str, Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(server: str, *, retry_seconds: float, warning_seconds: float) -> Circuit:
    with _circuits_lock:
        if server not in _circuits:
            _circuits[server] = Circuit(
                address=_redacted(server),
                retry_seconds=retry_seconds,
                warning_seconds=warning_seconds,
            )
        return _circuits[server]


# The methods that change keys, and the argument naming the keys (``_keys_changed``).
_CHANGING = {
    "set": "key",
    "add": "key",
    "touch": "key",
    "delete": "key",
    "incr": "key",
    "decr": "key",
    "incr_version": "key",
    "set_many": "data",
    "delete_many": "keys",
}


_SIGNATURES = {name: inspect.signature(getattr(BaseCache, name)) for name in _CHANGING}


def _keys_changed(name: str, args: tuple, kwargs: dict) -> tuple[list[str], int | None]:
    """The keys (and version) a call of the cache method ``name`` writes or deletes."""
    if name not in _CHANGING:
        return [], None
    signature = _SIGNATURES[name]
    known = {key: value for key, value in kwargs.items() if key in signature.parameters}
    bound = signature.bind_partial(None, *args, **known).arguments
    named = bound[_CHANGING[name]]
    keys = [named] if isinstance(named, str) else list(named)
    return keys, bound.get("version")


def _through_circuit(name: str) -> Callable[..., Any]:
    """The cache method ``name``: Redis's answer, or the stand-in's while Redis is down."""
    redis_method = getattr(DjangoRedisCache, name)

    def method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        if self._may_call_redis():
            try:
                return redis_method(self, *args, **kwargs)
            except UNREACHABLE as error:
                self._failed(error)
        kwargs.pop("client", None)  # django-redis's own argument
        self.circuit.remember_changed(*_keys_changed(name, args, kwargs))
        return getattr(self.stand_in, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = getattr(BaseCache, name).__doc__
    return method


class RedisCache(DjangoRedisCache):
    """django-redis that answers from a per-process stand-in while Redis is unreachable.

    ``OPTIONS`` take, besides django-redis's own, ``RETRY_SECONDS`` (how long after a failure
    Redis is left alone) and ``WARNING_SECONDS`` (at most one warning per this many seconds).
    """

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {
            "SOCKET_CONNECT_TIMEOUT": DEFAULT_SOCKET_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": DEFAULT_SOCKET_TIMEOUT,
            **params.get("OPTIONS", {}),
        }
        retry_seconds = options.pop("RETRY_SECONDS", DEFAULT_RETRY_SECONDS)
        warning_seconds = options.pop("WARNING_SECONDS", DEFAULT_WARNING_SECONDS)
        super().__init__(server, {**params, "OPTIONS": options})
        # Failures must reach the circuit, never be swallowed into a plain miss.
        self._ignore_exceptions = False
        self.circuit = _circuit_for(
            server, retry_seconds=retry_seconds, warning_seconds=warning_seconds
        )
        self.stand_in = LocMemCache(
            f"redis-stand-in:{server}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": STAND_IN_MAX_ENTRIES},
            },
        )

    def is_down(self) -> bool:
        """True while calls are answered by this process's stand-in instead of Redis."""
        return self.circuit.is_open()

    def ping(self) -> bool:
        """Whether Redis answers now (through the circuit: no call while it is open)."""
        if not self._may_call_redis():
            return False
        try:
            self.client.get_client(write=True).ping()
        except UNREACHABLE as error:
            self._failed(error)
            return False
        return True

    def _may_call_redis(self) -> bool:
        """Whether this call goes to Redis. The first after an outage first undoes there what
        changed meanwhile; if Redis does not answer that either, the circuit stays open."""
        if self.circuit.is_open():
            return False
        if not self.circuit.in_outage():
            return True
        changed = self.circuit.take_changed()
        by_version: dict[int | None, list[str]] = defaultdict(list)
        for key, version in changed:
            by_version[version].append(key)
        try:
            self.client.get_client(write=True).ping()
            for version, keys in by_version.items():
                DjangoRedisCache.delete_many(self, keys, version=version)
        except UNREACHABLE as error:
            self.circuit.give_back_changed(changed)
            self._failed(error)
            return False
        if self.circuit.succeeded():
            self.stand_in.clear()
        return True

    def _failed(self, error: BaseException) -> None:
        if self.circuit.failed(error):
            self.stand_in.clear()

    get = _through_circuit("get")
    set = _through_circuit("set")
    add = _through_circuit("add")
    touch = _through_circuit("touch")
    delete = _through_circuit("delete")
    get_many = _through_circuit("get_many")
    set_many = _through_circuit("set_many")
    delete_many = _through_circuit("delete_many")
    has_key = _through_circuit("has_key")
    incr = _through_circuit("incr")
    decr = _through_circuit("decr")
    incr_version = _through_circuit("incr_version")
    clear = _through_circuit("clear")


def is_down(backend: BaseCache) -> bool:
    """True while ``backend`` is a Redis cache that cannot be reached (so not shared)."""
    return isinstance(backend, RedisCache) and backend.is_down()


def circuit_of(backend: BaseCache) -> Circuit | None:
    """The circuit of ``backend`` when it is a Redis cache (its outages, whether it is open)."""
    return backend.circuit if isinstance(backend, RedisCache) else None
