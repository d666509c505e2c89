"""Inviting a colleague to a provider's team, and accepting the invitation.

The link carries the invitation id signed with the site's secret and a timestamp, so nothing
secret is stored and an old link stops working after ``INVITATION_MAX_AGE_DAYS``. The e-mail is
a durable task enqueued with the invitation (``invitation_email_send``): sent once that commits,
retried while the mail server fails.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import Invitation, Role, User
from portal.core.tasks import EMAIL_RETRY, PRIORITY_PEOPLE_WAIT, done_once, durable_task
from providers.models import Provider, ProviderMembership

_SALT = "routewijzer.invitation"


class InvitationInvalid(Exception):
    """The link is unknown, expired or already used."""


def invitation_token(*, invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(invitation.pk))


def invitation_from_token(*, token: str) -> Invitation:
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature as error:
        raise InvitationInvalid(str(error)) from error
    invitation = (
        Invitation.objects.select_related("provider").filter(pk=pk, accepted_at=None).first()
    )
    if invitation is None:
        raise InvitationInvalid(pk)
    return invitation


def invitation_create(
    *, provider: Provider, email: str, membership_role: str, invited_by: User, site_url: str
) -> Invitation:
    """Invite ``email`` to ``provider``'s team and send the link. The caller checked that
    ``invited_by`` may invite for this provider (``portal.permissions``, action INVITE)."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _(
                    "This address already has a Routewijzer account and cannot be invited. "
                    "Ask your colleague for their work address, or contact the region."
                )
            }
        )
    if membership_role not in ProviderMembership.Role.values:
        raise ValidationError({"membership_role": _("Choose editor or administrator.")})
    with transaction.atomic():
        invitation = Invitation.objects.create(
            provider=provider, email=email, membership_role=membership_role, invited_by=invited_by
        )
        # In the inviter's language, as the page they invited from.
        invitation_email_send.enqueue(
            invitation_id=invitation.pk,
            site_url=site_url,
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
    return invitation


def _about(*, invitation_id: int, **_kwargs: object) -> str:
    provider = (
        Invitation.objects.filter(pk=invitation_id).values_list("provider__name", flat=True).first()
    )
    return _("Invitation to %(provider)s") % {"provider": provider or f"#{invitation_id}"}


@durable_task(
    label=gettext_lazy("E-mail with an invitation to a provider's team"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def invitation_email_send(*, invitation_id: int, site_url: str, language: str) -> str:
    """Send the invitation's link, unless it was accepted (or withdrawn) meanwhile."""
    invitation = (
        Invitation.objects.select_related("provider", "invited_by")
        .filter(pk=invitation_id, accepted_at=None)
        .first()
    )
    if invitation is None:
        return "no open invitation"
    with translation.override(language):
        link = site_url.rstrip("/") + reverse(
            "invitation_accept", kwargs={"token": invitation_token(invitation=invitation)}
        )
        context = {
            "invitation": invitation,
            "link": link,
            "days": settings.INVITATION_MAX_AGE_DAYS,
            "inviter": invitation.invited_by,
        }
        subject = _("[Routewijzer] You are invited to join %(provider)s") % {
            "provider": invitation.provider.name
        }
        body = render_to_string("accounts/email/invitation.txt", context)
    sent = done_once(
        "mail",
        lambda: send_mail(
            subject=subject, message=body, from_email=None, recipient_list=[invitation.email]
        ),
    )
    return "sent" if sent else "sent before"


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """Create the staff account for an invitation. The e-mail counts as verified: the link
    reached that mailbox."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationInvalid(invitation.pk)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationInvalid(invitation.pk)
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
        role=Role.PROVIDER_STAFF,
    )
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    ProviderMembership.objects.create(
        user=user, provider=invitation.provider, role=invitation.membership_role
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user
