"""A person's own data: what we hold about them (GDPR art. 15/20) and erasing it (art. 17)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction

from portal.accounts.models import User


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything Routewijzer holds about ``user``, as plain JSON-ready data (no secrets)."""
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "municipality": user.municipality.name if user.municipality_id else None,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "two_factor_authentication": [
            {
                "type": authenticator.type,
                "created_at": authenticator.created_at.isoformat(),
                "last_used_at": (
                    authenticator.last_used_at.isoformat() if authenticator.last_used_at else None
                ),
            }
            for authenticator in Authenticator.objects.filter(user=user).order_by("pk")
        ],
        "provider_memberships": [
            {"provider": membership.provider.name, "role": membership.role}
            for membership in user.provider_memberships.select_related("provider")
        ],
    }


class AccountCannotBeDeleted(Exception):
    pass


def user_may_delete_self(*, user: User) -> bool:
    """A superuser may hold the last way into the admin: it is removed by another superuser."""
    return not user.is_superuser


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything that belongs only to it (e-mail addresses,
    authenticators, provider memberships)."""
    if not user_may_delete_self(user=user):
        raise AccountCannotBeDeleted(user.pk)
    user.delete()
