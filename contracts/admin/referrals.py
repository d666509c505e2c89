"""Referrals in the Wagtail admin: klantmanagers refer, providers answer and record the placement.

* ``/admin/referrals/``: the referrals the user may see (``portal.permissions.scope``); for provider
  staff this is their inbox ("needs my answer" = sent). Filters: state, needs my answer, SLA
  breached. A fixed number of queries per page.
* ``/admin/referrals/new/`` ("New referral" on the list): a klantmanager chooses one of their
  learners without a referral in progress (searched, paged), then (``?learner=<id>``, also the
  learner page's "Refer") one of the lots the learner may be referred to
  (``referrals.referral_lot_choices``) with its places left, then (``&lot=<id>``) one of that
  lot's start dates with provider, place and free seats, and saves a draft or sends it at once.
  Lots that are full, or whose provider's quality mark is not valid
  (``referral_keurmerk_refusal``), are listed and marked; the refusal is shown beside the lot.
* ``/admin/referrals/<id>/``: the learner data the referral needs (providers: names, date of birth,
  target group, route, PIP date and the klantmanager; never the client number), the lot, state, SLA
  dates and history, and the actions the user's side may take now (``TRANSITIONS`` ∩ side), each a
  small POST form to the same URL. A contract manager sends a draft over capacity, or to a lot
  whose provider's quality mark is not valid, each with its own reason. Started placements take
  attendance, progress and exams. Opening it writes an audit ``VIEW`` for the learner.

Every lookup goes through ``permissions.scope``: somebody else's referral is a 404. The rules are
in ``contracts.referrals`` and ``contracts.progress``; their refusals are shown on the field they
name and change nothing; the domain services also send the e-mails (``contracts.notifying``).
"""

from __future__ import annotations

import dataclasses

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import HeaderButton

from contracts import audit, capacity, learners, progress, referrals
from contracts.admin.referral_forms import (
    AttendanceForm,
    EndForm,
    ExamForm,
    KeurmerkOverrideForm,
    LearnerSearchForm,
    OverrideForm,
    ProgressForm,
    ReasonForm,
    ReferForm,
    StartForm,
)
from contracts.models import AuditEntry, Learner, Referral, ReferralState
from portal import permissions
from portal.accounts.models import User
from portal.core.inputs import IdField
from portal.permissions import Action

State = ReferralState
PAGE_SIZE = 50
LEARNER_INSPECT = "wagtailsnippets_contracts_learner:inspect"


# --- Who is who -------------------------------------------------------------------------------


def _visible(user: User) -> QuerySet[Referral]:
    queryset = Referral.objects.select_related(
        "learner__municipality", "learner__klantmanager", "lot__contract__provider"
    )
    return permissions.scope(user, Action.VIEW, queryset)


def referral_or_404(request: HttpRequest, pk: int) -> Referral:
    return get_object_or_404(_visible(request.user), pk=pk)


# --- Listing (the providers' inbox) -----------------------------------------------------------


class ReferralFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("All")), *State.choices]
    )
    needs_answer = forms.BooleanField(label=_("Needs my answer"), required=False)
    sla = forms.BooleanField(label=_("SLA breached"), required=False)


def sla_breached_q(today) -> Q:
    return Q(state=State.SENT, answer_due__lt=today) | Q(state=State.ACCEPTED, start_due__lt=today)


@dataclasses.dataclass
class Row:
    referral: Referral
    sla: referrals.Sla


