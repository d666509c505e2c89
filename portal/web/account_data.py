"""A person's own data: what we hold about them (GDPR art. 15/20) and erasing it (art. 17)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction

from portal import permissions
from portal.accounts.models import User


def user_data_export(*, user: User) -> dict[str, Any]:
    """Everything Routewijzer holds about ``user``, as plain JSON-ready data (no secrets)."""
    return {
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "role": user.role,
            "language": user.language or None,
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
        "enrolments": [
            {
                "reference": enrolment.reference,
                "course": enrolment.offering_title,
                "provider": enrolment.provider_name,
                "starts_on": enrolment.starts_on.isoformat(),
                "location": enrolment.location_text,
                "state": enrolment.state,
                "payment_method": enrolment.payment_method,
                "price_cents": enrolment.price_cents,
                "refund_cents": enrolment.refund_cents,
                "duo_declaration": enrolment.duo_declaration,
                "enrolled_at": enrolment.created_at.isoformat(),
            }
            for enrolment in user.enrolments.order_by("pk")
        ],
        "waiting_lists": [
            {
                "course": str(entry.start_moment.offering),
                "starts_on": entry.start_moment.starts_on.isoformat(),
                "state": entry.state,
                "joined_at": entry.created_at.isoformat(),
            }
            for entry in user.waiting_list_entries.select_related("start_moment__offering")
        ],
        "advice_from_your_municipality": [
            {
                "municipality": advice.learner.municipality.name,
                "advised_at": advice.created_at.isoformat(),
                "sent_to": advice.email,
                "added_to_your_account_at": (
                    advice.linked_at.isoformat() if advice.linked_at else None
                ),
                "note": advice.note,
                "courses": [
                    {"course": row.offering.title, "provider": row.offering.provider.name}
                    for row in advice.advised.all()
                ],
            }
            for advice in user.advices.select_related("learner__municipality")
            .prefetch_related("advised__offering__provider")
            .order_by("pk")
        ],
    }


class AccountCannotBeDeleted(Exception):
    pass


def user_may_delete_self(*, user: User) -> bool:
    """A superuser may hold the last way into the admin: it is removed by another superuser."""
    return permissions.may_delete_own_account(user)


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account and everything that belongs only to it (e-mail addresses,
    authenticators, provider memberships, waiting-list places).

    Seats held but not yet paid for are freed. Bought places stay, without the account: the
    provider teaches them and the sale is a financial record the law makes us keep.
    """
    from portal.enrolments.enrolling import enrolments_of_deleted_account_release

    if not user_may_delete_self(user=user):
        raise AccountCannotBeDeleted(user.pk)
    enrolments_of_deleted_account_release(user=user)
    user.delete()
