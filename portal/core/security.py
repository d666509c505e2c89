"""Site-wide security pieces that Django's settings cannot express alone."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP


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
