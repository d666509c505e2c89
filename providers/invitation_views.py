"""The "Team" page in the Wagtail admin: a provider's administrators invite colleagues."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal import permissions
from portal.accounts.models import Invitation
from portal.permissions import Action
from providers import invitations
from providers.invitation_forms import InvitationForm
from providers.models import ProviderMembership
from providers.permissions import providers_for


def _providers(request: HttpRequest):
    providers = providers_for(request.user, Action.INVITE)
    if not providers.exists():
        raise Http404
    return providers


@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    providers = _providers(request)
    form = InvitationForm(request.POST or None, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            invitations.invitation_create(
                provider=form.cleaned_data["provider"],
                email=form.cleaned_data["email"],
                membership_role=form.cleaned_data["membership_role"],
                invited_by=request.user,
                site_url=settings.SITE_URL,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("provider_team")
    members = (
        ProviderMembership.objects.filter(provider__in=providers)
        .select_related("user", "provider")
        .order_by("provider__name", "user__last_name", "user__email")
    )
    pending = Invitation.objects.filter(provider__in=providers, accepted_at=None).select_related(
        "provider"
    )
    return TemplateResponse(
        request,
        "accounts/admin/team.html",
        {
            "form": form,
            "members": members,
            "pending": pending,
            "page_title": _("Team"),
            "header_title": _("Team"),
            "header_icon": "group",
        },
    )


@require_POST
def team_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = (
        permissions.scope(request.user, Action.DELETE, ProviderMembership.objects.all())
        .select_related("user", "provider")
        .filter(pk=pk)
        .first()
    )
    if membership is None:
        raise Http404
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove yourself from the team."))
        return redirect("provider_team")
    membership.delete()
    messages.success(
        request,
        _("%(user)s no longer works for %(provider)s on Routewijzer.")
        % {"user": membership.user, "provider": membership.provider},
    )
    return redirect("provider_team")
