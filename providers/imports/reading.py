"""Reading an uploaded offerings file into a ``Sheet``: text cells by column code, or an
``ImportFileError``.

Promises: ``sheet_read`` takes only ``.csv`` (UTF-8, with or without byte-order mark; comma,
semicolon or tab separated) and ``.xlsx`` (first sheet) files within ``offering_limits()``; any
other file is refused as a whole with a message that says what to do. Formulas are never
evaluated: a formula cell becomes a ``RowError`` in ``Sheet.errors``. Nothing here looks at the
database.

It reads with the two steps of ``portal.core.tabular.reading`` that other uploads
(``contracts.progress_upload``) take too: ``table_read`` (file type, encoding, limits, rows,
checked while the file is read) and ``sheet_from_table`` (the template's columns).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from portal.core.tabular.limits import ImportFileError, SheetLimits
from portal.core.tabular.reading import Sheet, sheet_from_table, table_read
from providers.spreadsheets import REQUIRED_COLUMN_CODES, TRANSLATION_COLUMN_CODES

MAX_ROWS = 20_000
# The template has 27 columns and 10 optional language columns; room for a few of the
# provider's own.
MAX_COLUMNS = 60
# 20,000 rows of the template's 37 columns (27 and the 10 language columns), and some more.
MAX_CELLS = 800_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip archive; a small upload may unpack to gigabytes (a "zip bomb"). A workbook of
# 20,000 full rows unpacks to some 30 MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def import_max_bytes() -> int:
    """The largest file the import reads (setting ``IMPORT_MAX_BYTES``, default 5 MB)."""
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def offering_limits() -> SheetLimits:
    """What one offerings file may hold (read when called, so settings and tests can change it)."""
    return SheetLimits(
        max_bytes=import_max_bytes(),
        max_rows=MAX_ROWS,
        max_columns=MAX_COLUMNS,
        max_cells=MAX_CELLS,
        max_unpacked_bytes=MAX_UNPACKED_BYTES,
    )


def sheet_read(*, file_name: str, data: bytes) -> Sheet:
    """Read an uploaded ``.csv`` (UTF-8, with or without byte-order mark, comma, semicolon or tab
    separated) or ``.xlsx`` (first sheet) into text cells by column code.

    Raises ``ImportFileError`` when the file cannot be used at all, or holds more than
    ``offering_limits()`` allow. Cells that hold formulas (XLSX formula cells, CSV text starting
    with ``=``) are returned as row errors in ``Sheet.errors``. Rows that are completely empty
    are skipped; row numbers stay those of the spreadsheet.
    """
    limits = offering_limits()
    if len(data) > limits.max_bytes:
        raise ImportFileError(file_too_large_message(limits.max_bytes))
    table = table_read(file_name=file_name, data=data, limits=limits)
    return sheet_from_table(
        file_name=file_name,
        table=table,
        column_codes=REQUIRED_COLUMN_CODES,
        optional_codes=TRANSLATION_COLUMN_CODES,
        no_rows_message=_(
            "The file has no rows below the header row. Fill in one row per start date, as in "
            "the template's example row."
        ),
    )


def file_too_large_message(limit: int) -> str:
    return _(
        "The file is larger than %(size)s MB. Split it into several files, or leave out the "
        "offerings that did not change."
    ) % {"size": f"{limit / (1024 * 1024):g}"}
