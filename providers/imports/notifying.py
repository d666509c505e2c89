"""Telling the approvers about an upload's offerings that await approval: one e-mail per upload.

Promises: ``approvers_notify`` sends each approver of the workflow's first task (for a group
approval: the active members of its groups who have an e-mail address and have not turned off
"submitted" notifications in their Wagtail account settings, never the uploader) one summary
e-mail in the language of their Wagtail account (else the site's default, Dutch): the provider,
the uploader, how many new and changed offerings, up to ``TITLES_LISTED`` titles and a link to the
admin dashboard, whose "Awaiting your review" lists them. The e-mail holds no learner data.
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
from django.utils.translation import ngettext
from wagtail.models import AbstractGroupApprovalTask, Task

from portal.core.links import site_reverse
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
    new: Sequence[Offering],
    changed: Sequence[Offering],
) -> int:
    """Send the summary of ``new`` and ``changed`` offerings, submitted together by ``uploader``
    for ``provider``, to each approver of ``task``. Returns how many e-mails were sent."""
    count = len(new) + len(changed)
    if not count:
        return 0
    titles = [offering.title for offering in [*new, *changed][:TITLES_LISTED]]
    context = {
        "provider_name": provider.name,
        "uploader_name": uploader.get_full_name() or uploader.get_username(),
        "uploader_email": uploader.email,
        "count": count,
        "new_count": len(new),
        "changed_count": len(changed),
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
        send_mail(
            subject=subject,
            message=body,
            from_email=getattr(settings, "WAGTAILADMIN_NOTIFICATION_FROM_EMAIL", None),
            recipient_list=[approver.email],
        )
        sent += 1
    return sent


def _language_of(user: User) -> str:
    """The language of the user's Wagtail account settings, else the site's default."""
    profile = getattr(user, "wagtail_userprofile", None)
    if profile is not None:
        return profile.get_preferred_language()
    return settings.LANGUAGE_CODE
