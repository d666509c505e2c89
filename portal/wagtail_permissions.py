"""Wagtail admin glue for ``portal.permissions``: the admin asks the same module as views and API.

* ``ModulePermissionPolicy`` answers Wagtail's permission questions (menus, buttons, edit/delete,
  publish, workflow actions) from ``portal.permissions``.
* ``ScopedSnippetViewSet`` lists only the objects the user may see, and looks every object URL
  (edit, delete, history, revisions, preview, usage, workflow…) up through the same scope first,
  so a guessed id of another provider's object answers 404 instead of Wagtail's 403.
* ``ScopedSnippetChooserViewSet`` does the same for the chooser pop-ups.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.functional import cached_property, classproperty
from wagtail.admin.views.generic.chooser import ChosenMultipleViewMixin
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.snippets.bulk_actions.delete import DeleteBulkAction
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from portal import permissions
from portal.permissions import Action


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


class _ScopedChooseMixin:
    def get_object_list(self):
        return _visible(self.request, self.model_class)


class ScopedChooseView(_ScopedChooseMixin, ChooseView):
    pass


class ScopedChooseResultsView(_ScopedChooseMixin, ChooseResultsView):
    pass


class ScopedChosenView(SnippetChosenView):
    def get_object(self, pk):
        return _visible(self.request, self.model_class).get(pk=pk)


class ScopedChosenMultipleView(SnippetChosenMultipleView, ChosenMultipleViewMixin):
    def get_objects(self, pks):
        return _visible(self.request, self.model_class).filter(pk__in=pks)


class ScopedSnippetChooserViewSet(SnippetChooserViewSet):
    choose_view_class = ScopedChooseView
    choose_results_view_class = ScopedChooseResultsView
    chosen_view_class = ScopedChosenView
    chosen_multiple_view_class = ScopedChosenMultipleView


def _scoped_object_view(view: Callable, model) -> Callable:
    """Wrap a view taking ``pk`` so that objects outside the user's scope do not exist."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, pk, **kwargs) -> HttpResponse:
        if not _visible(request, model).filter(pk=pk).exists():
            raise Http404
        return view(request, *args, pk=pk, **kwargs)

    return wrapped


class ScopedSnippetViewSet(SnippetViewSet):
    chooser_viewset_class = ScopedSnippetChooserViewSet
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
                pattern.callback = _scoped_object_view(pattern.callback, self.model)
        return patterns


class ScopedDeleteBulkAction(DeleteBulkAction):
    """Wagtail's bulk delete, but objects outside the user's scope are not even named (its
    confirmation page lists the objects one may not delete, which would leak their titles)."""

    scoped_models: tuple = ()

    @classproperty
    def models(cls):
        return list(cls.scoped_models)

    @cached_property
    def _actionable_objects(self):
        ids = self.request.GET.getlist("id")
        visible = _visible(self.request, self.model)
        if "all" not in ids:
            visible = visible.filter(pk__in=[pk for pk in ids if pk.isdigit()])
        objects, without_access = [], []
        for obj in visible:
            (objects if self.check_perm(obj) else without_access).append(obj)
        if not objects and not without_access:
            raise Http404
        return objects, {"items_with_no_access": without_access}
