"""Who may import, and storing a checked file as an ``OfferingImport`` batch.

Promises: only a file that passed ``import_check`` is stored; the batch keeps the cells as read and
the preview that was shown, so that the preview and the apply may be served by different web
processes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal import permissions
from portal.permissions import Action
from providers.imports.checking import ImportCheck
from providers.imports.reading import Sheet
from providers.models import OfferingImport, Provider

if TYPE_CHECKING:
    from portal.accounts.models import User


def may_import(*, user: User, provider: Provider) -> bool:
    """May ``user`` import offerings for ``provider`` (its staff, contract managers)?"""
    return permissions.providers_for(user, Action.IMPORT).filter(pk=provider.pk).exists()


def import_batch_create(
    *, user: User, provider: Provider, sheet: Sheet, check: ImportCheck
) -> OfferingImport:
    """Store a file that passed ``import_check`` so its uploader can apply it later."""
    if not check.ok:
        raise ValueError("Only a file without errors can be stored for applying.")
    return OfferingImport.objects.create(
        user=user,
        provider=provider,
        file_name=sheet.file_name[:255],
        rows=sheet.to_json(),
        summary=check.summary,
    )
