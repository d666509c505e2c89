from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from portal.accounts.models import User
from portal.accounts.roles import user_role_group_sync


@receiver(post_save, sender=User, dispatch_uid="user-role-group")
def _user_saved(sender, instance: User, raw: bool = False, **kwargs) -> None:
    if not raw:
        user_role_group_sync(user=instance)
