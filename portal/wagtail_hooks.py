"""Admin hooks of the project as a whole (each app registers its own screens)."""

from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem

from portal import (
    admin_home,  # noqa: F401 (registers the failing tasks' start-page panel)
    duo_admin_views,  # noqa: F401 (registers the DUO invoicing screen)
    media,
    permissions,
)
from portal.background_views import TaskFailuresView, TaskGiveUpView, TaskRetryView
from portal.permissions.wagtail import ScopedDeleteBulkAction

# One bulk delete for every snippet with a scoped viewset, replacing Wagtail's own (order 0);
# a viewset that must have none registers its own later (``portal.enrolments``, order 100).
hooks.register("register_bulk_action", ScopedDeleteBulkAction, order=90)


# Profile pictures are private files (portal/media.py): the admin shows them from its own
# address, never from the storage's.
@hooks.register("register_admin_urls")
def _avatar_urls() -> list:
    return [path("avatars/<int:user_id>/<str:file_name>", media.avatar, name="portal_avatar")]


@hooks.register("get_avatar_url")
def _avatar_url(user, size: int) -> str | None:
    return media.avatar_url(user)


@hooks.register("insert_global_admin_css")
def _phone_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("portal/admin/phone.css"))


@hooks.register("register_admin_urls")
def background_task_urls() -> list:
    return [
        path(
            "background-tasks/",
            require_admin_access(TaskFailuresView.as_view()),
            name="task_failures",
        ),
        path(
            "background-tasks/<uuid:task_id>/retry/",
            require_admin_access(TaskRetryView.as_view()),
            name="task_failure_retry",
        ),
        path(
            "background-tasks/<uuid:task_id>/give-up/",
            require_admin_access(TaskGiveUpView.as_view()),
            name="task_failure_give_up",
        ),
    ]


class TaskFailuresMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.looks_after_background_tasks(request.user)


@hooks.register("register_reports_menu_item")
def task_failures_menu_item() -> MenuItem:
    return TaskFailuresMenuItem(
        _("Failing background tasks"),
        reverse("task_failures"),
        name="task-failures",
        icon_name="warning",
        order=900,
    )
