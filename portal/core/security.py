"""Site-wide security pieces that Django's settings cannot express alone."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP

_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


def tile_origin(url_template: str) -> str | None:
    """The origin (scheme and host) of a map tile address template such as
    ``https://service.pdok.nl/.../{z}/{x}/{y}.png``: what the CSP's ``img-src`` must allow, and
    nothing more. ``None`` for an empty template (no tiles). Refuses what a policy cannot name
    exactly: another scheme than https (http only on loopback, for tests), or a placeholder in
    the host (``{s}.tile...``)."""
    if not url_template:
        return None
    parts = urlsplit(url_template)
    host = parts.hostname or ""
    if (
        not host
        or "{" in parts.netloc
        or parts.username
        or parts.password
        or not (
            parts.scheme == "https"
            or (parts.scheme == "http" and parts.netloc.split(":")[0] in _LOOPBACK_HOSTS)
        )
    ):
        raise ImproperlyConfigured(
            "MAP_TILE_URL must be an https:// address with a fixed host"
            f" (or http:// on loopback), not {url_template!r}"
        )
    return f"{parts.scheme}://{parts.netloc}"


def admin_csp() -> dict:
    """The public site allows no inline script; Wagtail's admin still renders a few widget
    initialisers inline (choosers, date pickers), so only its pages may run them."""
    return {**settings.SECURE_CSP, "script-src": [CSP.SELF, CSP.UNSAFE_INLINE]}


class AdminContentSecurityPolicyMiddleware:
    """Must sit after Django's ``ContentSecurityPolicyMiddleware`` in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.config = admin_csp()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith("/admin/"):
            response._csp_config = self.config
        return response
