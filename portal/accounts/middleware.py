from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts import mfa

STAFF_PATH_PREFIXES = ("/admin/", "/staff/", "/en/staff/")


class StaffTwoFactorMiddleware:
    """Staff reach no staff page or the Wagtail admin before they set up and used two-factor
    authentication in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.path.startswith(STAFF_PATH_PREFIXES)
            and request.user.is_authenticated
            and mfa.mfa_required(request.user)
            and not mfa.session_used_mfa(request)
        ):
            return self._redirect(request)
        return self.get_response(request)

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
