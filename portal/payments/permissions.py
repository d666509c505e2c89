"""The object rules of payment accounts, stated to the permission engine, and the one question
about accounts not made yet. Imported by ``PaymentsConfig.ready``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from portal import permissions
from portal.payments.models import ConnectedAccount
from portal.permissions import Action, ObjectRules, rules_register
from providers.models import Provider

if TYPE_CHECKING:
    from portal.permissions.engine import AnyUser


def register() -> None:
    # A provider's payment account is its administrators' business only.
    rules_register(
        "payments.connectedaccount",
        ObjectRules(provider_path="provider_id", provider_admin_actions=frozenset(Action)),
    )


def payment_account_providers(user: AnyUser, action: Action | str) -> QuerySet[Provider]:
    """The providers whose connected payment account ``user`` may ``action`` (VIEW or CHANGE),
    whether the account exists yet or not (``can`` cannot answer for one not made yet): the same
    rule as ``scope`` on ``ConnectedAccount``, which a test checks."""
    if not permissions.can_on_model(user, action, ConnectedAccount):
        return Provider.objects.none()
    if permissions.sees_everything(user, ConnectedAccount):
        return Provider.objects.all()
    return Provider.objects.filter(pk__in=permissions.provider_ids(user, admin_only=True))
