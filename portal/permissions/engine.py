"""The permission engine: ``can``, ``scope``, ``public_scope`` and the role table.

What each role may do to each kind of object at all is ``ROLE_PERMISSIONS`` below; which objects
a person works for is stated by the app that owns the model (``portal.permissions.registry``).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import router
from django.db.models import Model, Q, QuerySet
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from portal.permissions.registry import ObjectRules, memberships_of, rules_for
from portal.permissions.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


class Action(enum.StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"
    PUBLISH = "publish"
    LOCK = "lock"
    UNLOCK = "unlock"
    IMPORT = "import"
    INVITE = "invite"
    SET_KEURMERK = "set_keurmerk"


_EDIT = frozenset({Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE})
_READ = frozenset({Action.VIEW})

# What each role may do to each kind of object at all ("app_label.model" → actions). Object rules
# (own provider, own municipality) narrow this further.
ROLE_PERMISSIONS: dict[str, dict[str, frozenset[Action]]] = {
    Role.CONTRACT_MANAGER: {
        "providers.provider": _EDIT | {Action.IMPORT, Action.INVITE, Action.SET_KEURMERK},
        "providers.location": _EDIT,
        "providers.offering": _EDIT | {Action.PUBLISH, Action.LOCK, Action.UNLOCK},
        "providers.startmoment": _EDIT,
        "providers.language": _EDIT,
        "providers.providermembership": _EDIT,
        # The region and its municipalities change rarely (a merger, a municipality joining);
        # contract managers keep them. Deleting one still referred to is refused.
        "places.municipality": _EDIT,
        "places.region": _EDIT,
        # The volumes per municipality and year that the forecast starts from.
        "contracts.intakevolume": _EDIT,
        "contracts.contract": _EDIT,
        "contracts.lot": _EDIT,
        # Contract managers look on: learners' cases and who read or changed them.
        "contracts.learner": _READ,
        "contracts.auditentry": _READ,
        # And the advice klantmanagers gave gezinsmigranten, with what came of it.
        "contracts.advice": _READ,
        # Contract managers follow every referral and may refer over capacity (an override).
        "contracts.referral": frozenset({Action.VIEW, Action.CHANGE}),
        "enrolments.enrolment": _READ,
        "enrolments.waitinglistentry": _READ,
        "payments.connectedaccount": _READ,
    },
    Role.PROVIDER_STAFF: {
        "providers.provider": frozenset({Action.VIEW, Action.CHANGE, Action.IMPORT, Action.INVITE}),
        "providers.location": _EDIT,
        "providers.offering": _EDIT | {Action.LOCK, Action.UNLOCK},
        "providers.startmoment": _EDIT,
        "providers.language": _READ,
        "providers.providermembership": _EDIT,
        "enrolments.enrolment": _READ,
        "enrolments.waitinglistentry": _READ,
        "payments.connectedaccount": frozenset({Action.VIEW, Action.CHANGE}),
        # Referrals to the provider's lots, once sent: answer them and record the placement.
        "contracts.referral": frozenset({Action.VIEW, Action.CHANGE}),
    },
    # Klantmanagers register and keep the learners of their own municipality (no deleting: a
    # closed case is anonymised by retention, ``contracts.retention``).
    Role.CASE_MANAGER: {
        "places.municipality": _READ,
        "contracts.learner": frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        "contracts.referral": frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        # Advice to the municipality's gezinsmigranten on courses (``contracts.advising``).
        "contracts.advice": frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
    },
    # Auditors read the audit log and nothing else.
    Role.AUDITOR: {
        "contracts.auditentry": _READ,
    },
    Role.SITE_EDITOR: {
        "providers.language": _EDIT,
    },
    # A learner's own enrolments and waiting-list places: see them, pay, cancel, leave.
    Role.LEARNER: {
        "enrolments.enrolment": frozenset({Action.VIEW, Action.CHANGE}),
        "enrolments.waitinglistentry": frozenset({Action.VIEW, Action.CHANGE}),
        # The advice of their municipality, once they opened its link: read it.
        "contracts.advice": _READ,
    },
}

# A superuser may do whatever any role may do, on every object.
_SUPERUSER: dict[str, frozenset[Action]] = {}
for _table in ROLE_PERMISSIONS.values():
    for _label, _actions in _table.items():
        _SUPERUSER[_label] = _SUPERUSER.get(_label, frozenset()) | _actions


def model_key(model: type[Model] | Model) -> str:
    return model._meta.label_lower


def is_staff_member(user: AnyUser) -> bool:
    """Staff work behind the admin or the staff area and must use two-factor authentication."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_superuser or user.role in STAFF_ROLES)
    )


