"""The approval of catalogue changes: a provider submits, a contract manager approves or rejects.

A Wagtail workflow with one group-approval task for the contract managers' group, assigned to the
Offering snippet. Created once; after that it is the site administrators' to change in the admin
(Settings → Workflows).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.models import GroupApprovalTask, Workflow, WorkflowContentType, WorkflowTask

from portal.accounts.models import Role
from portal.accounts.roles import role_group
from providers.models import Offering

WORKFLOW_NAME = "Catalogue changes"
TASK_NAME = "Approval by a contract manager"


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
