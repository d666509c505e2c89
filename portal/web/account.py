"""A person's own account pages (overview, data export, deletion, accepting a team invitation,
the authenticator set-up) and the one login door for Wagtail's own login pages."""

from __future__ import annotations

import json

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.totp import views as allauth_totp_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import permissions
from portal.accounts import mfa
from portal.web import account_data as data
from portal.web.forms import AccountDeleteForm, InvitationAcceptForm
from providers import invitations


def wagtail_login(request: HttpRequest) -> HttpResponse:
    """Wagtail's own login pages (the admin's and the one for private pages; Wagtail sends there
    through ``WAGTAILADMIN_LOGIN_URL`` and ``WAGTAIL_FRONTEND_LOGIN_URL``) check no password, GET
    or POST: a visitor goes on to allauth's login with ``next``, so allauth's rate limits, e-mail
    verification and two-factor authentication apply to every login. Someone already signed in
    was sent here by a page not open to them: they go to their own start page, not round again."""
    if request.user.is_authenticated:
        return HttpResponseRedirect(get_account_adapter(request).get_login_redirect_url(request))
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect_to_login(next_url, settings.LOGIN_URL)
    return HttpResponseRedirect(resolve_url(settings.LOGIN_URL))


def totp_activate(request: HttpRequest) -> HttpResponse:
    """allauth's set-up page; entering a valid code from the new app also counts as this
    session's second factor, so staff go on to the admin without signing in again."""
    had_app = request.user.is_authenticated and mfa.mfa_enabled(request.user)
    response = allauth_totp_views.activate_totp(request)
    if (
        request.method == "POST"
        and response.status_code == 302
        and not had_app
        and mfa.mfa_enabled(request.user)
    ):
        record_authentication(request, request.user, "mfa", type="totp")
    return response


@login_required
def account_overview(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/overview.html",
        {
            "is_staff_member": permissions.is_staff_member(request.user),
            "mfa_enabled": mfa.mfa_enabled(request.user),
            "may_delete": data.user_may_delete_self(user=request.user),
        },
    )


@login_required
def account_data_export(request: HttpRequest) -> HttpResponse:
    payload = data.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(payload, indent=2, ensure_ascii=False), content_type="application/json"
    )
    filename = f"routewijzer-my-data-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    if not data.user_may_delete_self(user=request.user):
        messages.error(request, _("A superuser account cannot delete itself here."))
        return redirect("account_overview")
    form = AccountDeleteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        data.user_delete(user=user)
        messages.success(request, _("Your account and your data have been deleted."))
        return redirect("/")
    return render(request, "accounts/delete.html", {"form": form})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.invitation_from_token(token=token)
    except invitations.InvitationInvalid:
        return render(request, "accounts/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        logout(request)
    form = InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationInvalid:
            return render(request, "accounts/invitation_invalid.html", status=404)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        # Choosing the password just now counts as confirming it for the app set-up next.
        record_authentication(request, user, "password", email=user.email, reauthenticated=True)
        messages.success(
            request,
            _("Welcome to %(provider)s's team. First set up two-factor authentication.")
            % {"provider": invitation.provider.name},
        )
        return redirect("mfa_activate_totp")
    return render(
        request, "accounts/invitation_accept.html", {"form": form, "invitation": invitation}
    )
