"""Applying a stored batch to the catalogue: ``import_apply``, all or nothing.

Promises: the batch's rows are checked again against the catalogue as it is now and the apply is
refused (``ImportRefused``, nothing changed) if that outcome differs from the preview; otherwise
everything is written in one transaction, with bulk writes that leave offerings as Wagtail's
``save_revision``/``publish``/``Workflow.start`` would (revisions, history, search index,
reference index, signals). Start moments are written directly; ``seats_taken`` never is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import ReferenceIndex, Revision
from wagtail.search.backends import get_search_backends
from wagtail.signal_handlers import disable_reference_index_auto_update
from wagtail.signals import published

from portal import permissions
from portal.core import pagecache
from portal.core.tabular.reading import Sheet
from portal.permissions import Action
from providers.imports.batches import may_import
from providers.imports.bulk import history_write, update_each
from providers.imports.checking import CHANGED, NEW, OfferingPlan, import_check
from providers.imports.submitting import workflows_start
from providers.models import (
    Language,
    Location,
    Offering,
    OfferingImport,
    OfferingTranslation,
    Provider,
    StartMoment,
)
from providers.offerings import OFFERING_TEXT_FIELDS

if TYPE_CHECKING:
    from portal.accounts.models import User


class ImportRefused(Exception):
    """Applying a checked file was refused; nothing was changed. ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def import_apply(*, batch: OfferingImport, user: User) -> dict[str, int]:
    """Apply a stored batch in one transaction, or change nothing and raise ``ImportRefused``.

    The rows are checked again against the catalogue as it is now (locked against concurrent
    writers on PostgreSQL); if that finds errors or a different outcome than the preview the user
    saw, the apply is refused. Offerings: a new revision per new or changed offering, published at
    once when the user may publish, otherwise submitted to the offering workflow (or left for the
    workflow already in progress). Start moments are created and updated directly; ``seats_taken``
    is never written. Returns the counts of what was written.
    """
    if batch.user_id != user.pk:
        raise ImportRefused(_("Only the person who uploaded the file can apply it."))
    try:
        with transaction.atomic():
            claimed = OfferingImport.objects.filter(
                pk=batch.pk, status=OfferingImport.Status.PENDING
            ).update(status=OfferingImport.Status.APPLIED, applied_at=timezone.now())
            if not claimed:
                raise ImportRefused(_("This file has already been applied."))
            if not may_import(user=user, provider=batch.provider):
                raise ImportRefused(
                    _("You can no longer import offerings for %(provider)s.")
                    % {"provider": batch.provider.name}
                )
            sheet = Sheet.from_json(file_name=batch.file_name, rows=batch.rows)
            check = import_check(provider=batch.provider, user=user, sheet=sheet, lock=True)
            if not check.ok or _outcome(check.summary) != _outcome(batch.summary):
                raise ImportRefused(
                    _(
                        "The catalogue has changed since you checked this file, so it would no "
                        "longer do what the preview showed. Nothing was changed. Upload the file "
                        "again to see what it would do now."
                    )
                )
            result = _write(check.plan, user=user, provider=batch.provider)
            OfferingImport.objects.filter(pk=batch.pk).update(result=result)
            transaction.on_commit(pagecache.catalogue_changed)
    except IntegrityError:
        raise ImportRefused(
            _(
                "The catalogue changed while the file was being applied. Nothing was changed. "
                "Upload the file again to see what it would do now."
            )
        ) from None
    batch.refresh_from_db()
    return result


def _outcome(summary: dict) -> dict:
    return {key: summary.get(key) for key in ("counts", "offerings")}