def role_actions(user: AnyUser, model: type[Model] | Model) -> frozenset[Action]:
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    if user.is_superuser:
        return _SUPERUSER.get(model_key(model), frozenset())
    return ROLE_PERMISSIONS.get(user.role, {}).get(model_key(model), frozenset())


def can_on_model(user: AnyUser, action: Action | str, model: type[Model]) -> bool:
    """May the user do ``action`` to some objects of this kind (menus, add buttons)?"""
    return Action(action) in role_actions(user, model)


def provider_ids(user: AnyUser, *, admin_only: bool = False) -> frozenset[int]:
    """The providers a member of provider staff works for (as an administrator, if asked)."""
    if not user.is_authenticated or user.role != Role.PROVIDER_STAFF:
        return frozenset()
    cache_name = "_provider_admin_ids" if admin_only else "_provider_ids"
    if not hasattr(user, cache_name):
        setattr(user, cache_name, memberships_of(user, admin_only=admin_only))
    return getattr(user, cache_name)


def sees_everything(user: AnyUser, model: type[Model]) -> bool:
    """Superusers, and the roles that look on at the whole region (contract managers,
    auditors), see every object of a kind they may see at all."""
    return user.is_superuser or (
        user.role in {Role.CONTRACT_MANAGER, Role.AUDITOR} and bool(role_actions(user, model))
    )


def _rules(model: type[Model] | Model) -> ObjectRules:
    return rules_for(model_key(model))


def _provider_staff_filter(user: AnyUser, model: type[Model], action: Action) -> Q | None:
    """The objects of ``model`` that belong to the user's providers, or None for "no rule".

    Editors keep the catalogue; a provider's administrators also change its profile and team.
    """
    rules = _rules(model)
    if rules.provider_path is None:
        return None
    admin_only = action == Action.INVITE or action in rules.provider_admin_actions
    condition = Q(**{f"{rules.provider_path}__in": provider_ids(user, admin_only=admin_only)})
    if rules.provider_condition is not None:
        condition &= rules.provider_condition(action)
    return condition


