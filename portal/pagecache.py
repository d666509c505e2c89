"""A whole-page cache for anonymous visitors that any catalogue change invalidates at once.

Views opt in with ``cache_for_anonymous(response)``. Cached pages are stored under the current
*catalogue version*, a counter in the shared cache: publishing an offering, a change to a
provider, location or start moment, or a seat taken or given back bumps it
(``catalogue_changed``), so the next request renders afresh. ``PAGE_CACHE_SECONDS`` is only a
backstop for changes made outside the ORM. With several processes the default cache must be
shared (``REDIS_URL``), or each process keeps its own version.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

VERSION_KEY = "catalogue:version"
_OPT_IN_ATTRIBUTE = "_cache_for_anonymous"


def catalogue_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def catalogue_changed(**_kwargs: object) -> None:
    """Make every cached catalogue page stale. Safe to use as a signal receiver."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 2, timeout=None)


def cached_by_catalogue_version[T](name: str, compute: Callable[[], T]) -> T:
    """A value derived from catalogue data, kept until the catalogue changes."""
    return cache.get_or_set(f"{name}:{catalogue_version()}", compute, settings.PAGE_CACHE_SECONDS)


def cache_for_anonymous(response: HttpResponse) -> HttpResponse:
    setattr(response, _OPT_IN_ATTRIBUTE, True)
    return response


def _is_anonymous_without_session(request: HttpRequest) -> bool:
    return settings.SESSION_COOKIE_NAME not in request.COOKIES


def _key(request: HttpRequest, version: int) -> str:
    digest = hashlib.sha256(f"{request.get_host()}{request.get_full_path()}".encode()).hexdigest()
    return f"page:{version}:{request.method}:{digest}"


class AnonymousPageCacheMiddleware:
    """Serves opted-in pages from the cache to visitors without a session.

    It sits after the security, locale and session middleware (all lazy: a hit costs two cache reads
    and no database query) so cached pages still get their headers; the language is part of the URL
    (``/en/…``), so the path is enough of a key.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cacheable = (
            settings.PAGE_CACHE_ENABLED
            and request.method in ("GET", "HEAD")
            and _is_anonymous_without_session(request)
        )
        if not cacheable:
            return self.get_response(request)
        key = _key(request, catalogue_version())
        cached = cache.get(key)
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
            cache.set(
                key,
                (response.content, response["Content-Type"]),
                settings.PAGE_CACHE_SECONDS,
            )
            response["X-Page-Cache"] = "miss"
        patch_vary_headers(response, ["Cookie"])
        return response
