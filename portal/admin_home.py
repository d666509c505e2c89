"""The admin's start page for whoever looks after the background tasks (contract managers and
superusers, ``permissions.looks_after_background_tasks``): how many keep failing, the latest few
named in plain words, and the link to the list where they are retried or given up
(``portal.background_views``). Two queries, however many fail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms import Media
from django.urls import reverse
from wagtail import hooks
from wagtail.admin.ui.components import Component

from portal import (
    background,  # noqa: F401  (names Wagtail's tasks for the list)
    permissions,
)
from portal.core.tasks import failure_rows, failures_listed

LIST_LENGTH = 3


class TaskFailuresPanel(Component):
    name = "task_failures"
    template_name = "portal/admin/home_task_failures.html"
    order = 80

    @property
    def media(self) -> Media:
        return Media(css={"all": ["portal/admin/home.css"]})

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        listed = failures_listed()
        return {
            "total": listed.count(),
            "rows": failure_rows(list(listed[:LIST_LENGTH])),
            "list_url": reverse("task_failures"),
        }


@hooks.register("construct_homepage_panels")
def task_failures_panel(request, panels: list) -> None:
    if permissions.looks_after_background_tasks(request.user):
        panels.append(TaskFailuresPanel())
