"""Spreadsheet import of a provider's offerings and start moments: read, check, compare, apply.

The steps, each a function that promises one thing:

1. ``sheet_read`` (``reading``) turns an uploaded CSV or XLSX file into rows of text cells, or
   refuses the whole file with an ``ImportFileError`` that says what to do (wrong type, not UTF-8,
   missing columns, no rows, or more than the limits allow: bytes, rows, columns, cells, bytes
   unpacked, counted while reading). The general steps (``table_read``, the ``limits``, the
   check of a workbook's parts before openpyxl opens it) are in ``portal.core.tabular``.
   Formulas are never evaluated: a formula cell is a row error.
2. ``import_check`` (``checking``, with ``cells`` and ``catalogue``) validates every row with the
   rules of the admin forms (each offering and start moment is built as a model instance and
   ``full_clean()``-ed, which runs ``providers.offerings.offering_validate`` and
   ``StartMoment.clean``), adds the checks across rows, collects *all* errors as (row, column,
   value, reason), and compares a clean file with the catalogue: every offering and start moment
   is new, changed (which fields, old → new) or unchanged. Offerings compare with their latest
   revision, so a file uploaded again while an approval is pending changes nothing.
3. ``import_batch_create`` (``batches``) stores a clean file as an ``OfferingImport`` so the
   preview survives between requests and web processes.
4. ``import_apply`` (``writing``, with ``submitting`` and ``bulk``) checks the stored rows again
   against the database as it is now, refuses if the outcome differs from the preview, and
   otherwise writes everything in one transaction: offerings through revisions (published at once
   by users who may publish, else submitted to the approval workflow), start moments directly
   (``seats_taken`` is never written).

Rows are matched on the provider's own references (``Offering.reference``,
``StartMoment.reference``). An import never deletes: offerings and start moments that are not in
the file stay as they are.

This package re-exports the names its callers use; the rest lives in the modules named above.
"""

from portal.core.tabular.limits import ImportFileError, SheetLimits
from portal.core.tabular.reading import RowError
from providers.imports.batches import import_batch_create
from providers.imports.catalogue import catalogue_snapshot_load, unreferenced_counts
from providers.imports.checking import CHANGED, NEW, UNCHANGED, import_check
from providers.imports.reading import (
    MAX_ROWS,
    file_too_large_message,
    import_max_bytes,
    offering_limits,
    sheet_read,
)
from providers.imports.writing import ImportRefused, import_apply

__all__ = [
    "CHANGED",
    "MAX_ROWS",
    "NEW",
    "UNCHANGED",
    "ImportFileError",
    "ImportRefused",
    "RowError",
    "SheetLimits",
    "catalogue_snapshot_load",
    "file_too_large_message",
    "import_apply",
    "import_batch_create",
    "import_check",
    "import_max_bytes",
    "offering_limits",
    "sheet_read",
    "unreferenced_counts",
]
