"""Wagtail admin glue for ``portal.permissions``: the admin asks the same module as views and API.

Wagtail's own snippet views check only the model-level permission ("may this user change
offerings at all?"). The object rules of ``portal.permissions`` (own provider, a provider's
administrators, never-published offerings) are enforced here, once, for every snippet viewset
built on ``ScopedSnippetViewSet``:

* ``ModulePermissionPolicy`` answers Wagtail's permission questions (menus, buttons, edit/delete,
  publish, workflow actions) from ``portal.permissions``.
* ``ScopedSnippetViewSet`` lists only the objects the user may see, and guards every object URL
  (edit, delete, history, revisions, preview, usage, lock, workflow…) with the action it performs
  (``OBJECT_URL_ACTIONS``): an object outside the user's view scope answers 404; one they may see
  but not act on answers 403 with the reason; a role that may not do the action at all gets
  Wagtail's own "no permission" answer. Deleting also asks ``permissions.delete_refusals`` (the
  domain's rules and the records that still refer to the object), so a refused delete is a 403
  that says why, never a ``ProtectedError``.
* ``ScopedSnippetChooserViewSet`` does the same for the chooser pop-ups, and
  ``ScopedDeleteBulkAction`` for Wagtail's bulk delete.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, reverse
from django.utils.functional import cached_property, classproperty
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.chooser import ChosenMultipleViewMixin
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.models import get_snippet_models
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import DeleteView, IndexView, SnippetViewSet

from portal import permissions
from portal.core.admin_display import ReadableColumn, ReadableInspectView
from portal.permissions import Action

# What each object URL of a snippet viewset does, as an action of ``portal.permissions`` (Wagtail's
# URL names). A URL with a ``pk`` that is not named here needs CHANGE: a new Wagtail view is
# refused until somebody decides what it does.
OBJECT_URL_ACTIONS: dict[str, Action] = {
    "inspect": Action.VIEW,
    "usage": Action.VIEW,
    "history": Action.VIEW,
    "history_results": Action.VIEW,
    # A copy is a new object: Wagtail asks ADD, and the form offers only the user's providers.
    "copy": Action.VIEW,
    "edit": Action.CHANGE,
    "revisions_revert": Action.CHANGE,
    "revisions_view": Action.CHANGE,
    "revisions_compare": Action.CHANGE,
    "preview_on_edit": Action.CHANGE,
    "reorder": Action.CHANGE,
    # Workflow tasks decide who may approve (the contract managers' group) on top of this.
    "workflow_action": Action.CHANGE,
    "collect_workflow_action_data": Action.CHANGE,
    "confirm_workflow_cancellation": Action.CHANGE,
    "workflow_preview": Action.CHANGE,
    "workflow_history": Action.CHANGE,
    "workflow_history_detail": Action.CHANGE,
    "delete": Action.DELETE,
    "unpublish": Action.PUBLISH,
    "revisions_unschedule": Action.PUBLISH,
    "lock": Action.LOCK,
    "unlock": Action.UNLOCK,
}
# The edit form's buttons that do more than save a change: the ``action-…`` field of the POST.
EDIT_FORM_ACTIONS: dict[str, Action] = {"action-publish": Action.PUBLISH}
_EDIT_FORM_URLS = frozenset({"edit", "revisions_revert"})

_REFUSED: dict[Action, str] = {
    Action.CHANGE: _("You may see “%(object)s”, but not change it."),
    Action.DELETE: _("You may not delete “%(object)s”."),
    Action.PUBLISH: _("You may not publish or unpublish “%(object)s”."),
    Action.LOCK: _("You may not lock “%(object)s”."),
    Action.UNLOCK: _("You may not unlock “%(object)s”."),
}


def _action(value: str) -> Action | None:
    try:
        return Action(value)
    except ValueError:
        return None


class ModulePermissionPolicy(ModelPermissionPolicy):
    """A Wagtail permission policy whose every answer comes from ``portal.permissions``."""

    def user_has_permission(self, user, action: str) -> bool:
        action = _action(action)
        return action is not None and permissions.can_on_model(user, action, self.model)

    def user_has_any_permission(self, user, actions: Iterable[str]) -> bool:
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action: str, instance) -> bool:
        action = _action(action)
        return action is not None and permissions.can(user, action, instance)

    def user_has_any_permission_for_instance(self, user, actions: Iterable[str], instance) -> bool:
        return any(self.user_has_permission_for_instance(user, a, instance) for a in actions)

    def instances_user_has_permission_for(self, user, action: str) -> QuerySet:
        action = _action(action)
        queryset = self.model._default_manager.all()
        return permissions.scope(user, action, queryset) if action else queryset.none()

    def instances_user_has_any_permission_for(self, user, actions: Iterable[str]) -> QuerySet:
        queryset = self.model._default_manager.none()
        for action in actions:
            queryset = queryset | self.instances_user_has_permission_for(user, action)
        return queryset.distinct()


def _visible(request: HttpRequest, model) -> QuerySet:
    return permissions.scope(request.user, Action.VIEW, model._default_manager.all())


def _pk_or_none(model: type[Model], pk: object):
    """The primary key a URL names, or None when it cannot be one (``abc`` for a number)."""
    try:
        return model._meta.pk.to_python(unquote(str(pk)))
    except ValidationError:
        return None


# --- Choosers ---------------------------------------------------------------------------------


class _ScopedChooseMixin:
    def get_object_list(self):
        return _visible(self.request, self.model_class)


class ScopedChooseView(_ScopedChooseMixin, ChooseView):
    pass


class ScopedChooseResultsView(_ScopedChooseMixin, ChooseResultsView):
    pass


class ScopedChosenView(SnippetChosenView):
    def get_object(self, pk):
        key = _pk_or_none(self.model_class, pk)
        if key is None:
            raise Http404
        return _visible(self.request, self.model_class).get(pk=key)


class ScopedChosenMultipleView(SnippetChosenMultipleView, ChosenMultipleViewMixin):
    def get_objects(self, pks):
        keys = [key for pk in pks if (key := _pk_or_none(self.model_class, pk)) is not None]
        return _visible(self.request, self.model_class).filter(pk__in=keys)


class ScopedSnippetChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


# --- The answer to a refused action ----------------------------------------------------------


class ActionRefusedView(WagtailAdminTemplateMixin, TemplateView):
    """A 403 page in the admin's furniture that says why the action was refused."""

    template_name = "portal/admin/action_refused.html"
    page_title = _("Not possible")
    reasons: Sequence[str] = ()
    back_url: str | None = None

    def dispatch(self, request, *args, **kwargs):
        return self.render_to_response(
            self.get_context_data(reasons=self.reasons, back_url=self.back_url), status=403
        )


