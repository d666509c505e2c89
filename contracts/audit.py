"""The audit log of learners' personal data: who read or changed which learner, and when.

Every opening of a learner's details page is a ``VIEW``, every save a ``CREATE`` or ``CHANGE`` and
every anonymisation by retention an ``ANONYMISE``. An entry names the fields that changed, never
their values, so the log itself holds no personal data beyond the learner's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from contracts.models import AuditEntry, Learner
from portal import permissions
from portal.permissions import Action

if TYPE_CHECKING:
    from portal.accounts.models import User

WHAT_MAX_LENGTH = AuditEntry._meta.get_field("what").max_length


def audit_what(*, fields: Iterable[str]) -> str:
    """The field names, sorted and comma-separated, cut to fit the ``what`` column."""
    text = ", ".join(sorted(set(fields)))
    if len(text) > WHAT_MAX_LENGTH:
        text = text[: WHAT_MAX_LENGTH - 1] + "…"
    return text


def audit_record(
    *, actor: User | None, learner: Learner, action: AuditEntry.Action | str, what: str = ""
) -> AuditEntry:
    """Write one entry. ``actor`` is None for the system (retention)."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor,
        learner=learner,
        action=AuditEntry.Action(action),
        what=what[:WHAT_MAX_LENGTH],
    )


def audit_entries_for(*, user: User) -> QuerySet[AuditEntry]:
    """The entries ``user`` may read (contract managers and auditors), with their actor."""
    entries = AuditEntry.objects.select_related("actor")
    return permissions.scope(user, Action.VIEW, entries)
