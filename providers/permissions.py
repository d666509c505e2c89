"""The catalogue's object rules, stated to the permission engine (``portal.permissions``).

A provider's staff work on their own provider's catalogue; a provider's administrators also keep
its profile and team. What everybody sees is the published catalogue (``providers.selectors``).
Imported by ``ProvidersConfig.ready``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from portal.permissions import Action, ObjectRules, memberships_register, rules_register
from portal.permissions import scope as _scope
from providers.models import Provider, ProviderMembership
from providers.offerings import offering_never_published_q, offerings_delete_refusals
from providers.selectors import offering_published_q, provider_public_q
from providers.start_moments import start_moments_delete_refusals

if TYPE_CHECKING:
    from portal.permissions.engine import AnyUser

_EVERY_ACTION_BUT_VIEW = frozenset(Action) - {Action.VIEW}


def _offering_condition(action: Action) -> Q:
    # A course that was ever public has history (revisions, enrolments): only withdraw it.
    return offering_never_published_q() if action == Action.DELETE else Q()


def _memberships(user: AnyUser, admin_only: bool) -> list[int]:
    memberships = ProviderMembership.objects.filter(user=user)
    if admin_only:
        memberships = memberships.filter(role=ProviderMembership.Role.ADMIN)
    return list(memberships.values_list("provider_id", flat=True))


def register() -> None:
    memberships_register(_memberships)
    rules_register(
        "providers.provider",
        ObjectRules(
            provider_path="pk",
            provider_admin_actions=frozenset({Action.CHANGE, Action.DELETE}),
            public=provider_public_q,
        ),
    )
    rules_register(
        "providers.offering",
        ObjectRules(
            provider_path="provider_id",
            provider_condition=_offering_condition,
            public=offering_published_q,
            delete_refusals=lambda objects: offerings_delete_refusals(offerings=objects),
        ),
    )
    rules_register("providers.location", ObjectRules(provider_path="provider_id", public=Q))
    rules_register(
        "providers.startmoment",
        ObjectRules(
            provider_path="offering__provider_id",
            public=lambda: offering_published_q("offering__"),
            delete_refusals=lambda objects: start_moments_delete_refusals(start_moments=objects),
        ),
    )
    rules_register(
        "providers.providermembership",
        ObjectRules(provider_path="provider_id", provider_admin_actions=_EVERY_ACTION_BUT_VIEW),
    )
    rules_register("providers.language", ObjectRules(shared=True, public=Q))


def providers_for(user: AnyUser, action: Action | str) -> QuerySet[Provider]:
    """The providers on whose catalogue the user may perform ``action`` (e.g. IMPORT, INVITE)."""
    return _scope(user, action, Provider.objects.all())
