"""Retention: a learner's personal data are anonymised some time after their case was closed.

What stays is what the region needs for its figures (municipality, target group, route, the law's
dates, the year of birth) and the audit facts (who read or changed which learner, when, which
fields: ``AuditEntry`` rows hold no personal data). What goes is every copy of the person:

* on the learner: the name, the full date of birth and the municipal client number;
* the free text written about the person (``CASE_FREE_TEXT``: notes for the provider and the
  receiving klantmanager, progress reports), emptied in full, since a name in free text may be
  misspelt, shortened or a nickname;
* the learner's advice on courses (``contracts.advising``): its note and the address it went
  to are emptied with the free text, and it is unbound from the learner's account
  (``CASE_ACCOUNT_LINKS``: the account is the person's own; its tie to the case is not);
* the reasons recorded with the case's audited decisions (``CASE_REASONS``: a referral's state
  changes, going over a lot's capacity): the decision and its reason are audit facts and stay,
  but the ways the learner's data are written (``learner_identifiers``) are replaced in them;
* Wagtail's copies of the learner, their referrals and hand-overs: history entries
  (``ModelLogEntry.label`` is the object's title as it was, ``data`` may quote it), revisions
  (``object_str`` and ``content``) and search-index entries. Titles and indexes are written again
  from the anonymised objects; any other text there is searched for the ways the learner's data
  are written (``learner_identifiers``) and those are replaced.

The reference index holds ids and field paths only, and sessions hold no learner data (Django's
messages, which name the learner, go in a cookie); ``tests/contracts/test_anonymise_scan.py``
searches every text column of the database, and the decoded sessions, to keep it so.

The period is ``settings.LEARNER_RETENTION_DAYS``; ``manage.py learners_anonymise`` runs it, one
transaction per batch of learners, so a stopped run leaves each learner either wholly anonymised
or untouched.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.formats import date_format
from modelcluster.models import get_serializable_data_for_fields
from wagtail.log_actions import registry as log_registry
from wagtail.models import Revision
from wagtail.search import index

from contracts import audit
from contracts.models import (
    Advice,
    AuditEntry,
    CaseTransfer,
    ExamResult,
    Learner,
    ProgressReport,
    Referral,
    ReferralTransition,
)

ANONYMISED_FIELDS = ("first_name", "last_name", "date_of_birth", "client_number")
ANONYMISED_TEXT = "—"
BATCH_SIZE = 500
BATCH_SIZE_MAX = 5_000
"""Keeps a batch's ``IN (…)`` lists well within SQLite's and PostgreSQL's limits."""
RETENTION_DAYS_MAX = 36_525
"""A hundred years: beyond it the cut-off date would leave the calendar (``OverflowError``)."""

CASE_FREE_TEXT: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    Referral: ("learner", ("note",)),
    ProgressReport: ("referral__learner", ("summary",)),
    CaseTransfer: ("learner", ("note",)),
    # The address is no free text, but it names the person as surely.
    Advice: ("learner", ("note", "email")),
}
"""Free text written about the person: model → (path to the learner, fields emptied)."""

CASE_ACCOUNT_LINKS: dict[type[models.Model], tuple[str, str]] = {
    Advice: ("learner", "user"),
}
"""Ties between the case and the person's own account: model → (path to the learner, the
account's field), emptied."""

CASE_REASONS: dict[type[models.Model], tuple[str, str]] = {
    Referral: ("learner_id", "capacity_override_reason"),
    ReferralTransition: ("referral__learner_id", "reason"),
}
"""Reasons of audited decisions: model → (path to the learner's id, field whose identifiers are
replaced)."""

CASE_CODED_TEXT = {
    (AuditEntry, "what"),  # field names and codes, written by the portal (``contracts.audit``)
    (ProgressReport, "level_reached"),  # a CEFR level: "A2", "B1"
    (ExamResult, "level"),
}
"""Text columns of a case that hold codes, not words about the person: kept."""


def learners_due_for_anonymising(
    *, now: datetime.datetime, older_than_days: int
) -> QuerySet[Learner]:
    """Cases closed more than ``older_than_days`` before ``now`` and not anonymised yet."""
    cutoff = now - datetime.timedelta(days=older_than_days)
    return Learner.objects.filter(closed_at__lt=cutoff, anonymised_at__isnull=True)


def learner_anonymise_values(*, learner: Learner) -> None:
    """Replace the personal data on the (unsaved) learner with neutral values."""
    learner.first_name = ANONYMISED_TEXT
    learner.last_name = f"#{learner.pk}"
    learner.date_of_birth = learner.date_of_birth.replace(month=1, day=1)
    learner.client_number = ""


def learner_identifiers(*, learner: Learner) -> list[str]:
    """The ways the learner's personal data get written (the name, the client number, the date of
    birth in ISO and as people write it in each language of the site), longest first: what is
    searched for in copies whose shape the portal does not control."""
    born = learner.date_of_birth
    texts = {
        learner.first_name,
        learner.last_name,
        f"{learner.first_name} {learner.last_name}",
        learner.client_number,
        born.isoformat(),
        f"{born:%d-%m-%Y}",
        f"{born.day}-{born.month}-{born.year}",
        f"{born:%d/%m/%Y}",
        f"{born.day}/{born.month}/{born.year}",
        f"{born:%d.%m.%Y}",
    }
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            texts.add(date_format(born, "j F Y"))
            texts.add(date_format(born, "F j, Y"))
            texts.add(date_format(born, "DATE_FORMAT"))
            texts.add(date_format(born, "SHORT_DATE_FORMAT"))
    # A one-letter name would blank every word with that letter; it identifies nobody alone.
    return sorted((text for text in texts if len(text.strip()) >= 2), key=len, reverse=True)


