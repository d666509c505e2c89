"""The API speaks the client's language.

The site's pages take their language from the address (``/en/…``; Dutch without a prefix), so
Django's ``LocaleMiddleware`` gives every address without a prefix Dutch. The API's addresses have
no language, so there the client says it the HTTP way, with ``Accept-Language``; an error such as
"we do not know this place" then comes back in that language (Dutch when it asks for none we
have).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

API_PREFIX = "/api/"


class ApiLanguageMiddleware:
    """After ``LocaleMiddleware``: on ``/api/`` addresses, the language of ``Accept-Language``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            response.headers["Content-Language"] = request.LANGUAGE_CODE
            vary = response.headers.get("Vary", "")
            if "accept-language" not in vary.lower():
                response.headers["Vary"] = f"{vary}, Accept-Language" if vary else "Accept-Language"
        return response
