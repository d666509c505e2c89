"""The klantmanagers' admin: learners of their own municipality, their caseload, the audit log.

* ``LearnerViewSet``: register and keep learners. Every listing and object URL goes through
  ``portal.permissions.scope`` (``ScopedSnippetViewSet``): a klantmanager sees the learners of
  their own municipality only; another municipality's learner is a 404. Opening a learner's page
  writes a ``VIEW`` audit entry, saving one a ``CREATE``/``CHANGE`` naming the changed fields.
* ``caseload`` (``/admin/caseload/``): open learners with a deadline that needs attention.
* ``AuditEntryViewSet``: the audit log, read only, for contract managers and auditors.

The rules are in ``contracts.learners``, ``contracts.audit`` and ``contracts.rules``.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, EditView, IndexView

from contracts import audit, learners, referrals, rules, transfers
from contracts.admin import advice
from contracts.models import AuditEntry, Learner, LearnerRoute
from portal import permissions
from portal.accounts.models import User
from portal.core.admin_display import ReadableInspectView
from portal.permissions import Action
from portal.permissions.wagtail import ModulePermissionPolicy, ScopedSnippetViewSet
from providers.choices import TargetGroup

for _model in (Learner, AuditEntry):
    register_permission_policy(_model, ModulePermissionPolicy(_model))

LEARNERS_URL_NAMESPACE = "wagtailsnippets_contracts_learner"
CASELOAD_PAGE_SIZE = 50


# --- Learners ---------------------------------------------------------------------------------


class KlantmanagerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.email


class LearnerAdminForm(WagtailAdminModelForm):
    """The municipality is the klantmanager's own and not theirs to change; the klantmanager is
    one of that municipality's klantmanagers, the current user unless they choose another."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        user = self.for_user
        municipality_id = self.instance.municipality_id
        if user is not None and permissions.sees_own_municipality_only(user):
            municipality_id = municipality_id or user.municipality_id
            if "municipality" in self.fields:
                field = self.fields["municipality"]
                field.disabled = True
                field.required = False
                field.help_text = _("The municipality you work for.")
                self.initial["municipality"] = municipality_id
            if not self.instance.pk:
                self.instance.municipality_id = municipality_id
                self.initial.setdefault("klantmanager", user.pk)
        if "klantmanager" in self.fields:
            klantmanagers = User.objects.filter(permissions.klantmanagers_q())
            if municipality_id is not None:
                klantmanagers = klantmanagers.filter(municipality_id=municipality_id)
            self.fields["klantmanager"] = KlantmanagerChoiceField(
                queryset=klantmanagers.order_by("last_name", "first_name"),
                required=False,
                label=_("klantmanager"),
                widget=forms.Select,
            )
            if self.instance.klantmanager_id and not self.is_bound:
                self.initial["klantmanager"] = self.instance.klantmanager_id

    def clean_municipality(self):
        field = self.fields["municipality"]
        if field.disabled:
            return self.instance.municipality
        return self.cleaned_data.get("municipality")

    def _post_clean(self) -> None:
        super()._post_clean()
        try:
            learners.learner_validate(learner=self.instance)
        except ValidationError as error:
            self._update_errors(error)