def scope[M: Model](user: AnyUser, action: Action | str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The objects of ``queryset`` on which ``user`` may perform ``action``."""
    action = Action(action)
    model = queryset.model
    if action not in role_actions(user, model):
        return public_scope(queryset) if action == Action.VIEW else queryset.none()
    if sees_everything(user, model):
        return queryset
    rules = _rules(model)
    if user.role == Role.PROVIDER_STAFF:
        condition = _provider_staff_filter(user, model, action)
        if condition is not None:
            return queryset.filter(condition)
    if user.role == Role.LEARNER and rules.owner_path is not None:
        return queryset.filter(**{rules.owner_path: user.pk})
    if user.role == Role.CASE_MANAGER and rules.municipality_path is not None:
        # A klantmanager without a municipality works for nobody: they see nothing.
        if user.municipality_id is None:
            return queryset.none()
        condition = Q(**{rules.municipality_path: user.municipality_id})
        if action == Action.VIEW:
            for path in rules.municipality_view_paths:
                condition |= Q(**{path: user.municipality_id})
        return queryset.filter(condition)
    if rules.shared:
        return queryset
    return queryset.none()


def public_scope[M: Model](queryset: QuerySet[M]) -> QuerySet[M]:
    """What anybody, signed in or not, may see: the published catalogue (pages and API), as
    the app that owns the model states it (the publication rule of ``providers.selectors``)."""
    public = _rules(queryset.model).public
    if public is None:
        return queryset.none()
    return queryset.filter(public())


def can(user: AnyUser, action: Action | str, obj: Model) -> bool:
    """May ``user`` perform ``action`` on ``obj``?"""
    action = Action(action)
    model = type(obj)
    if action in role_actions(user, model) and sees_everything(user, model):
        return True
    if obj.pk is None:
        return _can_on_new(user, action, obj)
    return scope(user, action, model._default_manager.filter(pk=obj.pk)).exists()


def _can_on_new(user: AnyUser, action: Action, obj: Model) -> bool:
    """An object being created: may the user create it for the provider it names?"""
    if action not in role_actions(user, type(obj)):
        return False
    rules = _rules(obj)
    if rules.municipality_path is not None:
        return (
            user.is_superuser
            or user.role == Role.CONTRACT_MANAGER
            or (
                user.role == Role.CASE_MANAGER
                and user.municipality_id is not None
                and getattr(obj, "municipality_id", None) in (None, user.municipality_id)
            )
        )
    provider_id = getattr(obj, "provider_id", None)
    if provider_id is None and hasattr(obj, "offering_id") and obj.offering_id:
        provider_id = obj.offering.provider_id
    if provider_id is None:
        return user.role == Role.PROVIDER_STAFF and bool(provider_ids(user))
    admin_only = action == Action.INVITE or action in rules.provider_admin_actions
    return provider_id in provider_ids(user, admin_only=admin_only)


def delete_refusals(*, objects: Iterable[Model]) -> list[str]:
    """Why these objects (of one model) may not be deleted, by anybody: empty when they may
    (at most ``REASONS_SHOWN`` reasons: enough to say what stops a selection).

    ``can(user, DELETE, obj)`` says whether the person may delete such an object; this says
    whether the object's state allows it at all: the domain's own rules (a published offering is
    withdrawn, a start date with seats taken stays), stated by the model's app, and, for every
    model, the records that still refer to it (``on_delete=PROTECT``/``RESTRICT``), which the
    database would refuse anyway.
    """
    objects = list(objects)
    if not objects:
        return []
    own_rule = _rules(objects[0]).delete_refusals
    reasons = own_rule(objects) if own_rule is not None else []
    return (reasons or _still_referred_to(objects))[:REASONS_SHOWN]


# Enough to say what stops a selection; the rest would only make the page longer.
REASONS_SHOWN = 10


def _referring_objects(objects: list[Model]) -> set[Model]:
    """What would stop deleting ``objects``: Django's own deletion collector, without deleting."""
    collector = Collector(using=router.db_for_write(type(objects[0])), origin=objects)
    try:
        collector.collect(objects)
    except ProtectedError as error:
        return set(error.protected_objects)
    except RestrictedError as error:
        return set(error.restricted_objects)
    return set()


def _still_referred_to(objects: list[Model]) -> list[str]:
    if len(objects) > 1 and not _referring_objects(objects):
        return []  # the usual case in one pass; only a refused selection is looked at one by one
    reasons = []
    for obj in objects:
        referring = Counter(type(other)._meta for other in _referring_objects([obj]))
        if not referring:
            continue
        references = ", ".join(
            f"{count} {opts.verbose_name if count == 1 else opts.verbose_name_plural}"
            for opts, count in sorted(referring.items(), key=lambda item: item[0].label)
        )
        reasons.append(
            _("“%(object)s” cannot be deleted while other records refer to it: %(references)s.")
            % {"object": obj, "references": references}
        )
        if len(reasons) == REASONS_SHOWN:
            break
    return reasons
