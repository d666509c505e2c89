"""``contracts.retention`` and ``manage.py learners_anonymise``: closed cases lose their personal
data after the retention period, open ones never, and a dry run changes nothing."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import models
from django.test import override_settings
from django.utils import timezone
from modelcluster.models import get_serializable_data_for_fields
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, Revision

from contracts import retention
from contracts.models import (
    AuditEntry,
    CaseTransfer,
    Learner,
    ProgressReport,
    Referral,
    ReferralTransition,
)
from contracts.retention import learners_anonymise
from tests.contracts.factories import LearnerFactory, LotFactory, MunicipalityFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def _closed(days_ago: int, **fields) -> Learner:
    return LearnerFactory(closed_at=NOW - days_ago * DAY, **fields)


def test_a_case_closed_731_days_ago_is_anonymised():
    learner = _closed(731, first_name="Amal", last_name="Haddad", client_number="KL-1")
    assert learners_anonymise(now=NOW, older_than_days=730) == 1
    learner.refresh_from_db()
    assert (learner.first_name, learner.last_name, learner.client_number) == (
        "—",
        f"#{learner.pk}",
        "",
    )
    assert learner.date_of_birth == datetime.date(1990, 1, 1)
    assert learner.anonymised_at == NOW
    entry = AuditEntry.objects.get(learner=learner)
    assert entry.action == AuditEntry.Action.ANONYMISE
    assert entry.actor is None
    assert entry.what == "client_number, date_of_birth, first_name, last_name"
    assert "Amal" not in entry.what and "Haddad" not in entry.what


def test_a_case_closed_729_days_ago_is_kept():
    learner = _closed(729, first_name="Amal")
    assert learners_anonymise(now=NOW, older_than_days=730) == 0
    learner.refresh_from_db()
    assert learner.first_name == "Amal"
    assert learner.anonymised_at is None


def test_an_open_case_is_never_anonymised():
    learner = LearnerFactory(first_name="Amal")
    assert learners_anonymise(now=NOW, older_than_days=0) == 0
    learner.refresh_from_db()
    assert learner.first_name == "Amal"


def test_an_anonymised_learner_is_skipped():
    learner = _closed(900)
    assert learners_anonymise(now=NOW, older_than_days=730) == 1
    assert learners_anonymise(now=NOW + DAY, older_than_days=730) == 0
    learner.refresh_from_db()
    assert learner.anonymised_at == NOW
    assert AuditEntry.objects.filter(learner=learner).count() == 1


def test_a_dry_run_only_counts():
    learner = _closed(800, first_name="Amal")
    assert learners_anonymise(now=NOW, older_than_days=730, dry_run=True) == 1
    learner.refresh_from_db()
    assert learner.first_name == "Amal"
    assert not AuditEntry.objects.exists()


def test_work_is_done_in_batches_with_progress():
    for _ in range(5):
        _closed(800)
    seen: list[int] = []
    assert learners_anonymise(now=NOW, older_than_days=730, batch_size=2, progress=seen.append) == 5
    assert seen == [2, 4, 5]
    assert Learner.objects.filter(anonymised_at__isnull=True).count() == 0
    assert AuditEntry.objects.filter(action="anonymise").count() == 5


@override_settings(LEARNER_RETENTION_DAYS=730)
def test_the_command_uses_the_setting_and_reports_progress():
    now = timezone.now()
    old = LearnerFactory(closed_at=now - 731 * DAY)
    recent = LearnerFactory(closed_at=now - 729 * DAY)
    out = StringIO()
    call_command("learners_anonymise", stdout=out)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.anonymised_at is not None
    assert recent.anonymised_at is None
    assert "1 learner(s) closed more than 730 days ago anonymised." in out.getvalue()


def test_the_commands_dry_run_changes_nothing():
    learner = LearnerFactory(closed_at=timezone.now() - 1000 * DAY, first_name="Amal")
    out = StringIO()
    call_command("learners_anonymise", "--dry-run", stdout=out)
    learner.refresh_from_db()
    assert learner.first_name == "Amal"
    assert "Dry run: 1 learner(s)" in out.getvalue()
    assert "Nothing was changed." in out.getvalue()


# --- Every copy of the learner's data ---------------------------------------------------------


def _case_with_free_text(learner: Learner) -> Referral:
    """A referral, a state change, a progress report and a hand-over whose text names the learner
    (as klantmanagers and providers do write), made as the portal makes them."""
    name = f"{learner.first_name} {learner.last_name}"
    referral = Referral.objects.create(
        learner=learner,
        lot=LotFactory(),
        note=f"{name} prefers evening classes",
        capacity_override_reason=f"{name} cannot wait",
    )
    ReferralTransition.objects.create(referral=referral, to_state="sent", reason=f"Urgent: {name}")
    ProgressReport.objects.create(referral=referral, reported_on=NOW.date(), summary=f"{name}: A2")
    CaseTransfer.objects.create(
        learner=learner,
        from_municipality=learner.municipality,
        to_municipality=MunicipalityFactory(),
        state=CaseTransfer.State.CANCELLED,
        note=f"{name} moved to Velsen",
    )
    return referral


def test_notes_are_emptied_and_reasons_keep_all_but_the_learners_data():
    learner = _closed(800, first_name="Amal", last_name="Haddad")
    referral = _case_with_free_text(learner)
    recent = _case_with_free_text(_closed(10, first_name="Amal", last_name="Haddad"))
    assert learners_anonymise(now=NOW, older_than_days=730) == 1
    referral.refresh_from_db()
    assert (referral.note, referral.capacity_override_reason) == ("", "— cannot wait")
    assert list(referral.transitions.values_list("to_state", "reason")) == [("sent", "Urgent: —")]
    assert list(referral.progress_reports.values_list("summary", flat=True)) == [""]
    transfer = CaseTransfer.objects.get(learner=learner)
    assert (transfer.state, transfer.note) == (CaseTransfer.State.CANCELLED, "")
    # A case still within its retention period keeps its text.
    recent.refresh_from_db()
    assert recent.note == "Amal Haddad prefers evening classes"
    assert recent.transitions.get().reason == "Urgent: Amal Haddad"
    assert CaseTransfer.objects.get(learner=recent.learner).note == "Amal Haddad moved to Velsen"


def test_wagtails_history_of_the_learner_and_their_referrals_loses_the_name():
    learner = _closed(800, first_name="Amal", last_name="Haddad", client_number="HLM-123")
    referral = _case_with_free_text(learner)
    log(learner, "wagtail.create")
    log(
        learner,
        "wagtail.edit",
        data={"title": {"old": "Amal Hadad", "new": "AMAL HADDAD"}, "client": ["HLM-123"]},
    )
    log(referral, "wagtail.create")
    other = LearnerFactory(first_name="Amal", last_name="Haddad")
    log(other, "wagtail.create")

    learners_anonymise(now=NOW, older_than_days=730)

    entries = ModelLogEntry.objects.filter(object_id=str(learner.pk), content_type__model="learner")
    assert sorted(entries.values_list("action", "label")) == [
        ("wagtail.create", f"— #{learner.pk}"),
        ("wagtail.edit", f"— #{learner.pk}"),
    ]
    # The misspelt old name keeps its first name's place blank too; the facts stay.
    assert entries.get(action="wagtail.edit").data == {
        "title": {"old": "— Hadad", "new": "—"},
        "client": ["—"],
    }
    referral_entry = ModelLogEntry.objects.get(content_type__model="referral")
    assert referral_entry.label == f"— #{learner.pk} → {referral.lot}"
    assert ModelLogEntry.objects.get(object_id=str(other.pk)).label == "Amal Haddad"


def test_a_revision_of_the_learner_is_rewritten_with_the_anonymised_values():
    learner = _closed(800, first_name="Amal", last_name="Haddad", client_number="HLM-123")
    content_type = ContentType.objects.get_for_model(Learner)
    content = get_serializable_data_for_fields(learner) | {"remark": "Amal was born 17-05-1990"}
    revision = Revision.objects.create(
        content_type=content_type,
        base_content_type=content_type,
        object_id=str(learner.pk),
        content=content,
        object_str=str(learner),
    )
    learners_anonymise(now=NOW, older_than_days=730)
    revision.refresh_from_db()
    assert revision.object_str == f"— #{learner.pk}"
    assert revision.content["first_name"] == "—"
    assert revision.content["last_name"] == f"#{learner.pk}"
    assert revision.content["client_number"] == ""
    assert revision.content["date_of_birth"] == "1990-01-01"
    assert revision.content["remark"] == "— was born —"
    assert revision.content["municipality"] == learner.municipality_id


def test_the_date_of_birth_is_known_in_the_ways_people_write_it():
    learner = LearnerFactory.build(
        first_name="Amal", last_name="Haddad", date_of_birth=datetime.date(1987, 3, 4)
    )
    written = retention.learner_identifiers(learner=learner)
    for text in ("1987-03-04", "04-03-1987", "4-3-1987", "4 maart 1987", "4 March 1987"):
        assert text in written
    # Longest first, so that the full name is replaced as one, not as two blanks.
    assert written.index("Amal Haddad") < min(written.index("Amal"), written.index("Haddad"))


def test_a_failure_while_rewriting_the_copies_leaves_the_learner_untouched(monkeypatch):
    learner = _closed(800, first_name="Amal", last_name="Haddad")
    referral = _case_with_free_text(learner)

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(retention, "_wagtail_copies_rewrite", crash)
    with pytest.raises(RuntimeError):
        learners_anonymise(now=NOW, older_than_days=730)
    learner.refresh_from_db()
    referral.refresh_from_db()
    assert (learner.first_name, learner.anonymised_at) == ("Amal", None)
    assert referral.note == "Amal Haddad prefers evening classes"
    assert not AuditEntry.objects.exists()


def _text_fields_of_the_case() -> set[tuple[type[models.Model], str]]:
    """Every free-form text field of a model that points at a learner, directly or through a
    referral: where a klantmanager or provider could write about the person."""
    case_models = {Learner, Referral}
    found = set()
    for model in {Learner, *(f.related_model for f in Learner._meta.related_objects)} | {
        f.related_model for f in Referral._meta.related_objects
    }:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField) and not field.choices:
                found.add((model, field.name))
    assert case_models <= {model for model, _name in found}
    return found


def test_every_text_field_of_a_case_is_anonymised_emptied_or_known_to_hold_codes():
    handled = (
        {(Learner, name) for name in retention.ANONYMISED_FIELDS}
        | {
            (model, name)
            for model, (_path, names) in retention.CASE_FREE_TEXT.items()
            for name in names
        }
        | {(model, name) for model, (_path, name) in retention.CASE_REASONS.items()}
    )
    unhandled = _text_fields_of_the_case() - handled - retention.CASE_CODED_TEXT
    assert unhandled == set(), "add new free-text fields to retention.CASE_FREE_TEXT or REASONS"


# --- The command's arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--older-than-days", "0"], "--older-than-days: must be at least 1 (got 0)"),
        (["--older-than-days", "-1"], "--older-than-days: must be at least 1 (got -1)"),
        (["--older-than-days", "abc"], "--older-than-days: 'abc' is not a whole number"),
        (["--older-than-days", "1_000"], "'1_000' is not a whole number"),
        (["--older-than-days", "99999999999"], "must be at most 36,525"),
        (["--batch-size", "0"], "--batch-size: must be at least 1 (got 0)"),
        (["--batch-size", "100000"], "--batch-size: must be at most 5,000"),
    ],
)
def test_the_command_refuses_bad_arguments_and_changes_nothing(arguments, message):
    learner = _closed_long_ago()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("learners_anonymise", *arguments)
    learner.refresh_from_db()
    assert learner.anonymised_at is None


@override_settings(LEARNER_RETENTION_DAYS=0)
def test_the_command_refuses_a_retention_period_below_a_day():
    learner = _closed_long_ago()
    with pytest.raises(CommandError, match="LEARNER_RETENTION_DAYS must be from 1 to 36,525"):
        call_command("learners_anonymise")
    learner.refresh_from_db()
    assert learner.anonymised_at is None


def _closed_long_ago() -> Learner:
    return LearnerFactory(closed_at=timezone.now() - 1000 * DAY, first_name="Amal")
