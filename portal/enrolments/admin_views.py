"""Enrolments and waiting lists in the Wagtail admin: read only, scoped like the catalogue.

Provider staff see their own providers' learners, contract managers and superusers everyone's
(``portal.permissions``). Nothing here adds, edits, copies or deletes: an enrolment changes only
through the learner's own pages, Stripe's webhook and the services in ``portal.enrolments``.
"""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column
from wagtail.snippets.views.snippets import IndexView

from portal import permissions
from portal.core.admin_display import ReadableInspectView
from portal.core.money import euros
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.permissions import Action
from portal.permissions.wagtail import ModulePermissionPolicy, ScopedDeleteBulkAction
from providers.models import Provider


class ReadOnlyPermissionPolicy(ModulePermissionPolicy):
    """``ModulePermissionPolicy`` narrowed to VIEW: the admin never adds, edits or deletes these.

    A learner's CHANGE on their own enrolment (pay, cancel) and a superuser's (the union of all
    roles) are for the learner's pages; in the admin nobody gets an add, edit or delete button,
    and those URLs answer as to anybody without the permission.
    """

    def user_has_permission(self, user, action: str) -> bool:
        return action == Action.VIEW and super().user_has_permission(user, action)

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        return action == Action.VIEW and super().user_has_permission_for_instance(
            user, action, instance
        )

    def instances_user_has_permission_for(self, user, action: str) -> QuerySet:
        if action != Action.VIEW:
            return self.model._default_manager.none()
        return super().instances_user_has_permission_for(user, action)

    def user_has_any_permission(self, user, actions: Iterable[str]) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)


def _providers(request) -> QuerySet[Provider]:
    """The providers to filter by: only those the user works with."""
    if request is None:
        return Provider.objects.none()
    return permissions.scope(request.user, Action.VIEW, Provider.objects.all()).order_by("name")


class EnrolmentFilterSet(WagtailFilterSet):
    starts_on = django_filters.DateFromToRangeFilter(
        label=_("start date"), widget=DateRangePickerWidget
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"),
        field_name="start_moment__offering__provider",
        queryset=_providers,
        widget=forms.Select,
    )

    class Meta:
        model = Enrolment
        fields = ["state", "starts_on", "payment_method", "provider"]


class WaitingListEntryFilterSet(WagtailFilterSet):
    starts_on = django_filters.DateFromToRangeFilter(
        label=_("start date"), field_name="start_moment__starts_on", widget=DateRangePickerWidget
    )
    provider = django_filters.ModelChoiceFilter(
        label=_("provider"),
        field_name="start_moment__offering__provider",
        queryset=_providers,
        widget=forms.Select,
    )

    class Meta:
        model = WaitingListEntry
        fields = ["state", "starts_on", "provider"]


class ReadOnlyIndexView(IndexView):
    """The snippet listing without the bulk-selection checkboxes: nothing is done in bulk."""

    @cached_property
    def columns(self):
        return [
            column
            for column in super().columns
            if not isinstance(column, BulkActionsCheckboxColumn)
        ]


PRICE_COLUMN = Column(
    "price",
    label=_("Price"),
    accessor=lambda enrolment: euros(enrolment.price_cents),
    sort_key="price_cents",
)


class ReadOnlyInspectView(ReadableInspectView):
    """The inspect view (times in the portal's time zone, "—" for nothing yet), with labels."""

    labels: dict[str, str] = {}

    def get_field_label(self, field_name, field):
        if field_name in self.labels:
            return self.labels[field_name]
        return super().get_field_label(field_name, field)


class EnrolmentInspectView(ReadOnlyInspectView):
    labels = {"price_cents": _("Price"), "refund_cents": _("Refund")}

    def get_price_cents_display_value(self) -> str:
        return euros(self.object.price_cents)

    def get_refund_cents_display_value(self) -> str:
        return euros(self.object.refund_cents) if self.object.refund_cents else "—"

    def get_payments_display_value(self) -> str:
        payments = self.object.payments.order_by("attempt")
        return (
            "; ".join(
                f"{payment.attempt}. {payment.get_status_display()}, {euros(payment.amount_cents)}"
                for payment in payments
            )
            or "—"
        )

    def get_history_display_value(self) -> str:
        return (
            "; ".join(
                f"{date_format(timezone.localtime(change.at), 'DATETIME_FORMAT')}: "
                f"{change.get_to_state_display()}"
                + (f" ({change.get_reason_display()})" if change.reason else "")
                for change in self.object.transitions.all()
            )
            or "—"
        )

    def get_fields_context(self) -> list[dict]:
        return [
            *super().get_fields_context(),
            {
                "label": _("Online payments"),
                "value": self.get_payments_display_value(),
                "component": None,
            },
            {
                "label": _("History"),
                "value": self.get_history_display_value(),
                "component": None,
            },
        ]


class ReadOnlyDeleteBulkAction(ScopedDeleteBulkAction):
    """Replaces Wagtail's bulk delete for these models: there is none (and its confirmation page
    would name objects the user may not see)."""

    scoped_models = (Enrolment, WaitingListEntry)

    def dispatch(self, request, *args, **kwargs):
        raise Http404
