"""The permission matrix: every role against every object type and action, including another
provider's objects. ``VIEW`` is seeing an object in a workspace; without one, the catalogue."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from contracts.models import AuditEntry, Contract, Learner, Lot, Referral, ReferralState
from portal import permissions
from portal.accounts.models import Role
from portal.enrolments.models import WaitingListEntry
from portal.permissions import Action
from providers.models import Offering, ProviderMembership
from tests.contracts.factories import (
    ContractFactory,
    LearnerFactory,
    LotFactory,
    MunicipalityFactory,
)
from tests.enrolments.factories import connected_account, held_enrolment
from tests.portal.factories import UserFactory, provider_staff
from tests.providers.factories import (
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db

V, C, D, P, INV, M = (
    Action.VIEW,
    Action.CHANGE,
    Action.DELETE,
    Action.PUBLISH,
    Action.INVITE,
    Action.IMPORT,
)
ACTIONS = (V, C, D, P, INV, M)
PUBLIC = {
    "provider_a": {V},
    "provider_b": {V},
    "offering_a": {V},
    "offering_a_draft": set(),
    "offering_b": {V},
    "location_a": {V},
    "location_b": {V},
    "moment_a": {V},
    "moment_b": {V},
    "membership_a": set(),
    "membership_b": set(),
    # Learners' enrolments and the providers' payment accounts are nobody's public business.
    "enrolment_a": set(),
    "enrolment_b": set(),
    "waiting_a": set(),
    "waiting_b": set(),
    "account_a": set(),
    "account_b": set(),
    # Contracts and lots are the region's business: not public.
    "contract_a": set(),
    "lot_a": set(),
    # Learners' cases and the audit log are nobody's public business either.
    "learner_a": set(),
    "learner_b": set(),
    "audit_a": set(),
    # Referrals hold learner data: nobody's public business.
    "referral_draft_a": set(),
    "referral_sent_a": set(),
}
# The matrix's learner owns enrolment_a and waiting_a (provider A); another learner the _b ones.
LEARNER = PUBLIC | {
    "enrolment_a": {V, C},
    "waiting_a": {V, C},
}
EVERYTHING = {
    "provider_a": {V, C, D, INV, M},
    "provider_b": {V, C, D, INV, M},
    "offering_a": {V, C, D, P},
    "offering_a_draft": {V, C, D, P},
    "offering_b": {V, C, D, P},
    "location_a": {V, C, D},
    "location_b": {V, C, D},
    "moment_a": {V, C, D},
    "moment_b": {V, C, D},
    "membership_a": {V, C, D},
    "membership_b": {V, C, D},
    # Contract managers look on: enrolments, waiting lists and payment accounts are read only.
    "enrolment_a": {V},
    "enrolment_b": {V},
    "waiting_a": {V},
    "waiting_b": {V},
    "account_a": {V},
    "account_b": {V},
    # Contract managers keep the contracts and their lots.
    "contract_a": {V, C, D},
    "lot_a": {V, C, D},
    # They look on at every municipality's learners and read the audit log.
    "learner_a": {V},
    "learner_b": {V},
    "audit_a": {V},
    # They follow every referral and may send one over capacity (CHANGE).
    "referral_draft_a": {V, C},
    "referral_sent_a": {V, C},
}
# A superuser may do what any role may (``permissions._SUPERUSER``): the learners' CHANGE on
# enrolments and waiting-list entries, a provider administrator's CHANGE on its payment account.
SUPERUSER = EVERYTHING | {
    "enrolment_a": {V, C},
    "enrolment_b": {V, C},
    "waiting_a": {V, C},
    "waiting_b": {V, C},
    "account_a": {V, C},
    "account_b": {V, C},
    # A klantmanager's CHANGE on learners.
    "learner_a": {V, C},
    "learner_b": {V, C},
}
PROVIDER_EDITOR = {
    "provider_a": {V, M},
    "provider_b": set(),
    "offering_a": {V, C},  # a course that was ever public is withdrawn, not deleted
    "offering_a_draft": {V, C, D},
    "offering_b": set(),
    "location_a": {V, C, D},
    "location_b": set(),
    "moment_a": {V, C, D},
    "moment_b": set(),
    "membership_a": {V},
    "membership_b": set(),
    "enrolment_a": {V},
    "enrolment_b": set(),
    "waiting_a": {V},
    "waiting_b": set(),
    "account_a": set(),  # the payment account is for the provider's administrators
    "account_b": set(),
    # Not even their own provider's contract: providers see lots through referrals (later).
    "contract_a": set(),
    "lot_a": set(),
    # Providers will see learners only through referrals (later), not here.
    "learner_a": set(),
    "learner_b": set(),
    "audit_a": set(),
    # Referrals to their provider's lots once sent (answer, record the placement); a draft is the
    # klantmanager's own.
    "referral_draft_a": set(),
    "referral_sent_a": {V, C},
}
PROVIDER_ADMIN = PROVIDER_EDITOR | {
    "provider_a": {V, C, INV, M},
    "membership_a": {V, C, D},
    "account_a": {V, C},
}
EXPECTED = {
    "anonymous": PUBLIC,
    "learner": LEARNER,
    # The klantmanager works for municipality A: its learners, no others, no deleting.
    "klantmanager": PUBLIC
    | {"learner_a": {V, C}, "referral_draft_a": {V, C}, "referral_sent_a": {V, C}},
    # A klantmanager not (yet) linked to a municipality works for nobody.
    "klantmanager_nowhere": PUBLIC,
    "auditor": PUBLIC | {"audit_a": {V}},
    "site_editor": PUBLIC,
    "provider_editor": PROVIDER_EDITOR,
    "provider_admin": PROVIDER_ADMIN,
    "contract_manager": EVERYTHING,
    "superuser": SUPERUSER,
}


@pytest.fixture
def world():
    provider_a, provider_b = ProviderFactory(), ProviderFactory()
    location_a = LocationFactory(provider=provider_a)
    location_b = LocationFactory(provider=provider_b, municipality=location_a.municipality)
    # Open to self-paying learners, so that the learners can enrol on their start moments.
    offering_a = OfferingFactory(provider=provider_a, for_gezinsmigranten=True)
    offering_a.save_revision().publish()
    offering_b = OfferingFactory(provider=provider_b, for_gezinsmigranten=True)
    offering_b.save_revision().publish()
    draft = OfferingFactory(provider=provider_a, live=False)
    users = {
        "anonymous": AnonymousUser(),
        "learner": UserFactory(),
        "klantmanager": UserFactory(
            role=Role.CASE_MANAGER, municipality=(municipality_a := MunicipalityFactory())
        ),
        "klantmanager_nowhere": UserFactory(role=Role.CASE_MANAGER),
        "auditor": UserFactory(role=Role.AUDITOR),
        "site_editor": UserFactory(role=Role.SITE_EDITOR),
        "provider_editor": provider_staff(provider_a),
        "provider_admin": provider_staff(provider_a, admin=True),
        "contract_manager": UserFactory(role=Role.CONTRACT_MANAGER),
        "superuser": UserFactory(is_superuser=True),
    }
    moment_a = StartMomentFactory(offering=offering_a, location=location_a)
    moment_b = StartMomentFactory(offering=offering_b, location=location_b)
    # Later start dates of the same courses, where the learners wait for a seat.
    full_a = StartMomentFactory(offering=offering_a, location=location_a, seats=0)
    full_b = StartMomentFactory(offering=offering_b, location=location_b, seats=0)
    other_learner = UserFactory()
    objects = {
        "provider_a": provider_a,
        "provider_b": provider_b,
        "offering_a": Offering.objects.get(pk=offering_a.pk),
        "offering_a_draft": draft,
        "offering_b": offering_b,
        "location_a": location_a,
        "location_b": location_b,
        "moment_a": moment_a,
        "moment_b": moment_b,
        "membership_a": ProviderMembership.objects.get(user=users["provider_editor"]),
        "membership_b": provider_staff(provider_b).provider_memberships.get(),
        "enrolment_a": held_enrolment(moment_a, user=users["learner"]),
        "enrolment_b": held_enrolment(moment_b, user=other_learner),
        "waiting_a": WaitingListEntry.objects.create(user=users["learner"], start_moment=full_a),
        "waiting_b": WaitingListEntry.objects.create(user=other_learner, start_moment=full_b),
        "account_a": connected_account(provider_a),
        "account_b": connected_account(provider_b),
        "contract_a": (contract_a := ContractFactory(provider=provider_a)),
        "lot_a": (lot_a := LotFactory(contract=contract_a)),
        "learner_a": (learner_a := LearnerFactory(municipality=municipality_a)),
        "learner_b": LearnerFactory(municipality=MunicipalityFactory()),
        "audit_a": AuditEntry.objects.create(learner=learner_a, action=AuditEntry.Action.VIEW),
        # Referrals of municipality A's learner to provider A's lot: a draft and a sent one.
        "referral_draft_a": Referral.objects.create(
            learner=learner_a, lot=lot_a, state=ReferralState.DRAFT
        ),
        "referral_sent_a": Referral.objects.create(
            learner=learner_a, lot=lot_a, state=ReferralState.SENT
        ),
    }
    return users, objects


@pytest.mark.parametrize("role", EXPECTED)
def test_every_role_may_do_exactly_what_the_matrix_says(world, role):
    users, objects = world
    user = users[role]
    allowed = {
        name: {action for action in ACTIONS if permissions.can(user, action, obj)}
        for name, obj in objects.items()
    }
    assert allowed == EXPECTED[role]


@pytest.mark.parametrize("role", EXPECTED)
def test_scope_lists_the_same_objects_that_can_allows(world, role):
    users, objects = world
    user = users[role]
    for name, obj in objects.items():
        for action in ACTIONS:
            listed = permissions.scope(user, action, type(obj)._default_manager.all())
            assert listed.filter(pk=obj.pk).exists() == (action in EXPECTED[role][name]), (
                name,
                action,
            )


def test_a_provider_editor_may_create_objects_only_for_their_own_provider(world):
    users, objects = world
    editor = users["provider_editor"]
    assert permissions.can(editor, Action.ADD, Offering(provider=objects["provider_a"]))
    assert not permissions.can(editor, Action.ADD, Offering(provider=objects["provider_b"]))


def test_only_contract_managers_set_the_quality_mark(world):
    users, objects = world
    assert permissions.can(users["contract_manager"], Action.SET_KEURMERK, objects["provider_a"])
    assert not permissions.can(users["provider_admin"], Action.SET_KEURMERK, objects["provider_a"])


def test_an_inactive_account_may_do_nothing_beyond_the_public(world):
    users, objects = world
    manager = users["contract_manager"]
    manager.is_active = False
    assert not permissions.can(manager, Action.CHANGE, objects["offering_a"])
    assert permissions.can(manager, Action.VIEW, objects["offering_a"])
    assert not permissions.can(manager, Action.VIEW, objects["offering_a_draft"])


def test_staff_roles_need_two_factor_and_learners_do_not(world):
    users, _ = world
    needs = {role for role, user in users.items() if permissions.is_staff_member(user)}
    assert needs == {
        "klantmanager",
        "klantmanager_nowhere",
        "auditor",
        "site_editor",
        "provider_editor",
        "provider_admin",
        "contract_manager",
        "superuser",
    }


def test_only_contract_managers_and_superusers_may_add_contracts_and_lots(world):
    users, _ = world
    for model in (Contract, Lot):
        allowed = {
            name for name, user in users.items() if permissions.can_on_model(user, "add", model)
        }
        assert allowed == {"contract_manager", "superuser"}, model


def test_only_klantmanagers_and_superusers_may_add_learners(world):
    users, _ = world
    allowed = {
        name for name, user in users.items() if permissions.can_on_model(user, "add", Learner)
    }
    assert allowed == {"klantmanager", "klantmanager_nowhere", "superuser"}


def test_a_klantmanager_may_register_learners_for_their_own_municipality_only(world):
    users, objects = world
    own = objects["learner_a"].municipality
    other = objects["learner_b"].municipality
    assert permissions.can(users["klantmanager"], Action.ADD, Learner(municipality=own))
    assert not permissions.can(users["klantmanager"], Action.ADD, Learner(municipality=other))
    assert not permissions.can(users["klantmanager_nowhere"], Action.ADD, Learner(municipality=own))
    assert not permissions.can(users["contract_manager"], Action.ADD, Learner(municipality=own))


def test_nobody_adds_changes_or_deletes_audit_entries(world):
    users, objects = world
    for name, user in users.items():
        assert not permissions.can_on_model(user, "add", AuditEntry), name
        for action in (Action.CHANGE, Action.DELETE):
            assert not permissions.can(user, action, objects["audit_a"]), (name, action)


def test_the_auditor_sees_nothing_but_the_audit_log(world):
    users, _ = world
    tables = permissions.ROLE_PERMISSIONS[users["auditor"].role]
    assert tables == {"contracts.auditentry": frozenset({Action.VIEW})}


def test_only_klantmanagers_and_superusers_may_add_referrals(world):
    users, _ = world
    allowed = {
        name for name, user in users.items() if permissions.can_on_model(user, "add", Referral)
    }
    assert allowed == {"klantmanager", "klantmanager_nowhere", "superuser"}


# The named predicates callers ask (``portal.permissions.predicates``): which are true for whom.
# ``_a``/``_b``: asked about municipality A (the klantmanager's) or another one.
STAFF = {"is_staff_member", "may_delete_own_account", "may_edit_site_pages"}
PREDICATES = {
    "anonymous": set(),
    "learner": {"is_learner", "may_delete_own_account"},
    "klantmanager": STAFF
    | {
        "is_klantmanager",
        "works_for_municipality_a",
        "is_municipal_side",
        "dashboard_viewer",
        "sees_own_municipality_only",
        "sees_client_numbers_of_a",
    },
    "klantmanager_nowhere": STAFF
    | {"is_klantmanager", "is_municipal_side", "dashboard_viewer", "sees_own_municipality_only"},
    "auditor": STAFF,
    "site_editor": STAFF,
    "provider_editor": STAFF | {"is_provider_staff", "works_for_a_provider", "is_provider_side"},
    "provider_admin": STAFF | {"is_provider_staff", "works_for_a_provider", "is_provider_side"},
    "contract_manager": STAFF
    | {
        "is_municipal_side",
        "oversees_the_region",
        "dashboard_viewer",
        "looks_after_background_tasks",
    },
    # A superuser's account keeps the default role (learner), and acts for every side; the last
    # way into the admin is not deleted by its owner.
    "superuser": {
        "is_staff_member",
        "is_learner",
        "is_provider_side",
        "is_municipal_side",
        "oversees_the_region",
        "dashboard_viewer",
        "looks_after_background_tasks",
        "sees_client_numbers_of_a",
        "sees_client_numbers_of_b",
        "acts_for_anybody",
        "may_edit_site_pages",
    },
}


def _predicates_true(user, municipality_a: int, municipality_b: int) -> set[str]:
    answers = {
        name: getattr(permissions, name)(user)
        for name in (
            "is_staff_member",
            "is_learner",
            "is_provider_staff",
            "works_for_a_provider",
            "is_klantmanager",
            "is_provider_side",
            "is_municipal_side",
            "oversees_the_region",
            "dashboard_viewer",
            "looks_after_background_tasks",
            "sees_own_municipality_only",
            "may_delete_own_account",
            "may_edit_site_pages",
            "acts_for_anybody",
        )
    }
    for suffix, municipality in (("a", municipality_a), ("b", municipality_b)):
        answers[f"works_for_municipality_{suffix}"] = permissions.works_for_municipality(
            user, municipality
        )
        answers[f"sees_client_numbers_of_{suffix}"] = permissions.sees_client_numbers_of(
            user, municipality
        )
    return {name for name, answer in answers.items() if answer}


@pytest.mark.parametrize("role", PREDICATES)
def test_each_named_predicate_answers_as_the_matrix_says(world, role):
    users, objects = world
    municipality_a = objects["learner_a"].municipality_id
    municipality_b = objects["learner_b"].municipality_id
    assert _predicates_true(users[role], municipality_a, municipality_b) == PREDICATES[role]


def test_provider_staff_without_a_team_work_for_no_provider(world):
    users, _objects = world
    nowhere = UserFactory(role=Role.PROVIDER_STAFF)
    assert permissions.is_provider_staff(nowhere)
    assert not permissions.works_for_a_provider(nowhere)
    assert permissions.works_for_a_provider(users["provider_editor"])


def test_no_municipality_is_nobodys_municipality(world):
    users, _objects = world
    assert not permissions.works_for_municipality(users["klantmanager_nowhere"], None)
    assert not permissions.sees_client_numbers_of(users["klantmanager_nowhere"], None)


def test_an_inactive_account_sees_no_figures_and_no_client_numbers(world):
    users, objects = world
    klantmanager = users["klantmanager"]
    klantmanager.is_active = False
    assert not permissions.dashboard_viewer(klantmanager)
    assert not permissions.sees_client_numbers_of(
        klantmanager, objects["learner_a"].municipality_id
    )


def test_a_klantmanager_account_needs_its_municipality():
    assert permissions.role_needs_municipality(Role.CASE_MANAGER)
    assert not any(
        permissions.role_needs_municipality(role) for role in Role if role != Role.CASE_MANAGER
    )


def test_the_sql_forms_of_the_predicates_choose_the_same_people(world):
    users, _objects = world
    people = [user for user in users.values() if user.is_authenticated]
    inactive = UserFactory(role=Role.CASE_MANAGER, is_active=False, municipality=None)
    people.append(inactive)
    from portal.accounts.models import User

    among = User.objects.filter(pk__in=[u.pk for u in people])
    chosen = set(among.filter(permissions.klantmanagers_q()).values_list("pk", flat=True))
    assert chosen == {u.pk for u in people if permissions.is_klantmanager(u) and u.is_active}
    chosen = set(among.filter(permissions.provider_staff_q()).values_list("pk", flat=True))
    assert chosen == {u.pk for u in people if permissions.is_provider_staff(u) and u.is_active}
    assert inactive.pk not in chosen