def _write(plan: list[OfferingPlan], *, user: User, provider: Provider) -> dict[str, int]:
    may_publish = permissions.can_on_model(user, Action.PUBLISH, Offering)
    needed_languages = {code for p in plan for code in p.language_codes}
    languages = {lang.code: lang for lang in Language.objects.filter(code__in=needed_languages)}
    locations = Location.objects.in_bulk({pk for p in plan for pk in p.location_ids})
    new = [p for p in plan if p.status == NEW]
    changed = [p for p in plan if p.status == CHANGED]
    for offering_plan in new + changed:
        instance = offering_plan.instance
        instance.support_languages.set([languages[c] for c in offering_plan.language_codes])
        instance.locations.set([locations[pk] for pk in offering_plan.location_ids])
        # In memory, so the revision holds them (and Wagtail's own publish writes them).
        instance.translations = [
            OfferingTranslation(language=language, **texts)
            for language, texts in offering_plan.translations.items()
        ]

    # The reference index ("usage" in the admin) is written once per new offering at the end
    # instead of after every save. An import never changes what an existing offering refers to
    # (its provider, its description's links), so changed offerings keep their entries.
    with disable_reference_index_auto_update():
        _offerings_create(new, user=user, may_publish=may_publish)
        revisions = _offerings_revise(changed, user=user)
        if may_publish:
            now = timezone.now()
            together = [(p, r) for p, r in zip(changed, revisions, strict=True) if _plain(p, now)]
            _offerings_publish(together, user=user)
            for offering_plan, revision in zip(changed, revisions, strict=True):
                if not _plain(offering_plan, now):
                    # Wagtail's own publish cancels the running workflow or schedules the revision.
                    revision.publish(user=user)
        submitted = (
            0 if may_publish else workflows_start(new + changed, user=user, provider=provider)
        )
        _reference_index_create([offering_plan.instance for offering_plan in new])

    created_moments, changed_moments = _start_moments_write(plan)
    return {
        "offerings_created": len(new),
        "offerings_changed": len(changed),
        "offerings_published": len(new) + len(changed) if may_publish else 0,
        "offerings_submitted": submitted,
        "start_moments_created": created_moments,
        "start_moments_changed": changed_moments,
    }


def _offerings_create(plans: list[OfferingPlan], *, user: User, may_publish: bool) -> None:
    """Write new offerings as Wagtail's create action (and publishing, for ``may_publish``) leaves
    them, in bulk: the row (with its locations and support languages), its first revision, the
    history entries ``wagtail.create`` (and ``wagtail.publish``), the search index and the
    ``published`` signal.

    Why not ``save()`` + ``save_revision()`` + ``publish()`` per offering: that is three saves, each
    re-indexing the offering for search, about 70 ms an offering on a 2-core machine, so a file
    with 1,000 new offerings would take over a minute. ``test_imports`` checks the outcome
    against Wagtail's own (revision, history, search, reference index, approval).
    """
    if not plans:
        return
    offerings = [plan.instance for plan in plans]
    for offering in offerings:
        # As CreateAction saves them before the first revision.
        offering.live = False
        offering.has_unpublished_changes = False
    Offering.objects.bulk_create(offerings, batch_size=500)
    location_link = Offering.locations.through
    language_link = Offering.support_languages.through
    location_link.objects.bulk_create(
        [
            location_link(offering_id=offering.pk, location_id=location.pk)
            for offering in offerings
            for location in offering.locations.all()
        ],
        batch_size=1000,
    )
    language_link.objects.bulk_create(
        [
            language_link(offering_id=offering.pk, language_id=language.pk)
            for offering in offerings
            for language in offering.support_languages.all()
        ],
        batch_size=1000,
    )
    _translations_sync(offerings)
    revisions = _revisions_create(offerings, user=user)
    now = revisions[0].created_at
    for offering, revision in zip(offerings, revisions, strict=True):
        offering.latest_revision = revision
        offering.has_unpublished_changes = not may_publish
        if may_publish:
            offering.live = True
            offering.live_revision = revision
            offering.first_published_at = offering.last_published_at = now
    # One UPDATE for all (bulk_update's CASE per row grows with the square of the batch).
    content_type = ContentType.objects.get_for_model(Offering)
    first_revision = Subquery(
        Revision.objects.filter(
            base_content_type=content_type,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
        )
        .order_by("pk")
        .values("pk")[:1]
    )
    Offering.objects.filter(pk__in=[offering.pk for offering in offerings]).update(
        latest_revision=first_revision,
        has_unpublished_changes=not may_publish,
        live=may_publish,
        live_revision=first_revision if may_publish else None,
        first_published_at=now if may_publish else None,
        last_published_at=now if may_publish else None,
    )
    actions = ["wagtail.create", "wagtail.publish"] if may_publish else ["wagtail.create"]
    history_write(
        [
            (offering, revision, action, {})
            for offering, revision in zip(offerings, revisions, strict=True)
            for action in actions
        ],
        user=user,
        timestamp=now,
    )
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(Offering, offerings)
    if may_publish:
        for offering, revision in zip(offerings, revisions, strict=True):
            published.send(sender=Offering, instance=offering, revision=revision)