def _identifiers_pattern(identifiers: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(text.strip()) for text in identifiers)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _redact(value: Any, pattern: re.Pattern[str]) -> Any:
    """``value`` (JSON: strings, lists, objects) with every identifier replaced."""
    if isinstance(value, str):
        return pattern.sub(ANONYMISED_TEXT, value)
    if isinstance(value, list):
        return [_redact(item, pattern) for item in value]
    if isinstance(value, dict):
        return {key: _redact(item, pattern) for key, item in value.items()}
    return value


def _case_free_text_empty(learner_ids: list[int]) -> None:
    for model, (learner_path, fields) in CASE_FREE_TEXT.items():
        model.objects.filter(**{f"{learner_path}__in": learner_ids}).update(
            **dict.fromkeys(fields, "")
        )


def _case_reasons_redact(patterns: dict[int, re.Pattern[str]]) -> None:
    for model, (learner_path, field) in CASE_REASONS.items():
        rows = (
            model.objects.filter(**{f"{learner_path}__in": list(patterns)})
            .exclude(**{field: ""})
            .annotate(case_learner_id=models.F(learner_path))
            .only("pk", field)
        )
        changed = []
        for row in rows:
            text = getattr(row, field)
            redacted = _redact(text, patterns[row.case_learner_id])
            if redacted != text:
                setattr(row, field, redacted)
                changed.append(row)
        model.objects.bulk_update(changed, [field])


def _case_objects(learners: list[Learner]) -> list[models.Model]:
    """The learner and the rows of their case that Wagtail may keep history, revisions or an
    index of, read after the anonymisation so that their titles no longer name the learner."""
    ids = [learner.pk for learner in learners]
    return [
        *learners,
        *Referral.objects.filter(learner_id__in=ids).select_related("learner", "lot__contract"),
        *CaseTransfer.objects.filter(learner_id__in=ids),
    ]


def _learner_id(obj: models.Model) -> int:
    return obj.pk if isinstance(obj, Learner) else obj.learner_id


def _personal_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields of ``model`` that anonymising rewrites (copied as they are now into revisions)."""
    if model is Learner:
        return ANONYMISED_FIELDS
    fields = CASE_FREE_TEXT.get(model, ("", ()))[1]
    if model in CASE_REASONS:
        fields = (*fields, CASE_REASONS[model][1])
    return fields


def _wagtail_copies_rewrite(
    objects: list[models.Model], patterns: dict[int, re.Pattern[str]]
) -> None:
    """Wagtail's history entries and revisions of ``objects`` without the learner's data, and
    their search-index entries written again."""
    by_model: dict[type[models.Model], dict[str, models.Model]] = {}
    for obj in objects:
        by_model.setdefault(type(obj), {})[str(obj.pk)] = obj
    for model, by_id in by_model.items():
        log_model = log_registry.get_log_model_for_model(model)
        if log_model is not None and any(f.name == "object_id" for f in log_model._meta.fields):
            entries = list(
                log_model.objects.filter(
                    content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
                    object_id__in=list(by_id),
                )
            )
            for entry in entries:
                obj = by_id[entry.object_id]
                entry.label = log_model.objects.get_instance_title(obj)
                entry.data = _redact(entry.data, patterns[_learner_id(obj)])
            log_model.objects.bulk_update(entries, ["label", "data"])

        revisions = list(
            Revision.objects.filter(
                base_content_type=ContentType.objects.get_for_model(model),
                object_id__in=list(by_id),
            )
        )
        for revision in revisions:
            obj = by_id[revision.object_id]
            content = _redact(revision.content, patterns[_learner_id(obj)])
            if isinstance(content, dict):
                # The anonymised values, serialised as a revision holds them (not "—" for a date).
                current = get_serializable_data_for_fields(obj)
                for field in _personal_fields(model):
                    if field in content:
                        content[field] = current[field]
            revision.content = content
            revision.object_str = str(obj)
        Revision.objects.bulk_update(revisions, ["content", "object_str"])

        if index.class_is_indexed(model):
            for obj in by_id.values():
                index.insert_or_update_object(obj)


def learners_anonymise(
    *,
    now: datetime.datetime,
    older_than_days: int,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Anonymise every learner due (see ``learners_due_for_anonymising``) and every copy of their
    personal data (see the module's docstring); returns how many learners.

    Works in batches, each its own transaction, so a long run holds no long lock, a stopped run
    resumes where it stopped, and a failure leaves no learner half anonymised. Each learner gets
    an ``ANONYMISE`` audit entry (no actor: the system). ``dry_run`` only counts. ``progress`` is
    called with the running total per batch.
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
            patterns = {}
            for learner in batch:
                patterns[learner.pk] = _identifiers_pattern(learner_identifiers(learner=learner))
                learner_anonymise_values(learner=learner)
                learner.anonymised_at = now
                learner.updated_at = now
            Learner.objects.bulk_update(batch, [*ANONYMISED_FIELDS, "anonymised_at", "updated_at"])
            _case_free_text_empty([learner.pk for learner in batch])
            for model, (learner_path, field) in CASE_ACCOUNT_LINKS.items():
                model.objects.filter(**{f"{learner_path}__in": batch}).update(**{field: None})
            _case_reasons_redact(patterns)
            _wagtail_copies_rewrite(_case_objects(batch), patterns)
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
