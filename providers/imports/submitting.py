"""Submitting imported offerings to the approval workflow, as the admin's "Submit" does.

Promises: each offering's latest revision ends up under review: its workflow is started (in bulk
when the first task is a plain group approval), resumed when it was sent back for changes, or left
alone when already in progress. Approvers get one summary e-mail per upload (see
``workflows_start``), and only after the transaction commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Task, TaskState, Workflow, WorkflowState

from providers.imports.bulk import history_write, update_each
from providers.imports.checking import NEW, OfferingPlan
from providers.imports.notifying import approvers_notify_later
from providers.models import Offering, Provider

if TYPE_CHECKING:
    from portal.accounts.models import User


def workflows_start(plans: list[OfferingPlan], *, user: User, provider: Provider) -> int:
    """Submit each offering's latest revision for approval, as the admin's "Submit" does: start the
    offering workflow, or resume it when it was sent back for changes, or leave it when it is
    running (it reviews the latest revision). Returns how many were submitted.

    The approvers are told once per upload, not once per offering: the offerings whose workflow
    starts in bulk (all of them with the group approval ``providers.workflows`` sets up) are
    summed up in one e-mail to each approver after the commit (``notifying.approvers_notify``,
    a task enqueued in the upload's transaction),
    however few they are, so that an upload always reads the same way. Offerings that Wagtail
    submits itself (a workflow resumed after changes were requested, an offering locked by the
    uploader, a first task that is not a plain group approval) keep Wagtail's own e-mail per
    offering and are not in the summary."""
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
            together.append(plan)
        else:
            one_by_one.append(plan.instance)
    _workflows_start_together(
        [plan.instance for plan in together], workflow=workflow, task=first_task, user=user
    )
    if together:
        # A task enqueued in this transaction: approvers are never told of a rolled-back import.
        approvers_notify_later(
            task=first_task,
            uploader=user,
            provider=provider,
            new=[plan.instance for plan in together if plan.status == NEW],
            changed=[plan.instance for plan in together if plan.status != NEW],
        )
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
    instead of about 34 queries an offering.

    Unlike ``Workflow.start`` it sends no ``task_submitted`` and ``workflow_submitted`` signals:
    their only receivers are Wagtail's e-mails to the approvers, one per offering (about 9 ms a
    submission and approver), which the caller replaces with one summary per upload.
    ``test_imports`` checks that nothing else listens to them."""
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
