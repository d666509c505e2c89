"""The "Online payments" page of the Wagtail admin: a provider connects its own Stripe account.

A provider's administrators start (or continue) Stripe Connect onboarding here; Stripe sends them
back to ``return`` (the account's state is read again) or, when the onboarding link has expired,
to ``refresh`` (a fresh link). Contract managers see every provider's state, read only.
``urlpatterns`` is included under ``admin/payments/`` with the namespace ``online_payments``
(``portal.payments.wagtail_hooks``); Wagtail wraps it in ``require_admin_access``. A provider the
user may not act for is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal.payments import connect
from portal.payments.client import PaymentsUnavailable, is_test_mode, payments_enabled
from portal.payments.models import ConnectedAccount
from portal.payments.permissions import payment_account_providers
from portal.permissions import Action
from providers.models import Provider

NAMESPACE = "online_payments"

NOT_SET_UP = "not_set_up"
UNFINISHED = "unfinished"
READY = "ready"
STATUS_LABELS = {
    NOT_SET_UP: gettext_lazy("Not set up"),
    UNFINISHED: gettext_lazy("Onboarding not finished"),
    READY: gettext_lazy("Ready: learners can pay online"),
}
BUTTON_LABELS = {
    NOT_SET_UP: gettext_lazy("Set up online payments with Stripe"),
    UNFINISHED: gettext_lazy("Continue setup"),
}


def _url(name: str, *args: object) -> str:
    return reverse(f"{NAMESPACE}:{name}", args=args)


def _providers_for(user, action: Action) -> QuerySet[Provider]:
    return payment_account_providers(user, action)


def _provider_or_404(request: HttpRequest, provider_id: int) -> Provider:
    return get_object_or_404(_providers_for(request.user, Action.CHANGE), pk=provider_id)


def _account(provider: Provider) -> ConnectedAccount | None:
    try:
        return provider.connected_account
    except ObjectDoesNotExist:
        return None


def _status(account: ConnectedAccount | None) -> str:
    if account is None:
        return NOT_SET_UP
    return READY if account.is_ready else UNFINISHED


@dataclass(frozen=True)
class ProviderRow:
    provider: Provider
    account: ConnectedAccount | None
    status: str
    status_label: str
    button_label: str | None


@never_cache
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    providers = (
        _providers_for(request.user, Action.VIEW)
        .select_related("connected_account")
        .order_by("name")
    )
    rows = list(providers)
    if not rows:
        raise PermissionDenied
    enabled = payments_enabled()
    changeable = (
        set(_providers_for(request.user, Action.CHANGE).values_list("pk", flat=True))
        if enabled
        else set()
    )
    table = []
    for provider in rows:
        account = _account(provider)
        status = _status(account)
        button = BUTTON_LABELS.get(status) if provider.pk in changeable else None
        table.append(ProviderRow(provider, account, status, STATUS_LABELS[status], button))
    return TemplateResponse(
        request,
        "payments/admin/overview.html",
        {
            "rows": table,
            "payments_enabled": enabled,
            "test_mode": enabled and is_test_mode(),
            "page_title": _("Online payments"),
            "header_title": _("Online payments"),
            "header_icon": "tag",
        },
    )


def _onboarding(request: HttpRequest, provider: Provider) -> HttpResponse:
    """303 to Stripe's onboarding for ``provider``, or back to the page with the reason."""
    if not payments_enabled():
        messages.error(request, _("Online payment is not configured on this portal."))
        return redirect(_url("overview"))
    try:
        link = connect.onboarding_link(
            provider=provider,
            return_url=request.build_absolute_uri(_url("return", provider.pk)),
            refresh_url=request.build_absolute_uri(_url("refresh", provider.pk)),
        )
    except PaymentsUnavailable:
        messages.error(
            request,
            _("Stripe could not be reached, so nothing was changed. Please try again later."),
        )
        return redirect(_url("overview"))
    return HttpResponseRedirect(link, status=303)


@never_cache
@require_POST
def setup(request: HttpRequest, provider_id: int) -> HttpResponse:
    """The button: create the provider's Stripe account the first time, then go to Stripe."""
    return _onboarding(request, _provider_or_404(request, provider_id))


@never_cache
@require_GET
def refresh(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Stripe sends the user here when an onboarding link has expired: a fresh link.

    A GET (Stripe's redirect), so it never creates an account: that takes the button.
    """
    provider = _provider_or_404(request, provider_id)
    if _account(provider) is None:
        return redirect(_url("overview"))
    return _onboarding(request, provider)


@never_cache
@require_GET
def onboarding_return(request: HttpRequest, provider_id: int) -> HttpResponse:
    """Stripe sends the user here after onboarding (finished or not): read the account's state."""
    provider = _provider_or_404(request, provider_id)
    account = _account(provider)
    if account is None:
        return redirect(_url("overview"))
    try:
        account = connect.account_status_refresh(account)
    except PaymentsUnavailable:
        messages.error(
            request,
            _("Stripe could not be reached to check your account. Please try again later."),
        )
        return redirect(_url("overview"))
    if account.is_ready:
        messages.success(
            request,
            _("Your Stripe account is ready: learners can now pay online for %(provider)s.")
            % {"provider": provider.name},
        )
    else:
        messages.warning(
            request,
            _(
                "Stripe still needs some details before learners can pay online. "
                "Choose “%(button)s” to add them."
            )
            % {"button": BUTTON_LABELS[UNFINISHED]},
        )
    return redirect(_url("overview"))


urlpatterns = [
    path("", overview, name="overview"),
    path("<int:provider_id>/setup/", setup, name="setup"),
    path("<int:provider_id>/return/", onboarding_return, name="return"),
    path("<int:provider_id>/refresh/", refresh, name="refresh"),
]
