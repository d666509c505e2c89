"""Retention: a learner's personal data are anonymised some time after their case was closed.

What stays is what the region needs for its figures (municipality, target group, route, the law's
dates, the year of birth); the name, the full date of birth and the municipal client number go.
The period is ``settings.LEARNER_RETENTION_DAYS``; ``manage.py learners_anonymise`` runs it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.db.models import QuerySet

from contracts import audit
from contracts.models import AuditEntry, Learner

ANONYMISED_FIELDS = ("first_name", "last_name", "date_of_birth", "client_number")
BATCH_SIZE = 500


def learners_due_for_anonymising(
    *, now: datetime.datetime, older_than_days: int
) -> QuerySet[Learner]:
    """Cases closed more than ``older_than_days`` before ``now`` and not anonymised yet."""
    cutoff = now - datetime.timedelta(days=older_than_days)
    return Learner.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True)


def learner_anonymise_values(*, learner: Learner) -> None:
    """Replace the personal data on the (unsaved) learner with neutral values."""
    learner.first_name = "—"
    learner.last_name = f"#{learner.pk}"
    learner.date_of_birth = learner.date_of_birth.replace(month=1, day=1)
    learner.client_number = ""


def learners_anonymise(
    *,
    now: datetime.datetime,
    older_than_days: int,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Anonymise every learner due (see ``learners_due_for_anonymising``); returns how many.

    Works in batches, each its own transaction, so a long run holds no long lock and a stopped
    run resumes where it stopped. Each learner gets an ``ANONYMISE`` audit entry (no actor: the
    system). ``dry_run`` only counts. ``progress`` is called with the running total per batch.
    """
    due = learners_due_for_anonymising(now=now, older_than_days=older_than_days)
    if dry_run:
        return due.count()
    done = 0
    what = audit.audit_what(fields=ANONYMISED_FIELDS)
    while True:
        with transaction.atomic():
            # Locked and re-checked inside the transaction: a case reopened meanwhile is skipped.
            batch = list(due.order_by("pk").select_for_update()[:batch_size])
            if not batch:
                break
            for learner in batch:
                learner_anonymise_values(learner=learner)
                learner.anonymised_at = now
                learner.updated_at = now
            Learner.objects.bulk_update(batch, [*ANONYMISED_FIELDS, "anonymised_at", "updated_at"])
            AuditEntry.objects.bulk_create(
                AuditEntry(
                    actor=None, learner=learner, action=AuditEntry.Action.ANONYMISE, what=what
                )
                for learner in batch
            )
        done += len(batch)
        if progress is not None:
            progress(done)
    return done
