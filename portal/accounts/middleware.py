from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.users.models import UserProfile

from portal.accounts import mfa


class StaffTwoFactorMiddleware:
    """Staff reach no staff page, no page of the Wagtail admin and none of their account pages
    before they set up and used two-factor authentication in this session (``mfa`` says which
    pages wait for it). Checked once the URL is resolved, so the rule can go by URL name."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        url_name = request.resolver_match.url_name if request.resolver_match else None
        if mfa.second_factor_missing(request, url_name=url_name):
            return self._redirect(request)
        return None

    def _redirect(self, request: HttpRequest) -> HttpResponse:
        query = urlencode({"next": request.get_full_path()})
        if mfa.mfa_enabled(request.user):
            messages.info(
                request, _("Confirm it is you with the code from your authenticator app.")
            )
            return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
        messages.warning(
            request,
            _(
                "Staff accounts need two-factor authentication. Set up an authenticator app "
                "to continue."
            ),
        )
        return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")


class StillUsedRefusalMiddleware:
    """A delete refused by the database (a protected reference) becomes a message, not a 500.

    Wagtail's delete views refuse to delete what others still use by asking its reference
    index, which a background task keeps up to date: just after a change, or while no worker
    runs, the index may not know yet, and the database's ``ProtectedError`` reached the view.
    The delete was rolled back; the person is sent back to the page they came from.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, ProtectedError | RestrictedError):
            return None
        user = getattr(request, "user", None)
        language = (
            UserProfile.get_for_user(user).get_preferred_language()
            if user is not None and user.is_authenticated
            else None
        )
        with translation.override(language or translation.get_language()):
            messages.error(
                request, _("This item is still used elsewhere, so it cannot be deleted.")
            )
        return HttpResponseRedirect(request.path)