def action_refused(
    request: HttpRequest,
    *,
    reasons: Sequence[str],
    back_url: str | None = None,
    subtitle: str = "",
    icon: str = "",
) -> HttpResponse:
    """Answer a refused admin action: 403, with the reasons and a way back."""
    return ActionRefusedView.as_view(
        reasons=list(reasons), back_url=back_url, page_subtitle=subtitle, header_icon=icon
    )(request)


def _refusal_reasons(action: Action, objects: Sequence[Model]) -> list[str]:
    if action == Action.DELETE:
        # Say what stops it for everybody (published, still referred to), if anything does.
        reasons = permissions.delete_refusals(objects=objects)
        if reasons:
            return reasons
    message = _REFUSED.get(action, _REFUSED[Action.CHANGE])
    return [message % {"object": obj} for obj in objects[: permissions.REASONS_SHOWN]]


# --- Object URLs ------------------------------------------------------------------------------


def _visible_object_or_404(request: HttpRequest, model: type[Model], pk: object) -> Model:
    key = _pk_or_none(model, pk)
    obj = None if key is None else _visible(request, model).filter(pk=key).first()
    if obj is None:
        raise Http404
    return obj


def _guarded_object_view(view: Callable, viewset: ScopedSnippetViewSet, url_name: str) -> Callable:
    """Wrap a view taking ``pk``: objects outside the user's view scope do not exist, and the
    action the URL performs is asked of ``portal.permissions`` for this very object."""
    action = OBJECT_URL_ACTIONS.get(url_name, Action.CHANGE)
    model = viewset.model

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, pk, **kwargs) -> HttpResponse:
        obj = _visible_object_or_404(request, model, pk)
        user, policy = request.user, viewset.permission_policy
        if action == Action.VIEW:
            return view(request, *args, pk=pk, **kwargs)
        if not policy.user_has_permission(user, action):
            # Not for this role at all: Wagtail's own answer (a message on the dashboard).
            raise PermissionDenied
        asked = [action]
        if url_name in _EDIT_FORM_URLS and request.method == "POST":
            # The form's buttons that do more, where the role has them at all: without, Wagtail
            # ignores the button and saves a draft.
            asked += [
                more
                for field, more in EDIT_FORM_ACTIONS.items()
                if field in request.POST and policy.user_has_permission(user, more)
            ]
        for needed in asked:
            if not policy.user_has_permission_for_instance(user, needed, obj):
                return action_refused(
                    request,
                    reasons=_refusal_reasons(needed, [obj]),
                    back_url=viewset.back_url(obj),
                    subtitle=str(obj),
                    icon=viewset.icon,
                )
        return view(request, *args, pk=pk, **kwargs)

    return wrapped