class ReferralIndexView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/referrals/index.html"
    header_icon = "mail"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_on_model(request.user, Action.VIEW, Referral):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        if permissions.is_provider_staff(self.request.user):
            return _("Referral inbox")
        return _("Referrals")

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_header_buttons(self) -> list:
        buttons = super().get_header_buttons()
        if permissions.can_on_model(self.request.user, Action.ADD, Referral):
            buttons.insert(
                0,
                HeaderButton(_("New referral"), url=reverse("referral_create"), icon_name="plus"),
            )
        return buttons

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        provider = permissions.is_provider_staff(user)
        filters = ReferralFilterForm(self.request.GET or None)
        if not provider:
            del filters.fields["needs_answer"]
        queryset = _visible(user).order_by("-sent_at", "-created_at", "-pk")
        if filters.is_valid():
            data = filters.cleaned_data
            if data.get("state"):
                queryset = queryset.filter(state=data["state"])
            if data.get("needs_answer"):
                queryset = queryset.filter(state=State.SENT)
            if data.get("sla"):
                queryset = queryset.filter(sla_breached_q(today))
        paginator = Paginator(queryset, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        rows = [Row(referral, referrals.referral_sla(referral, today=today)) for referral in page]
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(
            {
                "filters": filters,
                "is_provider": provider,
                "can_refer": permissions.can_on_model(user, Action.ADD, Referral),
                "rows": rows,
                "page_obj": page,
                "total": paginator.count,
                "filtered": filters.is_bound
                and any(filters.data.get(name) for name in filters.fields),
                "query_string": query.urlencode(),
                "today": today,
            }
        )
        return context


# --- Refer ------------------------------------------------------------------------------------

LEARNER_PAGE_SIZE = 25


def _learner_id(raw: str) -> int | None:
    field = IdField(required=True)
    try:
        return field.clean(raw)
    except forms.ValidationError:
        return None


class ReferralCreateView(WagtailAdminTemplateMixin, TemplateView):
    """Refer in steps, each a GET that keeps the choices before it, so it works without
    JavaScript: 1. the learner (``?learner=``), 2. the lot (``&lot=``), 3. a start date of that
    lot and the note, posted. With JavaScript (``contracts/refer.js``) the start dates follow
    the lot as it is chosen; the page holds them all, hidden but the chosen lot's. The post is
    checked again in full (``ReferForm``, then ``referrals.referral_create``)."""

    header_icon = "mail"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not permissions.can_on_model(user, Action.ADD, Referral):
            raise PermissionDenied
        self.learner = None
        self.today = timezone.localdate()
        if "learner" in request.GET:
            learner_id = _learner_id(request.GET["learner"])
            if learner_id is None:
                raise Http404
            visible = permissions.scope(user, Action.VIEW, Learner.objects.all())
            self.learner = get_object_or_404(visible, pk=learner_id)
            if not referrals.referral_may_start(user=user, learner=self.learner):
                raise PermissionDenied
            self.choices = referrals.referral_lot_choices(learner=self.learner, on=self.today)
        elif request.method == "POST":
            return redirect("referral_create")
        return super().dispatch(request, *args, **kwargs)

    def get_template_names(self) -> list[str]:
        if self.learner is None:
            return ["contracts/referrals/choose_learner.html"]
        return ["contracts/referrals/create.html"]

    def get_page_title(self) -> str:
        return _("New referral")

    def get_page_subtitle(self) -> str:
        return str(self.learner) if self.learner is not None else ""

    def get_breadcrumbs_items(self) -> list[dict]:
        items = [
            *self.breadcrumbs_items,
            {"url": reverse("referral_index"), "label": _("Referrals")},
        ]
        if self.learner is None:
            return [*items, {"url": "", "label": _("New referral")}]
        return [
            *items,
            {"url": reverse("referral_create"), "label": _("New referral")},
            {"url": "", "label": str(self.learner)},
        ]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        if self.learner is None:
            context.update(self.learner_step())
        else:
            context.update(self.refer_step(kwargs.get("form")))
        return context

    def learner_step(self) -> dict:
        """Step 1: the learners the user may refer, searched and paged."""
        search = LearnerSearchForm(self.request.GET)
        data = search.cleaned_data if search.is_valid() else {}
        learners = referrals.referral_learners(
            user=self.request.user,
            search=data.get("q", ""),
            mine=data.get("whose") != "all",
            in_progress=bool(data.get("in_progress")),
        ).select_related("municipality")
        page = Paginator(learners, LEARNER_PAGE_SIZE).get_page(self.request.GET.get("p"))
        query = self.request.GET.copy()
        query.pop("p", None)
        return {
            "search": search,
            "page_obj": page,
            "learners": list(page),
            "query_string": query.urlencode(),
            "searched": any(data.get(name) for name in ("q", "in_progress"))
            or data.get("whose") == "all",
        }

    def refer_step(self, form: ReferForm | None) -> dict:
        """Steps 2 and 3: the lots, and the chosen lot's start dates with the note."""
        by_id = {str(choice.lot.pk): choice for choice in self.choices}
        lot_error = ""
        if form is not None and form.is_bound:
            chosen = by_id.get(form.data.get("lot", ""))
            chosen_moment = form.data.get("start_moment", "")
        else:
            form = ReferForm(choices=self.choices)
            asked = self.request.GET.get("lot", "")
            chosen = by_id.get(asked)
            if asked and chosen is None:
                lot_error = gettext("Choose one of the lots listed.")
            if chosen is None and len(self.choices) == 1:
                chosen = self.choices[0]
            chosen_moment = ""
        full = [choice.lot for choice in self.choices if choice.full]
        no_mark = [choice.lot for choice in self.choices if choice.keurmerk_refusal]
        return {
            "learner": self.learner,
            "form": form,
            "choices": self.choices,
            "chosen": chosen,
            "chosen_moment": chosen_moment,
            "lot_error": lot_error,
            "full_lots": full,
            "keurmerk_lots": no_mark,
            "learner_url": reverse(LEARNER_INSPECT, args=[self.learner.pk]),
            "post_url": f"{reverse('referral_create')}?learner={self.learner.pk}",
        }

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        form = ReferForm(request.POST, choices=self.choices)
        send = request.POST.get("action") == "send"
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    referral = referrals.referral_create(
                        learner=self.learner,
                        lot=data["lot"],
                        actor=request.user,
                        start_moment=data.get("start_moment"),
                        note=data.get("note", ""),
                    )
                    if send:
                        referral = referrals.referral_send(referral=referral, actor=request.user)
            except referrals.ReferralRefused as refusal:
                _add_refusal(form, refusal)
            else:
                if send:
                    messages.success(request, gettext("The referral is sent to the provider."))
                else:
                    messages.success(request, gettext("The referral is saved as a draft."))
                return redirect("referral_detail", referral.pk)
        return self.render_to_response(self.get_context_data(form=form), status=200)


def _add_refusal(form: forms.Form, refusal: referrals.ReferralRefused) -> None:
    field = refusal.field if refusal.field in form.fields else None
    form.add_error(field, refusal.message)


# --- Detail and actions -----------------------------------------------------------------------


ACTION_FORMS = {
    "send": None,
    "override": OverrideForm,
    "keurmerk_override": KeurmerkOverrideForm,
    "withdraw": ReasonForm,
    "accept": None,
    "decline": ReasonForm,
    "start": StartForm,
    "end": EndForm,
    "attendance": AttendanceForm,
    "progress": ProgressForm,
    "exam": ExamForm,
}
ACTION_STATE = {
    "send": State.SENT,
    "override": State.SENT,
    "keurmerk_override": State.SENT,
    "withdraw": State.WITHDRAWN,
    "accept": State.ACCEPTED,
    "decline": State.DECLINED,
    "start": State.STARTED,
    "end": State.COMPLETED,
}
ACTION_LABELS = {
    "send": _("Send to the provider"),
    "override": _("Refer over capacity"),
    "keurmerk_override": _("Refer without a valid quality mark"),
    "withdraw": _("Withdraw"),
    "accept": _("Accept"),
    "decline": _("Decline"),
    "start": _("Record the start"),
    "end": _("Complete or stop"),
    "attendance": _("Record a month's attendance"),
    "progress": _("Add a progress report"),
    "exam": _("Record an exam result"),
}
RECORDING = ("attendance", "progress", "exam")


def allowed_actions(user: User, referral: Referral) -> list[str]:
    states = set(referrals.referral_next_states(user=user, referral=referral))
    actions = []
    if State.SENT in states:
        actions.append("send")
        if referrals.referral_may_override(user=user):
            actions.append("override")
            if _keurmerk_refusal(referral) is not None:
                actions.append("keurmerk_override")
    for name in ("accept", "decline", "start"):
        if ACTION_STATE[name] in states:
            actions.append(name)
    if State.COMPLETED in states or State.STOPPED in states:
        actions.append("end")
    if State.WITHDRAWN in states:
        actions.append("withdraw")
    if (
        referral.state in progress.RECORDABLE
        and referrals.is_provider_side(user=user)
        and permissions.can(user, Action.CHANGE, referral)
    ):
        actions.extend(RECORDING)
    return actions


def _keurmerk_refusal(referral: Referral) -> referrals.KeurmerkNotValid | None:
    """Would sending this draft today be refused for want of the provider's quality mark?"""
    if referral.state != State.DRAFT:
        return None
    return referrals.referral_keurmerk_refusal(lot=referral.lot, on=timezone.localdate())


def learner_facts(user: User, learner: Learner) -> list[tuple[str, object]]:
    """What the referral shows of the learner: for providers only what the placement needs."""
    klantmanager = learner.klantmanager
    facts: list[tuple[str, object]] = [
        (_("First name"), learner.first_name),
        (_("Last name"), learner.last_name),
        (_("Date of birth"), learner.date_of_birth),
        (_("Target group"), learner.get_target_group_display()),
        (_("Route"), learner.get_route_display() or "—"),
        (_("PIP date"), learner.pip_date or "—"),
        (
            _("Klantmanager"),
            (klantmanager.get_full_name() or klantmanager.email) if klantmanager else "—",
        ),
        (_("Klantmanager's e-mail"), klantmanager.email if klantmanager else "—"),
    ]
    if learners.learner_client_number_visible(user=user, learner=learner):
        facts.insert(3, (_("Client number"), learner.client_number or "—"))
    return facts


class ReferralDetailView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/referrals/detail.html"
    header_icon = "mail"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_on_model(request.user, Action.VIEW, Referral):
            raise PermissionDenied
        self.referral = referral_or_404(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self) -> str:
        return _("Referral")

    def get_page_subtitle(self) -> str:
        learner = self.referral.learner
        return f"{learner.first_name} {learner.last_name}"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("referral_index"), "label": _("Referrals")},
            {"url": "", "label": self.get_page_subtitle()},
        ]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        audit.audit_record(
            actor=request.user,
            learner=self.referral.learner,
            action=AuditEntry.Action.VIEW,
            what=f"referral {self.referral.pk}",
        )
        return response

    def get_context_data(self, bound: tuple[str, forms.Form] | None = None, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        referral = self.referral
        actions = allowed_actions(user, referral)
        forms_by_action = {}
        for name in actions:
            form_class = ACTION_FORMS[name]
            if bound and bound[0] == name:
                forms_by_action[name] = bound[1]
            elif form_class is not None:
                forms_by_action[name] = self.action_form(name)
            else:
                forms_by_action[name] = None
        today = timezone.localdate()
        lot_full = referral.state == State.DRAFT and (
            capacity.capacity_left(lot=referral.lot, on=today) <= 0
        )
        learner = referral.learner
        keurmerk_refusal = _keurmerk_refusal(referral)
        context.update(
            {
                "referral": referral,
                "learner": learner,
                "learner_facts": learner_facts(user, learner),
                "learner_url": reverse(LEARNER_INSPECT, args=[learner.pk])
                if permissions.can(user, Action.VIEW, learner)
                else "",
                "sla": referrals.referral_sla(referral, today=today),
                "lot_full": lot_full,
                "keurmerk_refusal": keurmerk_refusal.message if keurmerk_refusal else "",
                "transitions": referral.transitions.select_related("actor"),
                "actions": [
                    {
                        "name": name,
                        "label": ACTION_LABELS[name],
                        "form": forms_by_action[name],
                        "recording": name in RECORDING,
                    }
                    for name in actions
                ],
                "attendance": referral.attendance.all(),
                "progress_reports": referral.progress_reports.all(),
                "exams": referral.exams.all(),
                "show_records": referral.state in progress.RECORDABLE,
            }
        )
        return context

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        name = request.POST.get("action", "")
        referral = self.referral
        if name not in allowed_actions(request.user, referral):
            messages.error(request, gettext("This cannot be done to the referral now."))
            return redirect("referral_detail", referral.pk)
        form_class = ACTION_FORMS[name]
        form = self.action_form(name, request.POST) if form_class else forms.Form(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    done = self.perform(name, referral, form.cleaned_data)
            except progress.AttendanceInvalid as invalid:
                for field, message in invalid.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            except referrals.ReferralRefused as refusal:
                if form_class is None:
                    messages.error(request, refusal.message)
                    return redirect("referral_detail", referral.pk)
                _add_refusal(form, refusal)
            else:
                messages.success(request, done)
                return redirect("referral_detail", referral.pk)
        messages.error(request, gettext("The referral could not be changed; see the form below."))
        self.referral = referral_or_404(request, referral.pk)
        return self.render_to_response(self.get_context_data(bound=(name, form)))

    def action_form(self, name: str, data=None) -> forms.Form:
        kwargs = {}
        if name == "keurmerk_override":
            # The lot may be full as well: then the one form takes both reasons.
            kwargs["lot_full"] = (
                capacity.capacity_left(lot=self.referral.lot, on=timezone.localdate()) <= 0
            )
        return ACTION_FORMS[name](data, prefix=name, **kwargs)

    def perform(self, name: str, referral: Referral, data: dict) -> str:
        actor = self.request.user
        if name in {"send", "override", "keurmerk_override"}:
            referrals.referral_send(
                referral=referral,
                actor=actor,
                override_reason=data.get("override_reason", ""),
                keurmerk_override_reason=data.get("keurmerk_override_reason", ""),
            )
            return gettext("The referral is sent to the provider.")
        if name == "withdraw":
            referrals.referral_withdraw(referral=referral, actor=actor, reason=data["reason"])
            return gettext("The referral is withdrawn.")
        if name == "accept":
            referrals.referral_accept(referral=referral, actor=actor)
            return gettext("The referral is accepted.")
        if name == "decline":
            referrals.referral_decline(referral=referral, actor=actor, reason=data["reason"])
            return gettext("The referral is declined.")
        if name == "start":
            referrals.referral_start(referral=referral, actor=actor, started_on=data["started_on"])
            return gettext("The start is recorded.")
        if name == "end":
            referrals.referral_end(
                referral=referral,
                actor=actor,
                completed=data["outcome"] == State.COMPLETED,
                ended_on=data["ended_on"],
                reason=data.get("reason", ""),
            )
            return gettext("The end of the placement is recorded.")
        if name == "attendance":
            progress.attendance_record(referral=referral, actor=actor, **data)
            return gettext("The attendance is recorded.")
        if name == "progress":
            progress.progress_report(referral=referral, actor=actor, **data)
            return gettext("The progress report is added.")
        if name == "exam":
            progress.exam_record(referral=referral, actor=actor, **data)
            return gettext("The exam result is recorded.")
        raise PermissionDenied


def learner_referrals(user: User, learner: Learner) -> QuerySet[Referral]:
    """The learner's referrals the user may see, for the learner's page."""
    return _visible(user).filter(learner=learner).order_by("-created_at", "-pk")


# --- URLs and menu ----------------------------------------------------------------------------


@hooks.register("register_admin_urls")
def referral_admin_urls():
    return [
        path(
            "referrals/",
            require_admin_access(ReferralIndexView.as_view()),
            name="referral_index",
        ),
        path(
            "referrals/new/",
            require_admin_access(ReferralCreateView.as_view()),
            name="referral_create",
        ),
        path(
            "referrals/<int:pk>/",
            require_admin_access(ReferralDetailView.as_view()),
            name="referral_detail",
        ),
    ]


class ReferralMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.can_on_model(request.user, Action.VIEW, Referral)


@hooks.register("register_admin_menu_item")
def referral_menu_item():
    return ReferralMenuItem(_("Referrals"), reverse("referral_index"), icon_name="mail", order=250)
