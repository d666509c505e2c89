"""``contracts.audit``: entries name fields, never values, and only contract managers and auditors
read them."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from contracts import audit
from contracts.models import AuditEntry
from portal.accounts.models import Role
from tests.contracts.factories import LearnerFactory
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_entry_records_who_which_learner_and_what():
    learner = LearnerFactory()
    actor = UserFactory(role=Role.CASE_MANAGER, municipality=learner.municipality)
    entry = audit.audit_record(actor=actor, learner=learner, action="view")
    assert (entry.actor, entry.learner, entry.action, entry.what) == (actor, learner, "view", "")
    assert entry.at is not None


def test_an_anonymous_actor_is_recorded_as_the_system():
    entry = audit.audit_record(actor=AnonymousUser(), learner=LearnerFactory(), action="change")
    assert entry.actor is None


def test_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        audit.audit_record(actor=None, learner=LearnerFactory(), action="delete")


def test_what_lists_the_field_names_sorted_once_each():
    assert audit.audit_what(fields=["pip_date", "first_name", "pip_date"]) == "first_name, pip_date"


def test_what_is_cut_to_fit_the_column():
    text = audit.audit_what(fields=[f"field_{n:03d}" for n in range(100)])
    assert len(text) == audit.WHAT_MAX_LENGTH
    assert text.endswith("…")


def test_the_entry_outlives_the_learners_row_but_not_its_personal_data():
    learner = LearnerFactory(first_name="Amal", last_name="Haddad")
    entry = audit.audit_record(actor=None, learner=learner, action="view")
    assert "Amal" not in str(entry) and "Haddad" not in str(entry)


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        (Role.AUDITOR, True),
        (Role.CONTRACT_MANAGER, True),
        (Role.CASE_MANAGER, False),
        (Role.PROVIDER_STAFF, False),
        (Role.SITE_EDITOR, False),
        (Role.LEARNER, False),
    ],
)
def test_only_auditors_and_contract_managers_read_the_log(role, sees):
    learner = LearnerFactory()
    audit.audit_record(actor=None, learner=learner, action="view")
    user = UserFactory(role=role, municipality=learner.municipality)
    assert audit.audit_entries_for(user=user).exists() == sees


def test_reading_the_log_is_one_query(django_assert_num_queries):
    user = UserFactory(role=Role.AUDITOR)
    for _ in range(3):
        audit.audit_record(actor=user, learner=LearnerFactory(), action="view")
    with django_assert_num_queries(1):
        names = [entry.actor.email for entry in audit.audit_entries_for(user=user)]
    assert names == [user.email] * 3
    assert AuditEntry.objects.count() == 3


def test_the_entry_reads_with_its_moment_and_action_in_the_readers_language():
    learner = LearnerFactory()
    entry = audit.audit_record(actor=None, learner=learner, action="view")
    entry.at = datetime.datetime(2027, 1, 31, 23, 30, tzinfo=datetime.UTC)
    with translation.override("en"):
        label = str(AuditEntry.Action("view").label)
        assert str(entry) == f"02/01/2027 12:30 a.m.: {label} ({learner.pk})"