def _plain(plan: OfferingPlan, now: datetime.datetime) -> bool:
    """Can this changed offering be published together with others: no workflow to cancel and no
    publication date in the future?"""
    go_live_at = plan.instance.go_live_at
    return plan.current.workflow_status is None and not (go_live_at and go_live_at > now)


def _revisions_create(offerings: Sequence[Offering], *, user: User) -> list[Revision]:
    """One revision of each offering's current content, written as ``save_revision`` writes it."""
    content_type = ContentType.objects.get_for_model(Offering)
    now = timezone.now()
    return Revision.objects.bulk_create(
        [
            Revision(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                user=user,
                created_at=now,
                content=offering.serializable_data(),
                object_str=str(offering),
            )
            for offering in offerings
        ],
        batch_size=500,
    )


def _offerings_revise(plans: list[OfferingPlan], *, user: User) -> list[Revision]:
    """A new revision of each changed offering, as ``save_revision(log_action=True)`` writes it:
    the revision, the row's ``latest_revision`` and ``has_unpublished_changes`` (nothing else of
    the row changes, so what is public stays as it is), and a ``wagtail.edit`` history entry."""
    if not plans:
        return []
    offerings = [plan.instance for plan in plans]
    revisions = _revisions_create(offerings, user=user)
    now = revisions[0].created_at
    for offering, revision in zip(offerings, revisions, strict=True):
        offering.latest_revision = revision
        offering.has_unpublished_changes = True
    update_each(Offering, offerings, ["latest_revision", "has_unpublished_changes"])
    history_write(
        [
            (offering, revision, "wagtail.edit", {})
            for offering, revision in zip(offerings, revisions, strict=True)
        ],
        user=user,
        timestamp=now,
    )
    return revisions


def _offerings_publish(revised: list[tuple[OfferingPlan, Revision]], *, user: User) -> None:
    """Publish the new revisions of changed offerings as ``Revision.publish`` does, in bulk: the
    row takes the revision's content (with its locations and support languages) and becomes live,
    older revisions lose a scheduled date, the history gets ``wagtail.rename`` (when the title
    changed) and ``wagtail.publish``, the search index is updated and ``published`` is sent.

    Offerings with a running workflow (publishing cancels it) or a future publication date are
    left to Wagtail's own publish by the caller.
    """
    if not revised:
        return
    now = timezone.now()
    offerings = [plan.instance for plan, _revision in revised]
    history = []
    for plan, revision in revised:
        offering = plan.instance
        live_title = plan.current.offering.title
        data = {}
        # As Wagtail: a rename is logged against the title before, if there was a revision before.
        if plan.current.offering.latest_revision_id and live_title != str(offering):
            data = {"title": {"old": live_title, "new": str(offering)}}
            history.append((offering, revision, "wagtail.rename", data))
        history.append((offering, revision, "wagtail.publish", data))
        offering.live = True
        offering.has_unpublished_changes = False
        offering.expired = False
        offering.live_revision = revision
        offering.last_published_at = now
        offering.first_published_at = offering.first_published_at or now
        offering.updated_at = now
    update_each(
        Offering,
        offerings,
        [f.name for f in Offering._meta.concrete_fields if f.name not in ("id", "created_at")],
    )
    Revision.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Offering),
        object_id__in=[str(offering.pk) for offering in offerings],
        approved_go_live_at__isnull=False,
    ).update(approved_go_live_at=None)
    _links_sync(offerings)
    _translations_sync(offerings)
    history_write(history, user=user, timestamp=now)
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(Offering, offerings)
    for plan, revision in revised:
        published.send(sender=Offering, instance=plan.instance, revision=revision)