class ScopedIndexView(IndexView):
    """Wagtail's listing links every row to its edit and delete URLs when the user may change or
    delete objects of the model at all; here only where they may for that row (an editor's own
    provider opens read only, a published offering offers no delete)."""

    _permitted: dict[Action, frozenset] | None = None

    def get_table(self, object_list):
        pks = [obj.pk for obj in object_list]
        user, policy = self.request.user, self.permission_policy
        self._permitted = {
            action: frozenset(
                policy.instances_user_has_permission_for(user, action)
                .filter(pk__in=pks)
                .values_list("pk", flat=True)
            )
            for action in (Action.CHANGE, Action.DELETE)
            if pks and policy.user_has_permission(user, action)
        }
        return super().get_table(object_list)

    def _may(self, action: Action, instance: Model) -> bool:
        if self._permitted is None:
            return self.permission_policy.user_has_permission_for_instance(
                self.request.user, action, instance
            )
        return instance.pk in self._permitted.get(action, frozenset())

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if self._may(Action.CHANGE, instance) else None

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        # The columns named in ``list_display`` show yes/no, euros and "—", not True and None.
        if column_class is Column:
            column_class = ReadableColumn
        return super()._get_custom_column(field_name, column_class, **kwargs)

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if self._may(Action.DELETE, instance) else None


class ScopedDeleteView(DeleteView):
    """Wagtail's delete confirmation, refused (403, with the reasons) when the object may not be
    deleted by anybody: ``portal.permissions.delete_refusals``."""

    def get_template_names(self) -> list[str]:
        return ["portal/admin/confirm_delete.html"]

    @cached_property
    def delete_refusals(self) -> list[str]:
        return permissions.delete_refusals(objects=[self.object])

    def get_context_data(self, **kwargs):
        return super().get_context_data(delete_refusals=self.delete_refusals, **kwargs)

    def _refused(self) -> HttpResponse:
        return self.render_to_response(self.get_context_data(), status=403)

    def get(self, request, *args, **kwargs):
        return self._refused() if self.delete_refusals else super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.delete_refusals:
            return self._refused()
        try:
            return super().post(request, *args, **kwargs)
        except (ProtectedError, RestrictedError):
            # Something came to refer to it between the check and the delete.
            del self.delete_refusals
            return self._refused()


class ScopedSnippetViewSet(SnippetViewSet):
    chooser_viewset_class = ScopedSnippetChooserViewSet
    index_view_class = ScopedIndexView
    inspect_view_class = ReadableInspectView
    delete_view_class = ScopedDeleteView
    #: Relations the listing's columns show, fetched with the rows (no query per row).
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = _visible(request, self.model)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    def get_urlpatterns(self) -> list[URLPattern]:
        patterns = super().get_urlpatterns()
        for pattern in patterns:
            if isinstance(pattern, URLPattern) and "pk" in pattern.pattern.regex.groupindex:
                pattern.callback = _guarded_object_view(pattern.callback, self, pattern.name)
        return patterns

    def back_url(self, obj: Model) -> str:
        """Where a refused action leads back to: the object's read-only page, or the listing."""
        if self.inspect_view_enabled:
            return reverse(self.get_url_name("inspect"), args=[obj.pk])
        return reverse(self.get_url_name("list"))


# --- Bulk delete ------------------------------------------------------------------------------


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete for every model of a ``ScopedSnippetViewSet`` (registered once, in
    ``portal.wagtail_hooks``): objects outside the user's scope are not even named (its
    confirmation page lists the objects one may not delete, which would leak their titles), and
    nothing is deleted when any selected object may not be (``permissions.delete_refusals``)."""

    #: The models this action serves; empty: every snippet model with a scoped viewset.
    scoped_models: tuple = ()

    @classproperty
    def models(cls):
        if cls.scoped_models:
            return list(cls.scoped_models)
        return [
            model
            for model in get_snippet_models()
            if isinstance(getattr(model, "snippet_viewset", None), ScopedSnippetViewSet)
        ]

    @cached_property
    def _actionable_objects(self):
        ids = self.request.GET.getlist("id")
        visible = _visible(self.request, self.model)
        if "all" not in ids:
            keys = [key for pk in ids if (key := _pk_or_none(self.model, pk)) is not None]
            visible = visible.filter(pk__in=keys)
        objects, without_access = [], []
        for obj in visible:
            (objects if self.check_perm(obj) else without_access).append(obj)
        if not objects and not without_access:
            raise Http404
        return objects, {"items_with_no_access": without_access}

    def _refused(self, reasons: Sequence[str]) -> HttpResponse:
        return action_refused(
            self.request,
            reasons=reasons,
            back_url=self.next_url,
            subtitle=str(self.model._meta.verbose_name_plural),
            icon=self.model.snippet_viewset.icon,
        )

    def run_before_hook(self):
        objects, extra = self.get_actionable_objects()
        if not self.permission_policy.user_has_permission(self.request.user, Action.DELETE):
            raise PermissionDenied
        if not objects:
            return self._refused(_refusal_reasons(Action.DELETE, extra["items_with_no_access"]))
        reasons = permissions.delete_refusals(objects=objects)
        if reasons:
            return self._refused(reasons)
        return super().run_before_hook()

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            # Something came to refer to them between the check and the delete.
            objects = self.get_actionable_objects()[0]
            return self._refused(
                permissions.delete_refusals(objects=objects)
                or [gettext("These cannot be deleted now: other records refer to them.")]
            )
