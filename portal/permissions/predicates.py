"""The named questions about a person that callers ask, answered from their role alone.

Every role check of the project is here (a test looks for others in the source); the object
questions ("may this user do this to that?") are ``can`` and ``scope``. Each predicate is part of
the permission matrix test (``tests/portal/permissions/test_permissions.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from portal.permissions.engine import provider_ids
from portal.permissions.roles import Role

if TYPE_CHECKING:
    from portal.permissions.engine import AnyUser


def _role(user: AnyUser) -> str | None:
    return getattr(user, "role", None) if user.is_authenticated else None


def is_learner(user: AnyUser) -> bool:
    """A learner's account: the one that enrols, pays and keeps a waiting-list place."""
    return _role(user) == Role.LEARNER


def is_provider_staff(user: AnyUser) -> bool:
    """Works for one or more providers (whatever the memberships say)."""
    return _role(user) == Role.PROVIDER_STAFF


def works_for_a_provider(user: AnyUser) -> bool:
    """Provider staff who are a member of at least one provider's team."""
    return is_provider_staff(user) and bool(provider_ids(user))


def is_klantmanager(user: AnyUser) -> bool:
    return _role(user) == Role.CASE_MANAGER


def works_for_municipality(user: AnyUser, municipality_id: int | None) -> bool:
    """A klantmanager of this municipality (and not of "no municipality")."""
    return (
        is_klantmanager(user)
        and municipality_id is not None
        and user.municipality_id == municipality_id
    )


def is_provider_side(user: AnyUser) -> bool:
    """Answers referrals for a provider (superusers may act for any side)."""
    return user.is_superuser or is_provider_staff(user)


def is_municipal_side(user: AnyUser) -> bool:
    """Refers learners for the municipalities: klantmanagers and contract managers."""
    return user.is_superuser or _role(user) in {Role.CASE_MANAGER, Role.CONTRACT_MANAGER}


def oversees_the_region(user: AnyUser) -> bool:
    """Decides for the whole region: contract managers (and superusers). They refer over a
    lot's capacity or past a lapsed quality mark, and act for any municipality."""
    return user.is_superuser or _role(user) == Role.CONTRACT_MANAGER


def looks_after_background_tasks(user: AnyUser) -> bool:
    """May see the background tasks that keep failing, and retry or give them up? Active
    contract managers and superusers: what fails is about the whole region (a learner's e-mail,
    a refund, a provider's summary)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or _role(user) == Role.CONTRACT_MANAGER)
    )


def dashboard_viewer(user: AnyUser) -> bool:
    """May see the contract dashboard and its forecast? Contract managers and superusers see
    every municipality; klantmanagers see theirs only (``sees_own_municipality_only``)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or _role(user) in {Role.CONTRACT_MANAGER, Role.CASE_MANAGER})
    )


def sees_own_municipality_only(user: AnyUser) -> bool:
    """Figures, cases and forms are locked to the user's own municipality (a klantmanager's,
    none at all when they have none); superusers are never locked."""
    return is_klantmanager(user) and not user.is_superuser


def sees_client_numbers_of(user: AnyUser, municipality_id: int | None) -> bool:
    """The municipal client number is for the learner's municipality only: its klantmanagers
    (and superusers), not contract managers or providers."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or works_for_municipality(user, municipality_id)


def role_needs_municipality(role: str | None) -> bool:
    """A klantmanager works for one municipality: their account must name it."""
    return role == Role.CASE_MANAGER


def may_delete_own_account(user: AnyUser) -> bool:
    """A superuser may hold the last way into the admin: it is removed by another superuser."""
    return user.is_authenticated and not user.is_superuser


def may_edit_site_pages(user: AnyUser) -> bool:
    """Could edit the site's pages, so Wagtail's user bar is worth its two permission queries: a
    learner never can (unless also a superuser)."""
    return user.is_authenticated and (user.is_superuser or not is_learner(user))


def acts_for_anybody(user: AnyUser) -> bool:
    """Superusers may act for any provider or municipality (support, corrections)."""
    return bool(user.is_superuser)


# The same questions as filters, for choosing people in SQL (who gets an e-mail, whom a case can
# be given to): ``prefix`` is the path to the user ("staff__" from a municipality).


def klantmanagers_q(prefix: str = "") -> Q:
    """Active klantmanagers (``is_klantmanager``)."""
    return Q(**{f"{prefix}role": Role.CASE_MANAGER, f"{prefix}is_active": True})


def provider_staff_q(prefix: str = "") -> Q:
    """Active provider staff (``is_provider_staff``)."""
    return Q(**{f"{prefix}role": Role.PROVIDER_STAFF, f"{prefix}is_active": True})
