"""Who may import, and storing a checked file as an ``OfferingImport`` batch.

Promises: only a file that passed ``import_check`` is stored; the batch keeps the cells as read and
the preview that was shown, so that the preview and the apply may be served by different web
processes. Batches live ``import_batch_max_age()`` hours (setting ``IMPORT_BATCH_MAX_AGE_HOURS``,
default 48): older ones, applied or not, are deleted whenever anybody stores a new batch, and by
the ``import_batches_purge`` management command.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from portal.core.tabular.reading import Sheet
from portal.permissions import Action
from providers.imports.checking import ImportCheck
from providers.models import OfferingImport, Provider
from providers.permissions import providers_for

if TYPE_CHECKING:
    from portal.accounts.models import User

DEFAULT_BATCH_MAX_AGE_HOURS = 48


def may_import(*, user: User, provider: Provider) -> bool:
    """May ``user`` import offerings for ``provider`` (its staff, contract managers)?"""
    return providers_for(user, Action.IMPORT).filter(pk=provider.pk).exists()


def import_batch_create(
    *, user: User, provider: Provider, sheet: Sheet, check: ImportCheck
) -> OfferingImport:
    """Store a file that passed ``import_check`` so its uploader can apply it later, and delete
    the batches (of any user) older than ``import_batch_max_age()``."""
    if not check.ok:
        raise ValueError("Only a file without errors can be stored for applying.")
    import_batches_purge()
    return OfferingImport.objects.create(
        user=user,
        provider=provider,
        file_name=sheet.file_name[:255],
        rows=sheet.to_json(),
        summary=check.summary,
    )


def import_batch_max_age() -> datetime.timedelta:
    """How long a stored batch is kept (setting ``IMPORT_BATCH_MAX_AGE_HOURS``, default 48)."""
    hours = getattr(settings, "IMPORT_BATCH_MAX_AGE_HOURS", DEFAULT_BATCH_MAX_AGE_HOURS)
    return datetime.timedelta(hours=hours)


def import_batches_purge(*, max_age: datetime.timedelta | None = None) -> int:
    """Delete the batches, applied or not, stored longer ago than ``max_age`` (by default
    ``import_batch_max_age()``); returns how many. One ``DELETE`` on the ``created_at`` index:
    nothing refers to a batch, so Django deletes without collecting them first.

    A batch's uploader who opens its preview after that gets "not found" and uploads the file
    again; what an applied batch changed stays in the offerings' history."""
    cutoff = timezone.now() - (import_batch_max_age() if max_age is None else max_age)
    deleted, _by_model = OfferingImport.objects.filter(created_at__lt=cutoff).delete()
    return deleted
