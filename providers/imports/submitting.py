"""Submitting imported offerings to the approval workflow, as the admin's "Submit" does.

Promises: each offering's latest revision ends up under review: its workflow is started (in bulk
when the first task is a plain group approval), resumed when it was sent back for changes, or left
alone when already in progress. Approvers are told only after the transaction commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Task, TaskState, Workflow, WorkflowState
from wagtail.signals import task_submitted, workflow_submitted

from providers.imports.bulk import history_write, update_each
from providers.imports.checking import OfferingPlan
from providers.models import Offering

if TYPE_CHECKING:
    from portal.accounts.models import User


def workflows_start(plans: list[OfferingPlan], *, user: User) -> int:
    """Submit each offering's latest revision for approval, as the admin's "Submit" does: start the
    offering workflow, or resume it when it was sent back for changes, or leave it when it is
    running (it reviews the latest revision). Returns how many were submitted."""
    if not plans:
        return 0
    workflow = plans[0].instance.get_workflow()
    if workflow is None:
        return 0
    together, one_by_one, resumed = [], [], 0
    first_task = workflow.tasks.filter(active=True).first()
    for plan in plans:
        status = plan.current.workflow_status if plan.current else None
        if status == WorkflowState.STATUS_IN_PROGRESS:
            continue
        if status == WorkflowState.STATUS_NEEDS_CHANGES:
            plan.current.offering.current_workflow_state.resume(user)
            resumed += 1
        elif _starts_plainly(first_task, plan.instance):
            together.append(plan.instance)
        else:
            one_by_one.append(plan.instance)
    _workflows_start_together(together, workflow=workflow, task=first_task, user=user)
    for offering in one_by_one:
        workflow.start(offering, user)
    return len(together) + len(one_by_one) + resumed


def _starts_plainly(task: Task | None, offering: Offering) -> bool:
    """Would ``Workflow.start`` do no more than open the first task? True for a group approval
    (Wagtail's own and the one ``providers.workflows`` sets up) on an unlocked offering; other
    tasks may approve at once or act on start, so they are left to Wagtail."""
    if task is None or offering.locked:
        return False
    specific = task.specific
    return type(specific) is GroupApprovalTask and specific.get_task_state_class() is TaskState


def _workflows_start_together(
    offerings: list[Offering], *, workflow: Workflow, task: Task | None, user: User
) -> None:
    """``Workflow.start`` for many offerings whose first task is a plain group approval: the
    workflow and task states and the ``wagtail.workflow.start`` history entry, written in bulk
    instead of about 34 queries an offering, and after the commit the ``task_submitted`` and
    ``workflow_submitted`` signals (Wagtail's e-mails to the approvers, about 9 ms a submission
    and approver)."""
    if not offerings:
        return
    content_type = ContentType.objects.get_for_model(Offering)
    states = WorkflowState.objects.bulk_create(
        [
            WorkflowState(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                workflow=workflow,
                status=WorkflowState.STATUS_IN_PROGRESS,
                requested_by=user,
            )
            for offering in offerings
        ],
        batch_size=500,
    )
    task_states = TaskState.objects.bulk_create(
        [
            TaskState(
                workflow_state=state,
                revision=offering.latest_revision,
                task=task,
                status=TaskState.STATUS_IN_PROGRESS,
            )
            for state, offering in zip(states, offerings, strict=True)
        ],
        batch_size=500,
    )
    for state, task_state, offering in zip(states, task_states, offerings, strict=True):
        state.current_task_state = task_state
        state.content_object = offering
    update_each(WorkflowState, states, ["current_task_state"])
    history = []
    for state, task_state, offering in zip(states, task_states, offerings, strict=True):
        data = {
            "workflow": {
                "id": workflow.pk,
                "title": workflow.name,
                "status": state.status,
                "next": {"id": task.pk, "title": task.name},
                "task_state_id": task_state.pk,
            }
        }
        history.append((offering, offering.latest_revision, "wagtail.workflow.start", data))
    history_write(history, user=user, timestamp=timezone.now())

    def notify() -> None:
        for state, task_state in zip(states, task_states, strict=True):
            task_submitted.send(sender=TaskState, instance=task_state, user=user)
            workflow_submitted.send(sender=WorkflowState, instance=state, user=user)

    # Only once the submissions are committed: approvers are never told of a rolled-back import.
    transaction.on_commit(notify)
