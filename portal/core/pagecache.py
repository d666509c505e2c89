"""A whole-page cache for anonymous visitors that any catalogue change invalidates at once.

Views opt in with ``cache_for_anonymous(response)``. Cached pages are stored under the current
*catalogue version*, a counter in the shared cache: publishing an offering, a change to a
provider, location or start moment, or a seat taken or given back bumps it
(``catalogue_changed``), so the next request renders afresh. ``PAGE_CACHE_SECONDS`` is only a
backstop for changes made outside the ORM. With several processes the default cache must be
shared (``REDIS_URL``), or each process keeps its own version.

Redis is an accelerator, never a requirement. While it is unreachable
(``portal/core/rediscache.py``) nothing is cached or served from the cache: each process would
keep a version of its own and serve pages another process has changed. Increments made
meanwhile are lost, so a process that saw an outage increments the version once Redis answers
again, and a version whose key was lost starts again from the clock: the version never goes back
to a number whose pages may still be stored.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from portal.core import rediscache

VERSION_KEY = "catalogue:version"
_OPT_IN_ATTRIBUTE = "_cache_for_anonymous"


# Per Redis circuit (by id), the outages this process has made up for (``_make_up_for_outages``).
_outages_made_up_for: dict[int, int] = {}


def _shared_cache_down() -> bool:
    return rediscache.is_down(caches["default"])


def _first_version() -> int:
    """A starting version later than every earlier one: the clock in nanoseconds.

    The key can be lost (Redis restarted, or evicted it); starting again at 1 would bring back
    the keys of pages stored under the old numbers.
    """
    return time.time_ns()


def _make_up_for_outages() -> None:
    """Increment the version once after each outage this process saw: increments made while
    Redis was down went nowhere, and pages stored before it may still be there."""
    circuit = rediscache.circuit_of(caches["default"])
    if circuit is None or _outages_made_up_for.get(id(circuit), 0) == circuit.outages:
        return
    seen = circuit.outages
    catalogue_changed()
    if not circuit.is_open():
        _outages_made_up_for[id(circuit)] = seen


def catalogue_version() -> int | None:
    """The current catalogue version, or None while the shared cache is down (cache nothing)."""
    if _shared_cache_down():
        return None
    _make_up_for_outages()
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _first_version(), timeout=None)
        version = cache.get(VERSION_KEY)
    # A failure during these calls means the answer came from this process's stand-in.
    if _shared_cache_down():
        return None
    return version


def catalogue_changed(**_kwargs: object) -> None:
    """Make every cached catalogue page stale. Safe to use as a signal receiver."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, _first_version(), timeout=None)


def cached_by_catalogue_version[T](name: str, compute: Callable[[], T]) -> T:
    """A value derived from catalogue data, kept until the catalogue changes."""
    version = catalogue_version()
    if version is None:
        return compute()
    return cache.get_or_set(f"{name}:{version}", compute, settings.PAGE_CACHE_SECONDS)


def catalogue_cache_get(name: str) -> tuple[int | None, object | None]:
    """The catalogue version and the value kept under ``name`` for it (None when there is none).

    For a value that is computed together with other work and kept afterwards
    (``catalogue_cache_set`` with the version returned here): a change to the catalogue while it
    is computed then leaves it under the old version, never under the new one."""
    version = catalogue_version()
    if version is None:
        return None, None
    return version, cache.get(f"{name}:{version}")


def catalogue_cache_set(name: str, version: int | None, value: object) -> None:
    """Keep ``value`` under ``name`` for ``version`` (from ``catalogue_cache_get``)."""
    if version is not None:
        cache.set(f"{name}:{version}", value, settings.PAGE_CACHE_SECONDS)


