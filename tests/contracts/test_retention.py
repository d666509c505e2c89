"""``contracts.retention`` and ``manage.py learners_anonymise``: closed cases lose their personal
data after the retention period, open ones never, and a dry run changes nothing."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from contracts.models import AuditEntry, Learner
from contracts.retention import learners_anonymise
from tests.contracts.factories import LearnerFactory

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
