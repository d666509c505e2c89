"""Who may see or do what on which object: the one place that decides.

Views, the Wagtail admin (through ``portal.permissions.wagtail``) and the API all ask this package.
It answers three questions:

* ``can(user, action, obj)``: may this user do this to this object?
* ``scope(user, action, queryset)``: which of these objects may the user do it to? Listings filter
  with it, and object URLs look the object up through it, so a guessed id of somebody else's object
  is a 404 that tells nothing. ``VIEW`` means seeing an object in a workspace (the admin, the staff
  area); people without a workspace role see what ``public_scope`` lets everybody see.
* ``public_scope(queryset)``: the published catalogue, the same for everybody (public pages, API).

The role table ``ROLE_PERMISSIONS`` (``engine``) says what each role may do at all. Which objects
a person works for (their provider, their municipality, themselves) each domain app states for its
own models in its ``permissions`` module (``registry.ObjectRules``), so this package imports no
domain app. The questions callers ask about a person's role are the named ``predicates``. The
Django groups that Wagtail needs are derived from the same table by
``portal.accounts.roles.role_groups_sync``.
"""

from portal.permissions.engine import (
    REASONS_SHOWN,
    ROLE_PERMISSIONS,
    Action,
    can,
    can_on_model,
    delete_refusals,
    is_staff_member,
    model_key,
    provider_ids,
    public_scope,
    role_actions,
    scope,
    sees_everything,
)
from portal.permissions.predicates import (
    acts_for_anybody,
    dashboard_viewer,
    is_klantmanager,
    is_learner,
    is_municipal_side,
    is_provider_side,
    is_provider_staff,
    klantmanagers_q,
    looks_after_background_tasks,
    may_delete_own_account,
    may_edit_site_pages,
    oversees_the_region,
    provider_staff_q,
    role_needs_municipality,
    sees_client_numbers_of,
    sees_own_municipality_only,
    works_for_a_provider,
    works_for_municipality,
)
from portal.permissions.registry import ObjectRules, memberships_register, rules_register
from portal.permissions.roles import STAFF_ROLES, Role

__all__ = [
    "REASONS_SHOWN",
    "ROLE_PERMISSIONS",
    "STAFF_ROLES",
    "Action",
    "ObjectRules",
    "Role",
    "acts_for_anybody",
    "can",
    "can_on_model",
    "dashboard_viewer",
    "delete_refusals",
    "is_klantmanager",
    "is_learner",
    "is_municipal_side",
    "is_provider_side",
    "is_provider_staff",
    "is_staff_member",
    "klantmanagers_q",
    "looks_after_background_tasks",
    "may_delete_own_account",
    "may_edit_site_pages",
    "memberships_register",
    "model_key",
    "oversees_the_region",
    "provider_ids",
    "provider_staff_q",
    "public_scope",
    "role_actions",
    "role_needs_municipality",
    "rules_register",
    "scope",
    "sees_client_numbers_of",
    "sees_everything",
    "sees_own_municipality_only",
    "works_for_a_provider",
    "works_for_municipality",
]