def catalogue_latest_get(name: str) -> tuple[int | None, object | None]:
    """``catalogue_cache_get`` in one round trip to Redis instead of two: the value is kept
    together with its version under a name without it (``catalogue_latest_set``), read together
    with the current version, and given only when the two are the same. For a value read on
    every request (the catalogue list's content)."""
    if _shared_cache_down():
        return None, None
    _make_up_for_outages()
    found = cache.get_many([VERSION_KEY, f"{name}:latest"])
    version = found.get(VERSION_KEY)
    if version is None or _shared_cache_down():
        return catalogue_version(), None  # starts the version, or None while Redis is down
    kept = found.get(f"{name}:latest")
    if isinstance(kept, tuple) and len(kept) == 2 and kept[0] == version:
        return version, kept[1]
    return version, None


def catalogue_latest_set(name: str, version: int | None, value: object) -> None:
    """Keep ``value`` under ``name`` for ``version`` (from ``catalogue_latest_get``), in place of
    the value kept for an earlier version."""
    if version is not None:
        cache.set(f"{name}:latest", (version, value), settings.PAGE_CACHE_SECONDS)


def cached_many_found[K](name: str, keys: Mapping[K, str]) -> dict[K, object]:
    """The values ``cached_many_by_catalogue_version`` keeps, those that are there, computing
    none."""
    version = catalogue_version()
    if version is None:
        return {}
    cache_keys = {item: f"{name}:{version}:{key}" for item, key in keys.items()}
    found = cache.get_many(list(cache_keys.values()))
    return {item: found[key] for item, key in cache_keys.items() if key in found}


def cached_many_by_catalogue_version[K, V](
    name: str, keys: Mapping[K, str], compute: Callable[[list[K]], Mapping[K, V]]
) -> dict[K, V]:
    """Values derived from catalogue data (such as HTML fragments), one per ``keys`` entry, read
    in one round trip and kept until the catalogue changes; ``compute`` makes the missing ones
    in one go. ``keys`` maps each item to what, besides the catalogue version, its value depends
    on. While the shared cache is down every value is computed and nothing is stored."""
    version = catalogue_version()
    if version is None:
        return dict(compute(list(keys)))
    cache_keys = {item: f"{name}:{version}:{key}" for item, key in keys.items()}
    found = cache.get_many(list(cache_keys.values()))
    values = {item: found[key] for item, key in cache_keys.items() if key in found}
    missing = [item for item in keys if item not in values]
    if missing:
        computed = compute(missing)
        cache.set_many(
            {cache_keys[item]: computed[item] for item in missing}, settings.PAGE_CACHE_SECONDS
        )
        values.update(computed)
    return values


def cache_for_anonymous(response: HttpResponse) -> HttpResponse:
    setattr(response, _OPT_IN_ATTRIBUTE, True)
    return response


def _is_anonymous_without_session(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _name(request: HttpRequest) -> str:
    """The page's name in the cache: host, method and address (the language is in the path)."""
    digest = hashlib.sha256(f"{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
    return f"page:{request.method}:{digest}"


class AnonymousPageCacheMiddleware:
    """Serves opted-in pages from the cache to visitors without a session.

    It sits after the security, locale and session middleware (all lazy: a hit costs one round
    trip to the cache, for the page and the catalogue version together, and no database query)
    so cached pages still get their headers; the language is part of the URL (``/en/…``), so the
    path is enough of a key.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not (
            settings.PAGE_CACHE_ENABLED
            and request.method in ("GET", "HEAD")
            and _is_anonymous_without_session(request)
        ):
            return self.get_response(request)
        # The page and the catalogue version in one round trip (a hit is the common case).
        name = _name(request)
        version, cached = catalogue_latest_get(name)
        if version is None:
            return self.get_response(request)
        if cached is not None:
            content, content_type = cached
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            patch_vary_headers(response, ["Cookie"])
            return response
        response = self.get_response(request)
        if (
            getattr(response, _OPT_IN_ATTRIBUTE, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
            and _is_anonymous_without_session(request)
        ):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            catalogue_latest_set(name, version, (response.content, response["Content-Type"]))
            response["X-Page-Cache"] = "miss"
        patch_vary_headers(response, ["Cookie"])
        return response
