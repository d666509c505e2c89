"""Who may see or do what on which object: the one place that decides.

Views, the Wagtail admin (through ``portal.wagtail_permissions``) and the API all ask this module.
Two questions are answered here:

* ``can(user, action, obj)``: may this user do this to this object?
* ``scope(user, action, queryset)``: which of these objects may the user do it to? Listings filter
  with it, and object URLs look the object up through it, so a guessed id of somebody else's object
  is a 404 that tells nothing. ``VIEW`` means seeing an object in a workspace (the admin, the staff
  area); people without a workspace role see what ``public_scope`` lets everybody see.
* ``public_scope(queryset)``: the published catalogue, the same for everybody (public pages, API).

The model-level table ``ROLE_PERMISSIONS`` says what each role may do at all; the object rules below
narrow that to the objects the person works for (their provider, their municipality, themselves).
The Django groups that Wagtail needs (admin access, page permissions, the approval task) are
derived from the same table by ``portal.accounts.roles.role_groups_sync``.
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

from portal.accounts.models import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

    AnyUser = User | AnonymousUser


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
        "contracts.municipality": _EDIT,
        "contracts.region": _EDIT,
        # The volumes per municipality and year that the forecast starts from.
        "contracts.intakevolume": _EDIT,
        "contracts.contract": _EDIT,
        "contracts.lot": _EDIT,
        # Contract managers look on: learners' cases and who read or changed them.
        "contracts.learner": _READ,
        "contracts.auditentry": _READ,
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
        "contracts.municipality": _READ,
        "contracts.learner": frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
        "contracts.referral": frozenset({Action.VIEW, Action.ADD, Action.CHANGE}),
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
    },
}

# A superuser may do whatever any role may do, on every object.
_SUPERUSER: dict[str, frozenset[Action]] = {}
for _table in ROLE_PERMISSIONS.values():
    for _label, _actions in _table.items():
        _SUPERUSER[_label] = _SUPERUSER.get(_label, frozenset()) | _actions

# What a learner owns: they act on their own objects only.
_LEARNER_OWNED = frozenset({"enrolments.enrolment", "enrolments.waitinglistentry"})

STAFF_ROLES = frozenset(
    {Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.CONTRACT_MANAGER, Role.SITE_EDITOR, Role.AUDITOR}
)
# What a klantmanager works on: the objects of their own municipality.
_MUNICIPALITY_OWNED = frozenset({"contracts.learner", "contracts.referral"})
_MUNICIPALITY_FIELD = {
    "contracts.learner": "municipality_id",
    "contracts.referral": "learner__municipality_id",
}


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
        from providers.models import ProviderMembership

        memberships = ProviderMembership.objects.filter(user=user)
        if admin_only:
            memberships = memberships.filter(role=ProviderMembership.Role.ADMIN)
        setattr(user, cache_name, frozenset(memberships.values_list("provider_id", flat=True)))
    return getattr(user, cache_name)


def _sees_everything(user: AnyUser, model: type[Model]) -> bool:
    return user.is_superuser or (
        user.role in {Role.CONTRACT_MANAGER, Role.AUDITOR} and bool(role_actions(user, model))
    )


def _provider_staff_filter(user: AnyUser, model: type[Model], action: Action) -> Q | None:
    """The objects of ``model`` that belong to the user's providers, or None for "no rule".

    Editors keep the catalogue; a provider's administrators also change its profile and team.
    """
    key = model_key(model)
    admin_only = action == Action.INVITE or (
        (key == "providers.provider" and action in {Action.CHANGE, Action.DELETE})
        or (key == "providers.providermembership" and action != Action.VIEW)
        or key == "payments.connectedaccount"
    )
    ids = provider_ids(user, admin_only=admin_only)
    if key == "providers.provider":
        return Q(pk__in=ids)
    if key == "providers.offering" and action == Action.DELETE:
        # A course that was ever public has history (revisions, enrolments): only withdraw it.
        from providers.offerings import offering_never_published_q

        return Q(provider_id__in=ids) & offering_never_published_q()
    if key in {
        "providers.location",
        "providers.offering",
        "providers.providermembership",
        "payments.connectedaccount",
    }:
        return Q(provider_id__in=ids)
    if key == "providers.startmoment":
        return Q(offering__provider_id__in=ids)
    if key in {"enrolments.enrolment", "enrolments.waitinglistentry"}:
        return Q(start_moment__offering__provider_id__in=ids)
    if key == "contracts.referral":
        # A draft is the klantmanager's own until it is sent.
        return Q(lot__contract__provider_id__in=ids) & ~Q(state="draft")
    return None


def scope[M: Model](user: AnyUser, action: Action | str, queryset: QuerySet[M]) -> QuerySet[M]:
    """The objects of ``queryset`` on which ``user`` may perform ``action``."""
    action = Action(action)
    model = queryset.model
    if action not in role_actions(user, model):
        return public_scope(queryset) if action == Action.VIEW else queryset.none()
    if _sees_everything(user, model):
        return queryset
    if user.role == Role.PROVIDER_STAFF:
        condition = _provider_staff_filter(user, model, action)
        if condition is not None:
            return queryset.filter(condition)
    if user.role == Role.LEARNER and model_key(model) in _LEARNER_OWNED:
        return queryset.filter(user_id=user.pk)
    if user.role == Role.CASE_MANAGER and model_key(model) in _MUNICIPALITY_OWNED:
        # A klantmanager without a municipality works for nobody: they see nothing.
        if user.municipality_id is None:
            return queryset.none()
        condition = Q(**{_MUNICIPALITY_FIELD[model_key(model)]: user.municipality_id})
        if model_key(model) == "contracts.referral" and action == Action.VIEW:
            # After a warm transfer the sending side still reads the referrals it made.
            condition |= Q(created_by__municipality_id=user.municipality_id)
        return queryset.filter(condition)
    if model_key(model) in {"providers.language", "contracts.municipality", "contracts.region"}:
        return queryset
    return queryset.none()


def public_scope[M: Model](queryset: QuerySet[M]) -> QuerySet[M]:
    """What anybody, signed in or not, may see: the published catalogue (pages and API), by
    the publication rule of ``providers.selectors``."""
    from providers.selectors import offering_published_q, provider_public_q

    key = model_key(queryset.model)
    if key == "providers.offering":
        return queryset.filter(offering_published_q())
    if key == "providers.provider":
        return queryset.filter(provider_public_q())
    if key == "providers.startmoment":
        return queryset.filter(offering_published_q("offering__"))
    if key in {"providers.location", "providers.language"}:
        return queryset
    return queryset.none()


def can(user: AnyUser, action: Action | str, obj: Model) -> bool:
    """May ``user`` perform ``action`` on ``obj``?"""
    action = Action(action)
    model = type(obj)
    if action in role_actions(user, model) and _sees_everything(user, model):
        return True
    if obj.pk is None:
        return _can_on_new(user, action, obj)
    return scope(user, action, model._default_manager.filter(pk=obj.pk)).exists()


def _can_on_new(user: AnyUser, action: Action, obj: Model) -> bool:
    """An object being created: may the user create it for the provider it names?"""
    if action not in role_actions(user, type(obj)):
        return False
    if model_key(obj) in _MUNICIPALITY_OWNED:
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
    admin_only = model_key(obj) == "providers.providermembership"
    return provider_id in provider_ids(user, admin_only=admin_only)


def delete_refusals(*, objects: Iterable[Model]) -> list[str]:
    """Why these objects (of one model) may not be deleted, by anybody: empty when they may
    (at most ``REASONS_SHOWN`` reasons: enough to say what stops a selection).

    ``can(user, DELETE, obj)`` says whether the person may delete such an object; this says
    whether the object's state allows it at all: the domain's own rules (a published offering is
    withdrawn, a start date with seats taken stays) and, for every model, the records that still
    refer to it (``on_delete=PROTECT``/``RESTRICT``), which the database would refuse anyway.
    """
    objects = list(objects)
    if not objects:
        return []
    key = model_key(objects[0])
    reasons: list[str] = []
    if key == "providers.offering":
        from providers.offerings import offerings_delete_refusals

        reasons = offerings_delete_refusals(offerings=objects)
    elif key == "providers.startmoment":
        from providers.start_moments import start_moments_delete_refusals

        reasons = start_moments_delete_refusals(start_moments=objects)
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


def providers_for(user: AnyUser, action: Action | str) -> QuerySet:
    """The providers on whose catalogue the user may perform ``action`` (e.g. IMPORT, INVITE)."""
    from providers.models import Provider

    return scope(user, action, Provider.objects.all())


def payment_account_providers(user: AnyUser, action: Action | str) -> QuerySet:
    """The providers whose connected payment account ``user`` may ``action`` (VIEW or CHANGE),
    whether the account exists yet or not (``can`` cannot answer for one not made yet): the same
    rule as ``scope`` on ``ConnectedAccount``, which a test checks."""
    if not can_on_model(user, action, _connected_account_model()):
        return _providers().none()
    if user.is_superuser or user.role == Role.CONTRACT_MANAGER:
        return _providers().all()
    if user.role == Role.PROVIDER_STAFF:
        return _providers().filter(pk__in=provider_ids(user, admin_only=True))
    return _providers().none()


def _providers() -> QuerySet:
    from providers.models import Provider

    return Provider.objects.all()


def _connected_account_model() -> type[Model]:
    from portal.payments.models import ConnectedAccount

    return ConnectedAccount
