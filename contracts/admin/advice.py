"""Advice to gezinsmigranten in the admin: the form on a learner's page, sending the e-mail again,
and the klantmanager's home panel "Advice sent" (``contracts.advising`` holds the rules).

Every URL looks the learner (or the advice) up through ``portal.permissions.scope``: another
municipality's learner is a 404, GET and POST alike. Opening the form is a ``VIEW`` of the
learner in the audit log; giving advice and sending it again are ``CHANGE`` entries.
"""

from __future__ import annotations

from itertools import groupby

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.ui.components import Component

from contracts import advising, audit
from contracts.models import Advice, AuditEntry, Learner
from contracts.models.advice import NOTE_MAX_LENGTH
from portal import permissions
from portal.core.money import euros
from portal.permissions import Action
from providers.choices import Component as CourseComponent
from providers.choices import TargetGroup
from providers.models import Offering

LEARNER_INSPECT = "wagtailsnippets_contracts_learner:inspect"


class OfferingChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Offering) -> str:
        return str(obj)


class AdviceForm(forms.Form):
    """The courses (checkboxes, grouped by component in the template), a note, the learner's
    address and the language of the e-mail."""

    offerings = OfferingChoiceField(
        label=gettext_lazy("Courses"),
        queryset=Offering.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the learner"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        help_text=gettext_lazy(
            "Why these courses suit the learner, in plain words. The learner reads it on their "
            "own page, not in the e-mail."
        ),
    )
    email = forms.EmailField(
        label=gettext_lazy("The learner's e-mail address"),
        help_text=gettext_lazy(
            "The e-mail holds a link to the advice. An account with this address gets the "
            "advice after logging in; otherwise the learner makes an account."
        ),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the e-mail"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=gettext_lazy("A learner with an account gets it in the language they chose."),
    )

    def __init__(self, *args, learner: Learner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offerings"].queryset = advising.offerings_advisable(learner=learner)
        self.fields["offerings"].help_text = _(
            "Choose %(min)s to %(max)s courses. Only published courses open to "
            "gezinsmigranten in your region (or online) are listed."
        ) % {"min": advising.ADVICE_OFFERINGS_MIN, "max": advising.ADVICE_OFFERINGS_MAX}
        self.fields["email"].widget.attrs["autocomplete"] = "off"

    def offering_groups(self) -> list[dict]:
        """The checkboxes by component, each with what the klantmanager weighs: provider,
        places, price, next start (the queryset's own annotations; one query)."""
        chosen = {str(value) for value in (self.data.getlist("offerings") if self.is_bound else [])}
        rows = []
        for offering in self.fields["offerings"].queryset:
            places = offering.location_cities
            price = offering.price_cents
            rows.append(
                {
                    "offering": offering,
                    "id": f"id_offerings_{offering.pk}",
                    "checked": str(offering.pk) in chosen,
                    "places": ", ".join(places) if places else _("Online"),
                    "price": euros(price) if price is not None else "",
                }
            )
        return [
            {"label": CourseComponent(component).label, "rows": list(group)}
            for component, group in groupby(rows, key=lambda row: row["offering"].component)
        ]


def _learner_or_404(request: HttpRequest, pk: int) -> Learner:
    """A learner of the user's own municipality (CHANGE scope); anybody else's is a 404."""
    return get_object_or_404(
        permissions.scope(request.user, Action.CHANGE, Learner.objects.all()).select_related(
            "municipality"
        ),
        pk=pk,
    )


@require_http_methods(["GET", "POST"])
def advice_give(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner_or_404(request, pk)
    if not permissions.can_on_model(request.user, Action.ADD, Advice):
        raise Http404
    refusal = advising.advice_refusal(learner=learner)
    previous = Advice.objects.filter(learner=learner).order_by("-created_at").first()
    initial = {"email": previous.email, "language": previous.language} if previous else {}
    form = AdviceForm(request.POST or None, learner=learner, initial=initial)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            advising.advice_give(
                learner=learner,
                klantmanager=request.user,
                offerings=form.cleaned_data["offerings"],
                email=form.cleaned_data["email"],
                language=form.cleaned_data["language"],
                note=form.cleaned_data["note"],
            )
        except advising.AdviceRefused as refused:
            form.add_error(refused.field, refused.message)
        else:
            messages.success(
                request,
                _("The advice is saved and e-mailed to %(email)s.")
                % {"email": form.cleaned_data["email"]},
            )
            return redirect(LEARNER_INSPECT, learner.pk)
    if request.method == "GET":
        audit.audit_record(actor=request.user, learner=learner, action=AuditEntry.Action.VIEW)
    return TemplateResponse(
        request,
        "contracts/advice/give.html",
        {
            "learner": learner,
            "form": form,
            "groups": form.offering_groups(),
            "refusal": refusal,
            "page_title": _("Advise on courses"),
            "header_title": _("Advise %(learner)s on courses") % {"learner": learner},
            "header_icon": "help",
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def advice_resend(request: HttpRequest, pk: int) -> HttpResponse:
    advice = get_object_or_404(
        permissions.scope(request.user, Action.CHANGE, Advice.objects.all()), pk=pk
    )
    try:
        advising.advice_resend(advice=advice, actor=request.user)
    except advising.AdviceRefused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request, _("The advice is e-mailed again to %(email)s.") % {"email": advice.email}
        )
    return redirect(LEARNER_INSPECT, advice.learner_id)


def learner_advice_context(request: HttpRequest, learner: Learner) -> dict:
    """What the learner's page shows of their advice (``contracts/advice/_learner.html``)."""
    if learner.target_group != TargetGroup.GEZINSMIGRANT and not learner.advices.exists():
        return {"advice_shown": False}
    outcomes = advising.advice_outcomes(user=request.user, learner=learner)
    may_resend = permissions.can_on_model(request.user, Action.CHANGE, Advice)
    for outcome in outcomes:
        outcome.may_resend = may_resend and advising.advice_may_resend(advice=outcome.advice)
    return {
        "advice_shown": True,
        "advice_outcomes": outcomes,
        "may_advise": advising.advice_may_give(user=request.user, learner=learner),
    }


@hooks.register("register_admin_urls")
def advice_urls():
    return [
        path("learners/<int:pk>/advice/", require_admin_access(advice_give), name="advice_give"),
        path(
            "advice/<int:pk>/send-again/",
            require_admin_access(advice_resend),
            name="advice_resend",
        ),
    ]


# --- The klantmanager's start page ------------------------------------------------------------


class AdviceSentPanel(Component):
    """On the klantmanager's admin home: how many advices went out in the last year, how many
    the learners opened, how many led to an enrolment, and the latest few."""

    name = "advice_sent"
    template_name = "contracts/advice/home_panel.html"
    order = 140

    class Media:
        css = {"all": ["contracts/advice.css"]}

    def get_context_data(self, parent_context):
        summary = advising.advice_summary(user=parent_context["request"].user, now=timezone.now())
        return {"summary": summary}


@hooks.register("construct_homepage_panels")
def advice_sent_panel(request, panels):
    if permissions.is_klantmanager(request.user):
        panels.append(AdviceSentPanel())
