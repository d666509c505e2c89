"""The "Enrolments" menu of the Wagtail admin: enrolments and waiting lists, read only.

Every listing and object URL goes through ``portal.permissions.scope`` (``ScopedSnippetViewSet``):
provider staff see their own providers' learners only, and another provider's id is a 404.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSetGroup

from portal.enrolments.admin_views import (
    PRICE_COLUMN,
    EnrolmentFilterSet,
    EnrolmentInspectView,
    ReadOnlyDeleteBulkAction,
    ReadOnlyIndexView,
    ReadOnlyInspectView,
    ReadOnlyPermissionPolicy,
    WaitingListEntryFilterSet,
)
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.permissions.wagtail import ScopedSnippetViewSet

for _model in (Enrolment, WaitingListEntry):
    register_permission_policy(_model, ReadOnlyPermissionPolicy(_model))


class ReadOnlySnippetViewSet(ScopedSnippetViewSet):
    index_view_class = ReadOnlyIndexView
    index_template_name = "enrolments/admin/index.html"
    inspect_view_enabled = True
    copy_view_enabled = False


class EnrolmentViewSet(ReadOnlySnippetViewSet):
    model = Enrolment
    icon = "tasks"
    menu_label = _("Enrolments")
    list_select_related = ()  # every column is a copy on the enrolment itself
    list_display = [
        "reference",
        "offering_title",
        "provider_name",
        "starts_on",
        "learner_email",
        "state",
        "payment_method",
        PRICE_COLUMN,
        "created_at",
    ]
    filterset_class = EnrolmentFilterSet
    search_fields = ["reference", "learner_email"]
    ordering = ["-created_at"]
    inspect_view_class = EnrolmentInspectView
    inspect_view_fields = [
        "reference",
        "state",
        "learner_email",
        "user",
        "language",
        "provider_name",
        "offering_title",
        "location_text",
        "starts_on",
        "price_cents",
        "price_includes",
        "payment_method",
        "hold_expires_at",
        "created_at",
        "confirmed_at",
        "cancelled_at",
        "refunded_at",
        "refund_cents",
        "cancellation_terms",
        "cancellation_terms_language",
        "late_refund_percent",
        "duo_declaration",
    ]


class WaitingListEntryViewSet(ReadOnlySnippetViewSet):
    model = WaitingListEntry
    icon = "time"
    menu_label = _("Waiting list")
    list_select_related = ("user", "start_moment__offering__provider")
    list_display = [
        "user__email",
        Column(
            "course",
            label=_("Course"),
            accessor="start_moment.offering.title",
            sort_key="start_moment__offering__title",
        ),
        Column(
            "provider",
            label=_("Provider"),
            accessor="start_moment.offering.provider.name",
            sort_key="start_moment__offering__provider__name",
        ),
        Column(
            "starts_on",
            label=_("Start date"),
            accessor="start_moment.starts_on",
            sort_key="start_moment__starts_on",
        ),
        "state",
        "created_at",
        "offered_at",
    ]
    filterset_class = WaitingListEntryFilterSet
    search_fields = ["user__email"]
    ordering = ["created_at", "pk"]
    inspect_view_class = ReadOnlyInspectView
    inspect_view_fields = ["user", "start_moment", "state", "created_at", "offered_at", "enrolment"]


class EnrolmentsGroup(SnippetViewSetGroup):
    menu_label = _("Enrolments")
    menu_icon = "tasks"
    menu_order = 220
    items = (EnrolmentViewSet, WaitingListEntryViewSet)


register_snippet(EnrolmentsGroup)

# After Wagtail's own snippet bulk delete, which it replaces for these models.
hooks.register("register_bulk_action", ReadOnlyDeleteBulkAction, order=100)
