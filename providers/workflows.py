"""The approval of catalogue changes: a provider submits, a contract manager approves or rejects.

A Wagtail workflow with one group-approval task for the contract managers' group, assigned to the
Offering snippet. Created once; after that it is the site administrators' to change in the admin
(Settings → Workflows).

The workflow's and the task's names are rows of data, which Wagtail shows as stored: on the
"Submit to …" button, in the status panel, the history, the e-mails and the reports. They are
stored as English message ids and read in the reader's language: ``names_translate_connect``
gives each loaded workflow and task with one of these names a ``TranslatedName``, which is the
stored text to the database and to JSON, and its translation wherever it becomes text (a
template, ``%`` or an f-string), in the language active at that moment (an e-mail's recipient's).
A name an administrator types stays as typed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.signals import post_init, pre_save
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from wagtail.models import GroupApprovalTask, Task, Workflow, WorkflowContentType, WorkflowTask
from wagtail.workflows import get_task_types

from portal.accounts.models import Role
from portal.accounts.roles import role_group
from providers.models import Offering

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
