"""The approval of catalogue changes: a provider submits, a contract manager approves or rejects.

A Wagtail workflow with one group-approval task for the contract managers' group, assigned to the
Offering snippet. Created once; after that it is the site administrators' to change in the admin
(Settings → Workflows).

For the admin's start page: what kind of change a revision under review is (``change_kind``),
a provider's changes waiting or sent back (``offering_changes``), and the changes waiting for a
reviewer (``changes_to_review``), each in a fixed number of queries.

The workflow's and the task's names are rows of data, which Wagtail shows as stored: on the
"Submit to …" button, in the status panel, the history, the e-mails and the reports. They are
stored as English message ids and read in the reader's language: ``names_translate_connect``
gives each loaded workflow and task with one of these names a ``TranslatedName``, which is the
stored text to the database and to JSON, and its translation wherever it becomes text (a
template, ``%`` or an f-string), in the language active at that moment (an e-mail's recipient's).
A name an administrator types stays as typed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.signals import post_init, pre_save
from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import (
    DraftStateMixin,
    GroupApprovalTask,
    Revision,
    Task,
    TaskState,
    Workflow,
    WorkflowContentType,
    WorkflowState,
    WorkflowTask,
)
from wagtail.workflows import get_task_types

from portal.accounts.models import Role
from portal.accounts.roles import role_group
from providers.models import Offering, Provider

WORKFLOW_NAME = gettext_noop("Catalogue changes")
TASK_NAME = gettext_noop("Approval by a contract manager")
TRANSLATED_NAMES = frozenset({WORKFLOW_NAME, TASK_NAME})


@transaction.atomic
def offering_workflow_ensure() -> Workflow:
    """The workflow that offerings follow; made on first use if none is assigned yet."""
    content_type = ContentType.objects.get_for_model(Offering)
    assigned = WorkflowContentType.objects.filter(content_type=content_type).first()
    if assigned is not None:
        return assigned.workflow
    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
        task.groups.set([role_group(Role.CONTRACT_MANAGER)])
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not WorkflowTask.objects.filter(workflow=workflow).exists():
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=content_type)
    return workflow


class TranslatedName(str):
    """A stored name (an English message id) that reads in the active language when shown."""

    __slots__ = ()

    def __str__(self) -> str:
        return gettext(str.__str__(self))

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)


def _name_translated(sender, instance: models.Model, **kwargs) -> None:
    name = instance.__dict__.get("name")
    if type(name) is str and name in TRANSLATED_NAMES:
        instance.name = TranslatedName(name)


def _name_kept_as_message_id(sender, instance: models.Model, **kwargs) -> None:
    """A form shows the name translated; saved unchanged, it is stored as its message id again
    (else a Dutch administrator's save would fix the Dutch name for every language)."""
    name = str.__str__(instance.name)
    for message_id in TRANSLATED_NAMES:
        for language, _label in settings.WAGTAILADMIN_PERMITTED_LANGUAGES:
            with translation.override(language):
                if name == gettext(message_id):
                    instance.name = message_id
                    return


def names_translate_connect() -> None:
    """Connect the translation of the workflow's and the task's names (``ProvidersConfig``)."""
    for model in (Workflow, Task, *get_task_types()):
        post_init.connect(_name_translated, sender=model, dispatch_uid=f"name-{model.__name__}")
        pre_save.connect(
            _name_kept_as_message_id, sender=model, dispatch_uid=f"name-id-{model.__name__}"
        )


# --- Changes in the workflow, for the admin's start page --------------------------------------


class ChangeKind(models.TextChoices):
    """What approving a change does to the public site.

    Withdrawing a course is not a change that waits for approval: providers may not unpublish
    (``Action.PUBLISH`` is the contract managers'), and a contract manager who withdraws a course
    does it at once. A change to a withdrawn course, once approved, brings it back.
    """

    NEW = "new", pgettext_lazy("kind of change", "New")
    EDIT = "edit", pgettext_lazy("kind of change", "Change")
    BACK = "back", pgettext_lazy("kind of change", "Back after withdrawal")


def change_kind(obj: DraftStateMixin) -> ChangeKind:
    """The kind of change a revision of ``obj`` under review is: a first publication, a change
    to what is public now, or the return of something withdrawn (published once, not now)."""
    if obj.live:
        return ChangeKind.EDIT
    if obj.first_published_at or obj.last_published_at:
        return ChangeKind.BACK
    return ChangeKind.NEW


class ChangeStatus(models.TextChoices):
    AWAITING = "awaiting", _("Waiting for approval")
    REJECTED = "rejected", _("Changes requested")


_WORKFLOW_STATUS = {
    ChangeStatus.AWAITING: WorkflowState.STATUS_IN_PROGRESS,
    ChangeStatus.REJECTED: WorkflowState.STATUS_NEEDS_CHANGES,
}


def _offering_workflow_states() -> QuerySet[WorkflowState]:
    return WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Offering),
        status__in=_WORKFLOW_STATUS.values(),
    )


