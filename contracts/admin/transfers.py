"""Warm transfer in the admin: hand a case over from the learner's page, and accept or see the
hand-overs waiting for your municipality (``contracts.transfers`` holds the rules)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem

from contracts import transfers
from contracts.models import CaseTransfer, Learner
from portal import permissions
from portal.permissions import Action
from portal.places.models import Municipality

LEARNER_INSPECT = "wagtailsnippets_contracts_learner:inspect"


class HandOverForm(forms.Form):
    to_municipality = forms.ModelChoiceField(
        label=gettext_lazy("The learner moves to"), queryset=Municipality.objects.none()
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the receiving klantmanager"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=gettext_lazy("No personal details beyond what the case needs."),
    )

    def __init__(self, *args, learner: Learner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_municipality"].queryset = Municipality.objects.exclude(
            pk=learner.municipality_id
        ).order_by("name")


@require_http_methods(["GET", "POST"])
def hand_over(request: HttpRequest, pk: int) -> HttpResponse:
    learner = get_object_or_404(
        permissions.scope(request.user, Action.CHANGE, Learner.objects.all()), pk=pk
    )
    form = HandOverForm(request.POST or None, learner=learner)
    if request.method == "POST" and form.is_valid():
        try:
            transfers.transfer_request(
                learner=learner,
                to_municipality=form.cleaned_data["to_municipality"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except transfers.TransferRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(
                request,
                _("The case is handed over to %(municipality)s; it stays yours until accepted.")
                % {"municipality": form.cleaned_data["to_municipality"]},
            )
            return redirect(LEARNER_INSPECT, learner.pk)
    return TemplateResponse(
        request,
        "contracts/transfers/hand_over.html",
        {
            "learner": learner,
            "form": form,
            "page_title": _("Hand over a case"),
            "header_title": _("Hand over %(learner)s") % {"learner": learner},
            "header_icon": "arrow-right",
        },
        status=400 if request.method == "POST" else 200,
    )


def awaiting(request: HttpRequest) -> HttpResponse:
    if not permissions.is_klantmanager(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "contracts/transfers/awaiting.html",
        {
            "transfers": list(transfers.transfers_awaiting(user=request.user)),
            "page_title": _("Cases handed over to you"),
            "header_title": _("Cases handed over to your municipality"),
            "header_icon": "arrow-left",
        },
    )


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(transfers.transfers_awaiting(user=request.user), pk=pk)
    try:
        learner = transfers.transfer_accept(transfer=transfer, actor=request.user)
    except transfers.TransferRefused as refused:
        messages.error(request, refused.message)
        return redirect("case_transfers_awaiting")
    messages.success(request, _("%(learner)s is now in your caseload.") % {"learner": learner})
    return redirect(LEARNER_INSPECT, learner.pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(
        CaseTransfer.objects.filter(
            from_municipality_id=request.user.municipality_id,
            state=CaseTransfer.State.REQUESTED,
        ),
        pk=pk,
    )
    try:
        transfers.transfer_cancel(transfer=transfer, actor=request.user)
    except transfers.TransferRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("The hand-over is cancelled."))
    return redirect(LEARNER_INSPECT, transfer.learner_id)


@hooks.register("register_admin_urls")
def transfer_urls():
    return [
        path(
            "learners/<int:pk>/hand-over/",
            require_admin_access(hand_over),
            name="case_transfer_request",
        ),
        path("transfers/", require_admin_access(awaiting), name="case_transfers_awaiting"),
        path(
            "transfers/<int:pk>/accept/",
            require_admin_access(accept),
            name="case_transfer_accept",
        ),
        path(
            "transfers/<int:pk>/cancel/",
            require_admin_access(cancel),
            name="case_transfer_cancel",
        ),
    ]


class TransfersMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.is_klantmanager(request.user)


@hooks.register("register_admin_menu_item")
def transfers_menu_item():
    return TransfersMenuItem(
        gettext_lazy("Cases handed over"),
        reverse("case_transfers_awaiting"),
        icon_name="arrow-left",
        order=246,
    )
