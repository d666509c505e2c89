"""The API speaks the client's language.

The site's pages take their language from the address (``/en/…``; Dutch without a prefix), so
Django's ``LocaleMiddleware`` gives every address without a prefix Dutch. The API's addresses have
no language, so there the client says it the HTTP way, with ``Accept-Language``; an error such as
"we do not know this place" then comes back in that language (Dutch when it asks for none we
have).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/"


def path_in_language(url: str, language: str | None = None) -> str:
    """A site-relative address in ``language`` (default: the active one): its language prefix
    (``/ar/…``; none for Dutch) put in place of the one it has.

    Wagtail gives a page's address in the page's own locale (``/aanbod/`` for a Dutch page shown
    as the fallback of an untranslated one) and the site's addresses are the same in every
    language but for the prefix (slugs are not translated), so this is string work, cheaper than
    resolving the address again (``translate_url``) for every link of a page. Anything that is
    not a site-relative path (``https://…``, ``//host``, ``#part``) is given back as it is.
    """
    if not url.startswith("/") or url.startswith("//"):
        return url
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    rest = url
    for code, _name in settings.LANGUAGES:
        prefix = f"/{code}"
        if code != settings.LANGUAGE_CODE and (
            url == prefix or url.startswith((f"{prefix}/", f"{prefix}?", f"{prefix}#"))
        ):
            rest = url[len(prefix) :]
            rest = rest if rest.startswith("/") else f"/{rest}"
            break
    if language == settings.LANGUAGE_CODE:
        return rest
    return f"/{language}{rest}"


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


# Addresses outside the language-prefixed site: the admin, the API, files, webhooks, health.
NOT_SITE_PAGES = (
    "/admin/",
    "/api/",
    "/documents/",
    "/i18n/",
    "/payments/",
    "/static/",
    "/media/",
    "/healthz",
    "/readyz",
    "/metrics",
)


class LanguageChoiceMiddleware:
    """Remembers the language a visitor reads the site in, and brings them back to it.

    The address says the language (``/ar/…``; Dutch without a prefix), and the switcher's links
    go straight to the same page in another language. So the choice is what they read last: each
    page in a language sets the language cookie to it, and for a signed-in person also their
    account's language (which their e-mails and Stripe Checkout follow).

    Coming back from outside (a bookmark, a typed address, a link in an e-mail: the browser says
    ``Sec-Fetch-Site: none`` or ``cross-site`` on a navigation) to an address without a prefix,
    someone who chose another language is sent to that language's address. Inside the site
    nothing is redirected, so choosing "Nederlands" in the switcher always works; nor is a client
    that does not say where it comes from (a crawler, a script). Before the page cache, after
    ``LocaleMiddleware`` and the authentication middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(NOT_SITE_PAGES):
            return self.get_response(request)
        path_language = translation.get_language_from_path(request.path_info)
        chosen = self._chosen(request)
        if (
            request.method in ("GET", "HEAD")
            and path_language is None
            and chosen
            and chosen != settings.LANGUAGE_CODE
            and request.headers.get("Sec-Fetch-Site") in ("none", "cross-site")
            and request.headers.get("Sec-Fetch-Mode") == "navigate"
        ):
            target = path_in_language(request.get_full_path(), chosen)
            if target != request.get_full_path():
                response = HttpResponseRedirect(target)
                patch_vary_headers(response, ("Cookie",))
                return response
        response = self.get_response(request)
        shown = path_language or settings.LANGUAGE_CODE
        if (
            request.method == "GET"
            and response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and shown != (chosen or settings.LANGUAGE_CODE)
        ):
            self._remember(request, response, shown)
        return response

    @staticmethod
    def _chosen(request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "language", ""):
            return user.language
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if cookie and translation.check_for_language(cookie):
            return cookie
        return None

    @staticmethod
    def _remember(request: HttpRequest, response: HttpResponse, language: str) -> None:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE or request.is_secure(),
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
        )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(user, "language"):
            get_user_model().objects.filter(pk=user.pk).update(language=language)
            user.language = language