def _links_sync(offerings: Sequence[Offering]) -> None:
    """Make the live locations and support languages those the offerings hold in memory."""
    ids = [offering.pk for offering in offerings]
    for relation, target in (("locations", "location_id"), ("support_languages", "language_id")):
        link = getattr(Offering, relation).through
        wanted = {o.pk: {item.pk for item in getattr(o, relation).all()} for o in offerings}
        present: dict[int, set[int]] = defaultdict(set)
        stale = []
        for pk, offering_id, target_id in link.objects.filter(offering_id__in=ids).values_list(
            "pk", "offering_id", target
        ):
            present[offering_id].add(target_id)
            if target_id not in wanted[offering_id]:
                stale.append(pk)
        link.objects.filter(pk__in=stale).delete()
        link.objects.bulk_create(
            [
                link(offering_id=offering_id, **{target: target_id})
                for offering_id, target_ids in wanted.items()
                for target_id in target_ids - present[offering_id]
            ]
        )


def _translations_sync(offerings: Sequence[Offering]) -> None:
    """Make the offerings' rows of ``OfferingTranslation`` those they hold in memory."""
    OfferingTranslation.objects.filter(offering__in=[o.pk for o in offerings]).delete()
    OfferingTranslation.objects.bulk_create(
        [
            OfferingTranslation(
                offering_id=offering.pk,
                language=translation.language,
                **{name: getattr(translation, name) for name in OFFERING_TEXT_FIELDS},
            )
            for offering in offerings
            for translation in offering.translations.all()
        ],
        batch_size=1000,
    )


def _reference_index_create(offerings: Sequence[Offering]) -> None:
    """The reference index entries (the admin's "usage" of locations, languages, providers) of
    offerings that have none yet, in one insert.

    What ``ReferenceIndex.create_or_update_for_object`` writes, without its two queries per
    offering (about 2 ms each, 2 s for 1,000 offerings); it relies on two of that class's
    underscored helpers, which ``test_imports`` checks against the public method.
    """
    content_type = ContentType.objects.get_for_model(Offering)
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=content_type,
                base_content_type=content_type,
                object_id=str(offering.pk),
                to_content_type_id=to_content_type_id,
                to_object_id=to_object_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for offering in offerings
            for to_content_type_id, to_object_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(offering)
            )
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


def _start_moments_write(plan: list[OfferingPlan]) -> tuple[int, int]:
    """Create and update start moments in bulk; ``seats_taken`` is never written."""
    now = timezone.now()
    created, changed = [], []
    for offering_plan in plan:
        for moment_plan in offering_plan.start_moments:
            moment = moment_plan.instance
            if moment_plan.status == NEW:
                current = offering_plan.current
                moment.offering = current.offering if current else offering_plan.instance
                moment.seats_taken = 0
                created.append(moment)
            elif moment_plan.status == CHANGED:
                moment.updated_at = now
                changed.append(moment)
    StartMoment.objects.bulk_create(created, batch_size=500)
    update_each(
        StartMoment,
        changed,
        ["location", "starts_on", "ends_on", "enrolment_deadline", "seats", "updated_at"],
    )
    return len(created), len(changed)