class LearnerFilterSet(WagtailFilterSet):
    target_group = django_filters.ChoiceFilter(
        label=_("target group"), choices=TargetGroup.choices, empty_label=_("All")
    )
    route = django_filters.ChoiceFilter(
        label=_("route"), choices=LearnerRoute.choices, empty_label=_("All")
    )
    case = django_filters.ChoiceFilter(
        label=_("case"),
        choices=[("open", _("Open")), ("closed", _("Closed"))],
        empty_label=_("All"),
        method="filter_case",
    )

    class Meta:
        model = Learner
        fields = ["target_group", "route", "case"]

    def filter_case(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(closed_at__isnull=True)
        if value == "closed":
            return queryset.filter(closed_at__isnull=False)
        return queryset


class _NoAutosave:
    """Saves of personal data are deliberate (and each one is audited): no autosave."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.autosave_enabled = False


class LearnerIndexView(IndexView):
    @property
    def search_fields(self):
        # Searching on a number one may not see would tell whether it exists.
        if learners.learner_client_number_visible(user=self.request.user, learner=None):
            return ["first_name", "last_name", "client_number"]
        return ["first_name", "last_name"]

    @search_fields.setter
    def search_fields(self, value) -> None:
        pass

    @property
    def columns(self):
        columns = super().columns
        if learners.learner_client_number_visible(user=self.request.user, learner=None):
            return columns
        return [column for column in columns if column.name != "client_number"]


class LearnerCreateView(_NoAutosave, CreateView):
    def save_instance(self):
        learner = super().save_instance()
        learners.learner_save_recorded(
            learner=learner,
            actor=self.request.user,
            created=True,
            changed_fields=self.form.changed_data,
        )
        return learner


class LearnerEditView(_NoAutosave, EditView):
    def dispatch(self, request, *args, **kwargs):
        # An anonymised case keeps its figures only; writing a name back would undo retention.
        if Learner.objects.filter(pk=kwargs.get("pk"), anonymised_at__isnull=False).exists():
            messages.error(
                request, gettext("This case is anonymised and can no longer be changed.")
            )
            return redirect(f"{LEARNERS_URL_NAMESPACE}:inspect", kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        audit.audit_record(actor=request.user, learner=self.object, action=AuditEntry.Action.VIEW)
        return response

    def save_instance(self):
        learner = super().save_instance()
        if self.form.changed_data:
            learners.learner_save_recorded(
                learner=learner,
                actor=self.request.user,
                created=False,
                changed_fields=self.form.changed_data,
            )
        return learner


class LearnerInspectView(ReadableInspectView):
    template_name = "contracts/learners/inspect.html"

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        audit.audit_record(actor=request.user, learner=self.object, action=AuditEntry.Action.VIEW)
        return response

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        if not learners.learner_client_number_visible(user=request.user, learner=self.object):
            self.fields = [name for name in self.fields if name != "client_number"]

    def get_klantmanager_display_value(self) -> str:
        user = self.object.klantmanager
        return (user.get_full_name() or user.email) if user else "—"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        context["deadlines"] = learners.learner_deadline_list(learner=self.object, today=today)
        context["due_soon_days"] = rules.DUE_SOON_DAYS
        context["may_close"] = self.object.closed_at is None and permissions.can(
            self.request.user, Action.CHANGE, self.object
        )
        context["close_url"] = reverse("learner_close", args=[self.object.pk])
        context["referrals"] = self.object.referrals.select_related("lot__contract__provider")
        context["may_refer"] = referrals.referral_may_start(
            user=self.request.user, learner=self.object
        )
        context["may_hand_over"] = transfers.transfer_may_request(
            user=self.request.user, learner=self.object
        )
        context["pending_transfer"] = transfers.transfer_pending(learner=self.object)
        context.update(advice.learner_advice_context(self.request, self.object))
        return context


class LearnerViewSet(ScopedSnippetViewSet):
    model = Learner
    icon = "user"
    menu_label = _("Learners")
    menu_order = 240
    add_to_admin_menu = True
    index_view_class = LearnerIndexView
    add_view_class = LearnerCreateView
    edit_view_class = LearnerEditView
    inspect_view_class = LearnerInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_select_related = ("klantmanager",)
    list_display = ["__str__", "client_number", "target_group", "route", "pip_date", "closed_at"]
    filterset_class = LearnerFilterSet
    search_fields = ["first_name", "last_name", "client_number"]
    ordering = ["last_name", "first_name", "pk"]
    inspect_view_fields = [
        "first_name",
        "last_name",
        "date_of_birth",
        "client_number",
        "municipality",
        "klantmanager",
        "target_group",
        "housing_date",
        "social_assistance_date",
        "intake_date",
        "pip_date",
        "route",
        "leerbaarheidstoets",
        "closed_at",
        "anonymised_at",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("first_name"), FieldPanel("last_name")]),
                    FieldRowPanel([FieldPanel("date_of_birth"), FieldPanel("client_number")]),
                    FieldPanel("target_group"),
                ],
                heading=_("Learner"),
            ),
            MultiFieldPanel(
                [FieldPanel("municipality"), FieldPanel("klantmanager")],
                heading=_("Municipality"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("housing_date"),
                            FieldPanel("intake_date"),
                            FieldPanel("pip_date"),
                        ]
                    ),
                    FieldPanel("social_assistance_date"),
                    FieldRowPanel([FieldPanel("route"), FieldPanel("leerbaarheidstoets")]),
                ],
                heading=_("Brede intake and PIP"),
            ),
        ],
        base_form_class=LearnerAdminForm,
    )


register_snippet(LearnerViewSet)


def _learner_or_404(request: HttpRequest, pk: int, action: Action) -> Learner:
    """A learner the user may act on; anybody else's is a 404 that tells nothing."""
    visible = permissions.scope(request.user, Action.VIEW, Learner.objects.all())
    learner = get_object_or_404(visible, pk=pk)
    if not permissions.can(request.user, action, learner):
        raise PermissionDenied
    return learner


@require_POST
def learner_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    learner = _learner_or_404(request, pk, Action.CHANGE)
    try:
        learners.learner_close(learner=learner, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, gettext("The case of %(learner)s is closed.") % {"learner": learner}
        )
    return redirect(f"{LEARNERS_URL_NAMESPACE}:inspect", learner.pk)


# --- Caseload ---------------------------------------------------------------------------------


class CaseloadView(WagtailAdminTemplateMixin, TemplateView):
    """Open learners with a deadline due within ``DUE_SOON_DAYS`` or overdue, soonest first."""

    template_name = "contracts/learners/caseload.html"
    page_title = _("Caseload")
    header_icon = "time"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.can_on_model(request.user, Action.VIEW, Learner):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": _("Caseload")}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        rows = learners.caseload_attention(user=self.request.user, today=today)
        paginator = Paginator(rows, CASELOAD_PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        context.update(
            {
                "today": today,
                "due_soon_days": rules.DUE_SOON_DAYS,
                "page_obj": page,
                "rows": page.object_list,
                "elided_page_range": paginator.get_elided_page_range(page.number),
                "total": paginator.count,
            }
        )
        return context


@hooks.register("register_admin_urls")
def learner_admin_urls():
    return [
        path("caseload/", require_admin_access(CaseloadView.as_view()), name="caseload"),
        path(
            "learners/<int:pk>/close/",
            require_admin_access(learner_close_view),
            name="learner_close",
        ),
    ]


class CaseloadMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return permissions.can_on_model(request.user, Action.VIEW, Learner)


@hooks.register("register_admin_menu_item")
def caseload_menu_item():
    return CaseloadMenuItem(_("Caseload"), reverse("caseload"), icon_name="time", order=245)


# --- Audit log --------------------------------------------------------------------------------


class AuditEntryFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(
        label=_("action"), choices=AuditEntry.Action.choices, empty_label=_("All")
    )
    at = django_filters.DateFromToRangeFilter(label=_("date"), widget=DateRangePickerWidget)
    learner = django_filters.NumberFilter(label=_("learner id"), field_name="learner_id")

    class Meta:
        model = AuditEntry
        fields = ["action", "at", "learner"]


class AuditEntryIndexView(IndexView):
    def search_queryset(self, queryset):
        """Search by learner id: the log names learners by number only."""
        if not self.is_searching:
            return queryset
        query = self.search_query.strip().lstrip("#")
        return queryset.filter(learner_id=int(query)) if query.isdigit() else queryset.none()


def _actor(entry: AuditEntry) -> str:
    if entry.actor is None:
        return str(_("system"))
    return entry.actor.get_full_name() or entry.actor.email


class AuditEntryInspectView(ReadableInspectView):
    def get_actor_display_value(self) -> str:
        return _actor(self.object)

    def get_learner_display_value(self) -> str:
        # The id, not the name: the log is read by people who may not see the learner.
        return str(self.object.learner_id or "—")


class AuditEntryViewSet(ScopedSnippetViewSet):
    """Read only: nobody has ADD, CHANGE or DELETE on audit entries in the roles table."""

    model = AuditEntry
    icon = "history"
    menu_label = _("Audit log")
    menu_order = 260
    add_to_admin_menu = True
    index_view_class = AuditEntryIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_select_related = ("actor",)
    list_display = [
        "at",
        Column("actor", label=_("by"), accessor=_actor),
        "action",
        Column("learner", label=_("learner id"), accessor="learner_id", sort_key="learner_id"),
        "what",
    ]
    filterset_class = AuditEntryFilterSet
    search_fields = ["learner_id"]
    ordering = ["-at", "-pk"]
    inspect_view_class = AuditEntryInspectView
    inspect_view_fields = ["at", "actor", "action", "learner", "what"]


register_snippet(AuditEntryViewSet)
