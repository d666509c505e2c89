"""The admin's list of background tasks that keep failing, with Retry now and Give up.

For contract managers and superusers (``permissions.looks_after_background_tasks``): each line
names the task in plain words, what it was about (an enrolment's reference, say), how often it
failed, its last error and when; Retry now and Give up each ask for confirmation and act by POST
(``portal.core.tasks.task_retry_now``, ``task_give_up``). Everybody else gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from portal import (
    background,  # noqa: F401  (names Wagtail's tasks for the list)
    permissions,
)
from portal.core.tasks import (
    TaskNotActionable,
    failure_rows,
    failures_listed,
    task_give_up,
    task_retry_now,
)

LISTED_AT_MOST = 200


class _Allowed:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.looks_after_background_tasks(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class TaskFailuresView(_Allowed, WagtailAdminTemplateMixin, TemplateView):
    template_name = "portal/admin/task_failures.html"
    page_title = _("Background tasks that keep failing")
    header_icon = "warning"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        listed = failures_listed()
        context["rows"] = failure_rows(list(listed[:LISTED_AT_MOST]))
        context["total"] = listed.count() if len(context["rows"]) == LISTED_AT_MOST else None
        return context


class _TaskActionView(_Allowed, WagtailAdminTemplateMixin, TemplateView):
    """GET: the confirmation; POST: the action, then back to the list with a message."""

    template_name = "portal/admin/task_failure_confirm.html"
    header_icon = "warning"
    question = ""
    explanation = ""
    button = ""
    done = ""

    def act(self, request: HttpRequest, task_id: str) -> None:
        raise NotImplementedError

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("task_failures"), "label": TaskFailuresView.page_title},
            {"url": "", "label": self.question},
        ]

    def get_page_title(self) -> str:
        return str(self.question)

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        failure = get_object_or_404(failures_listed(), task_result_id=self.kwargs["task_id"])
        context.update(
            row=failure_rows([failure])[0],
            question=self.question,
            explanation=self.explanation,
            button=self.button,
        )
        return context

    def post(self, request: HttpRequest, task_id) -> HttpResponse:
        # Messages are stored as text after the view, when the admin's language is no longer
        # active: made into text here, in the reader's language.
        try:
            self.act(request, str(task_id))
        except TaskNotActionable:
            messages.warning(
                request,
                str(_("This task no longer needs you: it succeeded, was given up or is running.")),
            )
        else:
            messages.success(request, str(self.done))
        return HttpResponseRedirect(reverse("task_failures"))


class TaskRetryView(_TaskActionView):
    question = _("Retry this task now?")
    explanation = _(
        "It runs again as soon as a worker is free. If it fails again, it stays in the list."
    )
    button = _("Yes, retry now")
    done = _("The task will run again shortly.")

    def act(self, request: HttpRequest, task_id: str) -> None:
        task_retry_now(task_id=task_id, actor=request.user)


class TaskGiveUpView(_TaskActionView):
    question = _("Give up this task?")
    explanation = _(
        "It will not be tried again. Do by hand what it should have done, if that is still "
        "needed. The record of its failures stays."
    )
    button = _("Yes, give up")
    done = _("The task was given up.")

    def act(self, request: HttpRequest, task_id: str) -> None:
        task_give_up(task_id=task_id, actor=request.user)
