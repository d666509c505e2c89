"""The object rules each domain app states about its own models, and the engine looks up.

The engine (``portal.permissions.engine``) knows who may do what to a kind of object at all (the
role table); which objects a person works for depends on the model: a location belongs to a
provider, a learner's case to a municipality, an enrolment to a learner. The app that owns the
model says so here, from its own ``permissions`` module (imported by its ``AppConfig.ready``, as
Wagtail's permission policies are registered), so the engine imports none of the domain apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Model, Q

if TYPE_CHECKING:
    from portal.permissions.engine import Action, AnyUser


@dataclass(frozen=True)
class ObjectRules:
    """How the objects of one model belong to people. Every field is optional: a model with no
    rule of a kind is nobody's in that way (only the roles that see everything see it)."""

    # Provider staff: the path from the model to the provider's id ("pk" for the provider).
    provider_path: str | None = None
    # The actions for which provider staff must be one of the provider's administrators.
    provider_admin_actions: frozenset[str] = frozenset()
    # A further condition for provider staff, per action (a course ever published is only
    # withdrawn, never deleted; a referral is the provider's once sent).
    provider_condition: Callable[[Action], Q] | None = None
    # Klantmanagers: the path to the municipality's id of the objects they work on, and the
    # further paths that let them only look (the referrals they made before a hand-over).
    municipality_path: str | None = None
    municipality_view_paths: tuple[str, ...] = ()
    # Learners: the path to the id of the user who owns the object.
    owner_path: str | None = None
    # Reference data (languages, municipalities): whoever may see it at all sees all of it.
    shared: bool = False
    # What everybody, signed in or not, may see; ``None``: nothing.
    public: Callable[[], Q] | None = None
    # Why these objects may not be deleted in their state (beyond the records referring to them).
    delete_refusals: Callable[[list[Model]], list[str]] | None = None


_NO_RULES = ObjectRules()
_RULES: dict[str, ObjectRules] = {}
_memberships: list[Callable[[AnyUser, bool], Iterable[int]]] = []


def rules_register(label: str, rules: ObjectRules) -> None:
    """State the object rules of the model ``label`` ("app_label.model"), once."""
    if label in _RULES and _RULES[label] != rules:
        raise ValueError(f"Object rules for {label} are registered twice.")
    _RULES[label] = rules


def rules_for(label: str) -> ObjectRules:
    return _RULES.get(label, _NO_RULES)


def rules_registered() -> dict[str, ObjectRules]:
    return dict(_RULES)


def memberships_register(lookup: Callable[[AnyUser, bool], Iterable[int]]) -> None:
    """How to find the providers a member of provider staff works for (``admin_only``: as an
    administrator): stated by the app that keeps the memberships."""
    _memberships[:] = [lookup]


def memberships_of(user: AnyUser, *, admin_only: bool) -> frozenset[int]:
    if not _memberships:
        raise RuntimeError("No app registered how provider memberships are found.")
    return frozenset(_memberships[0](user, admin_only))
