from __future__ import annotations

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.accounts.models import User
from portal.accounts.roles import user_role_group_sync


@receiver(post_save, sender=User, dispatch_uid="user-role-group")
def _user_saved(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if not raw:
        user_role_group_sync(user=instance)


@receiver(authenticator_added, dispatch_uid="mfa-counts-when-set-up")
def _authenticator_added(sender, request, user, authenticator: Authenticator, **kwargs) -> None:
    """Setting up the app means entering a valid code from it: this session used a second factor."""
    if authenticator.type == Authenticator.Type.TOTP and request is not None:
        record_authentication(request, user, "mfa", type=authenticator.type, id=authenticator.pk)
