"""Telling the approvers about an upload's offerings that await approval: one e-mail per upload.

Promises: ``approvers_notify`` sends each approver of the workflow's first task (for a group
approval: the active members of its groups who have an e-mail address and have not turned off
"submitted" notifications in their Wagtail account settings, never the uploader) one summary
e-mail in the language of their Wagtail account (else the site's default, Dutch): the provider,
the uploader, how many new and changed offerings, up to ``TITLES_LISTED`` titles and a link to the
admin dashboard, whose "Awaiting your review" lists them. The e-mail holds no learner data.

``approvers_notify_later`` enqueues that as a durable task in the upload's transaction: sent once
it commits (never for a rolled-back upload), retried while the mail server fails, and each
approver's e-mail marked sent (``done_once``), so a retry reaches only those not reached yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.models import AbstractGroupApprovalTask, Task

from portal.core.links import site_reverse
from portal.core.tasks import EMAIL_RETRY, PRIORITY_PEOPLE_WAIT, done_once, durable_task
from providers.models import Offering, Provider

if TYPE_CHECKING:
    from portal.accounts.models import User

TITLES_LISTED = 20
TEMPLATE = "providers/import/email/approvers_summary.txt"


def approvers_of(*, task: Task, uploader: User) -> list[User]:
    """Who is asked to review at ``task``: for a group approval, the active members of its groups
    with an e-mail address who want "submitted" notifications, except the uploader. Other kinds of
    task name no approvers here (Wagtail does not either)."""
    specific = task.specific
    if not isinstance(specific, AbstractGroupApprovalTask):
        return []
    # Without a Wagtail profile a user gets notifications (the profile's default).
    wants_notifications = Q(wagtail_userprofile__isnull=True) | Q(
        wagtail_userprofile__submitted_notifications=True
    )
    return list(
        get_user_model()
        .objects.filter(groups__in=specific.groups.all(), is_active=True)
        .filter(wants_notifications)
        .exclude(email="")
        .exclude(pk=uploader.pk)
        .select_related("wagtail_userprofile")
        .distinct()
        .order_by("pk")
    )


def approvers_notify(
    *,
    task: Task,
    uploader: User,
    provider: Provider,
    new_count: int,
    changed_count: int,
    titles: Sequence[str],
) -> int:
    """Send the summary of ``new_count`` new and ``changed_count`` changed offerings (the first
    ``titles``), submitted together by ``uploader`` for ``provider``, to each approver of
    ``task``. Returns how many e-mails were sent (in a task: not counting those sent before)."""
    count = new_count + changed_count
    if not count:
        return 0
    titles = list(titles[:TITLES_LISTED])
    context = {
        "provider_name": provider.name,
        "uploader_name": uploader.get_full_name() or uploader.get_username(),
        "uploader_email": uploader.email,
        "count": count,
        "new_count": new_count,
        "changed_count": changed_count,
        "titles": titles,
        "more": count - len(titles),
        "dashboard_url": site_reverse("wagtailadmin_home"),
    }
    sent = 0
    for approver in approvers_of(task=task, uploader=uploader):
        with translation.override(_language_of(approver)):
            subject = f"[{settings.WAGTAIL_SITE_NAME}] " + ngettext(
                "%(count)s course change from %(provider)s awaits your approval",
                "%(count)s course changes from %(provider)s await your approval",
                count,
            ) % {"count": count, "provider": provider.name}
            body = render_to_string(TEMPLATE, {**context, "approver": approver})
        sent += done_once(
            f"mail:{approver.pk}",
            lambda approver=approver, subject=subject, body=body: send_mail(
                subject=subject,
                message=body,
                from_email=getattr(settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", None),
                recipient_list=[approver.email],
            ),
        )
    return sent


def _about(*, provider_id: int, new_count: int, changed_count: int, **_kwargs: object) -> str:
    name = Provider.objects.filter(pk=provider_id).values_list("name", flat=True).first()
    return _("%(provider)s: %(count)s course changes") % {
        "provider": name or f"#{provider_id}",
        "count": new_count + changed_count,
    }


@durable_task(
    label=gettext_lazy("E-mail to approvers about uploaded course changes"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def approvers_notify_task(
    *,
    task_id: int,
    uploader_id: int,
    provider_id: int,
    new_count: int,
    changed_count: int,
    titles: list[str],
) -> int:
    """``approvers_notify`` with the task, uploader and provider read again by their ids."""
    task = Task.objects.filter(pk=task_id).first()
    uploader = get_user_model().objects.filter(pk=uploader_id).first()
    provider = Provider.objects.filter(pk=provider_id).first()
    if task is None or uploader is None or provider is None:
        return 0
    return approvers_notify(
        task=task,
        uploader=uploader,
        provider=provider,
        new_count=new_count,
        changed_count=changed_count,
        titles=titles,
    )


def approvers_notify_later(
    *,
    task: Task,
    uploader: User,
    provider: Provider,
    new: Sequence[Offering],
    changed: Sequence[Offering],
) -> None:
    """Tell the approvers of ``task`` about ``new`` and ``changed`` offerings once the caller's
    transaction commits (the e-mail task is enqueued in it). The titles are taken now: a changed
    offering's row still holds its published title until the change is approved."""
    approvers_notify_task.enqueue(
        task_id=task.pk,
        uploader_id=uploader.pk,
        provider_id=provider.pk,
        new_count=len(new),
        changed_count=len(changed),
        titles=[offering.title for offering in [*new, *changed][:TITLES_LISTED]],
    )


def _language_of(user: User) -> str:
    """The language of the user's Wagtail account settings, else the site's default."""
    profile = getattr(user, "wagtail_userprofile", None)
    if profile is not None:
        return profile.get_preferred_language()
    return settings.LANGUAGE_CODE