def offering_change_q(status: ChangeStatus | str) -> Q:
    """Offerings with a change in ``status`` (waiting for approval, or sent back with changes
    requested): for filtering the offering list."""
    states = WorkflowState.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Offering),
        status=_WORKFLOW_STATUS[ChangeStatus(status)],
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return Q(Exists(states))


@dataclass(frozen=True)
class OfferingChange:
    """A change to an offering in the approval workflow: waiting, or sent back with a comment."""

    offering: Offering
    kind: ChangeKind
    status: ChangeStatus
    since: datetime.datetime
    by: AbstractBaseUser | None  # who submitted it, or who sent it back
    comment: str


@dataclass(frozen=True)
class OfferingChanges:
    awaiting: int
    rejected: int
    first: list[OfferingChange]  # changes sent back first, then the latest


def offering_changes(*, offerings: QuerySet[Offering], limit: int) -> OfferingChanges:
    """The changes to ``offerings`` waiting for approval or sent back (with the reviewer's
    comment): how many of each, and the first ``limit``. Three queries, whatever the number."""
    ids = offerings.annotate(object_key=Cast("pk", output_field=CharField())).values("object_key")
    states = _offering_workflow_states().filter(object_id__in=Subquery(ids))
    counts = states.aggregate(
        awaiting=Count("pk", filter=Q(status=WorkflowState.STATUS_IN_PROGRESS)),
        rejected=Count("pk", filter=Q(status=WorkflowState.STATUS_NEEDS_CHANGES)),
    )
    first = list(
        states.select_related("requested_by", "current_task_state__finished_by")
        .annotate(
            sent_back=Case(
                When(status=WorkflowState.STATUS_NEEDS_CHANGES, then=Value(0)), default=Value(1)
            )
        )
        .order_by("sent_back", "-current_task_state__started_at", "-pk")[:limit]
    )
    by_id = Offering.objects.in_bulk([int(state.object_id) for state in first])
    changes = []
    for state in first:
        offering = by_id.get(int(state.object_id))
        if offering is None:
            continue
        task_state = state.current_task_state
        rejected = state.status == WorkflowState.STATUS_NEEDS_CHANGES
        changes.append(
            OfferingChange(
                offering=offering,
                kind=change_kind(offering),
                status=ChangeStatus.REJECTED if rejected else ChangeStatus.AWAITING,
                since=(task_state.finished_at if rejected else task_state.started_at)
                if task_state
                else state.created_at,
                by=(task_state.finished_by if rejected and task_state else state.requested_by),
                comment=(task_state.comment if rejected and task_state else ""),
            )
        )
    return OfferingChanges(awaiting=counts["awaiting"], rejected=counts["rejected"], first=changes)


@dataclass(frozen=True)
class ChangeToReview:
    """A revision waiting for this reviewer (an offering's or a page's), with what the reviewer
    needs to tell two alike apart: the provider and the kind of change."""

    task_state: TaskState
    obj: DraftStateMixin
    kind: ChangeKind
    provider: Provider | None
    live_revision_id: int | None
    previous_revision_id: int | None

    @property
    def revision(self) -> Revision:
        return self.task_state.revision


@dataclass(frozen=True)
class ChangesToReview:
    total: int
    offerings: int
    first: list[ChangeToReview]


def changes_to_review(*, user: AbstractBaseUser, limit: int) -> ChangesToReview:
    """The revisions waiting for ``user``'s review (Wagtail's ``reviewable_by``: the tasks of
    the groups they are in), the oldest first, with the provider of each offering.

    The number of queries does not grow with the number of changes: the states, their objects
    by kind of object (Wagtail's prefetch), and the providers of the offerings among them.
    """
    offering_type = ContentType.objects.get_for_model(Offering)
    states = TaskState.objects.reviewable_by(user)
    counts = states.aggregate(
        total=Count("pk"),
        offerings=Count("pk", filter=Q(workflow_state__base_content_type=offering_type)),
    )
    first = list(
        states.select_related("revision", "revision__user", "workflow_state")
        .prefetch_related("revision__content_object")
        .annotate(previous_revision_id=Revision.objects.previous_revision_id_subquery())
        .order_by("started_at", "pk")[:limit]
    )
    objects = [state.revision.content_object for state in first]
    providers = Provider.objects.in_bulk(
        {obj.provider_id for obj in objects if isinstance(obj, Offering)}
    )
    changes = [
        ChangeToReview(
            task_state=state,
            obj=obj,
            kind=change_kind(obj),
            provider=providers.get(obj.provider_id) if isinstance(obj, Offering) else None,
            live_revision_id=obj.live_revision_id,
            previous_revision_id=state.previous_revision_id,
        )
        for state, obj in zip(first, objects, strict=True)
        if obj is not None
    ]
    return ChangesToReview(total=counts["total"], offerings=counts["offerings"], first=changes)
