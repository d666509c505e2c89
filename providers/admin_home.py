"""The admin's start page for the catalogue: what provider staff and the reviewers of catalogue
changes come for.

* provider staff: their start dates nearly full or still empty shortly before they begin
  (``StartDatesPanel``, the rules in ``providers.start_moments``) and their offering changes
  waiting for approval or sent back with the reviewer's comment (``OfferingChangesPanel``);
* reviewers (contract managers, and whoever else has changes to review): the changes waiting for
  them, each with its provider and the kind of change (new, change, back after withdrawal) and a
  link to the comparison with the public version (``ChangesToReviewPanel``, the rules in
  ``providers.workflows``). It replaces Wagtail's "Awaiting your review", whose rows showed the
  title and the editor only (two "B1-route overdag" looked the same), with three empty column
  headers, and which asked the database again for every row.

Wagtail's "Your pages and snippets in a workflow" is left out for provider staff: their panel
shows the changes of their whole team, with the reviewer's comment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.admin.utils import quote
from django.db.models import Count
from django.forms import Media
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.models import Page

from portal import permissions
from portal.permissions import Action
from providers import start_moments, workflows
from providers.models import Offering, StartMoment

LIST_LENGTH = 5
"""How many items a panel lists; the link beside its count shows them all."""

HOME_MEDIA = Media(css={"all": ["portal/admin/home.css"]})

OFFERINGS_URL = "wagtailsnippets_providers_offering:list"
START_DATES_URL = "wagtailsnippets_providers_startmoment:list"


class HomePanel(Component):
    @property
    def media(self) -> Media:
        return HOME_MEDIA


class StartDatesPanel(HomePanel):
    name = "start_dates_to_watch"
    template_name = "providers/admin_home/start_dates.html"
    order = 20

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        user = parent_context["request"].user
        today = timezone.localdate()
        nearly_full = start_moments.start_moment_nearly_full_q()
        empty_soon = start_moments.start_moment_empty_soon_q(today=today)
        upcoming = permissions.scope(user, Action.VIEW, StartMoment.objects.all()).filter(
            start_moments.start_moments_upcoming_q(today=today)
        )
        counts = upcoming.aggregate(
            nearly_full=Count("pk", filter=nearly_full), empty_soon=Count("pk", filter=empty_soon)
        )
        first = list(
            upcoming.filter(nearly_full | empty_soon)
            .select_related("offering", "location")
            .order_by("starts_on", "pk")[:LIST_LENGTH]
        )
        listing = reverse(START_DATES_URL)
        return {
            "counts": counts,
            "first": first,
            "empty_soon_days": start_moments.EMPTY_SOON_DAYS,
            "nearly_full_percent": int(start_moments.NEARLY_FULL_SHARE * 100),
            "nearly_full_url": f"{listing}?attention=nearly_full",
            "empty_soon_url": f"{listing}?attention=empty_soon",
        }


class OfferingChangesPanel(HomePanel):
    name = "offering_changes"
    template_name = "providers/admin_home/offering_changes.html"
    order = 30

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        user = parent_context["request"].user
        offerings = permissions.scope(user, Action.CHANGE, Offering.objects.all())
        changes = workflows.offering_changes(offerings=offerings, limit=LIST_LENGTH)
        listing = reverse(OFFERINGS_URL)
        return {
            "changes": changes,
            "awaiting_url": f"{listing}?change={workflows.ChangeStatus.AWAITING}",
            "rejected_url": f"{listing}?change={workflows.ChangeStatus.REJECTED}",
            "edit_url_name": "wagtailsnippets_providers_offering:edit",
        }


def _review_links(change: workflows.ChangeToReview) -> dict[str, str | None]:
    """Where to open a change under review, compare it, and preview it."""
    obj, revision = change.obj, change.revision
    if isinstance(obj, Page):
        edit, compare, preview = (
            "wagtailadmin_pages:edit",
            "wagtailadmin_pages:revisions_compare",
            "wagtailadmin_pages:workflow_preview",
        )
    else:
        viewset = obj.snippet_viewset
        edit, compare, preview = (
            viewset.get_url_name("edit"),
            viewset.get_url_name("revisions_compare"),
            viewset.get_url_name("workflow_preview"),
        )
    pk = quote(obj.pk)
    compare_with = "live" if change.live_revision_id else change.previous_revision_id
    return {
        "edit": reverse(edit, args=[pk]),
        "compare": reverse(compare, args=[pk, compare_with, revision.pk]) if compare_with else None,
        "compare_with_live": bool(change.live_revision_id),
        "preview": reverse(preview, args=[pk, change.task_state.task_id])
        if getattr(obj, "is_previewable", False)
        else None,
    }


class ChangesToReviewPanel(HomePanel):
    name = "changes_to_review"
    template_name = "providers/admin_home/changes_to_review.html"
    order = 5

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        user = parent_context["request"].user
        changes = workflows.changes_to_review(user=user, limit=LIST_LENGTH * 2)
        return {
            "changes": changes,
            "rows": [{"change": change, **_review_links(change)} for change in changes.first],
            "offerings_url": f"{reverse(OFFERINGS_URL)}?change={workflows.ChangeStatus.AWAITING}",
        }


_WAGTAIL_REVIEW_PANEL = "workflow_objects_to_moderate"
_WAGTAIL_OWN_WORKFLOW_PANEL = "user_objects_in_workflow_moderation"


@hooks.register("construct_homepage_panels")
def catalogue_home_panels(request, panels: list) -> None:
    user = request.user
    if permissions.can_on_model(user, Action.PUBLISH, Offering):
        # Reviewers of catalogue changes: ours instead of Wagtail's (pages included).
        panels[:] = [p for p in panels if getattr(p, "name", "") != _WAGTAIL_REVIEW_PANEL]
        panels.append(ChangesToReviewPanel())
    if permissions.works_for_a_provider(user):
        panels[:] = [p for p in panels if getattr(p, "name", "") != _WAGTAIL_OWN_WORKFLOW_PANEL]
        panels += [StartDatesPanel(), OfferingChangesPanel()]
