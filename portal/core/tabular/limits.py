"""How much one uploaded spreadsheet may hold, and the refusal when a file holds more.

Promises: a ``SheetLimits`` says what one kind of upload may hold (bytes, rows with a value, rows
counted with the empty ones, columns, cells, and for a workbook the bytes once unpacked). The
readers (``reading`` for CSV and the cells of a workbook, ``workbook_parts`` for the parts of a
workbook before openpyxl opens it) count while they read and stop at the first limit passed, so a
hostile file costs at most what a file at the limits costs. Every refusal is an
``ImportFileError`` whose message says which limit and what to do, in the active language.

Each upload passes its own limits: the offerings import (``providers.imports.reading``) and the
attendance upload (``contracts.progress_upload``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# A CSV record (one row, or several lines when a quoted cell holds line breaks) longer than this
# is refused before it is split into cells: a sheet saved as CSV has no such rows (Excel keeps at
# most 32,767 characters in a cell), while one line of commas would become millions of cells.
MAX_LINE_CHARS = 100_000


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class SheetLimits:
    """What one upload may hold.

    ``max_rows`` counts rows with a value below the header; ``max_row_number`` (twice that, plus
    the header) also counts empty rows, since reading a million empty rows costs as much as
    reading a million full ones. ``max_columns`` counts every cell of a row up to its last one,
    empty or not; ``max_cells`` the cells of all rows (and, in a workbook, of every sheet).
    """

    max_bytes: int
    max_rows: int
    max_columns: int
    max_cells: int
    max_unpacked_bytes: int

    @property
    def max_row_number(self) -> int:
        return 2 * self.max_rows + 1


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def too_large(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        _("The file is larger than %(size)s MB. Split it into several files.")
        % {"size": f"{limits.max_bytes / (1024 * 1024):g}"}
    )


def too_many_rows(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s rows. Split it into several files.")
        % {"max": _number(limits.max_rows)}
    )


def too_many_rows_with_empty_ones(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(max)s rows, counting the empty ones. Delete the empty rows "
            "below and between your data, or split the file into several files."
        )
        % {"max": _number(limits.max_row_number)}
    )


def too_many_columns(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(max)s columns. Delete the columns you do not need (also "
            "empty columns that were formatted), or copy your data into the template."
        )
        % {"max": _number(limits.max_columns)}
    )


def too_many_cells(limits: SheetLimits) -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(max)s cells (empty cells before the last filled one of a "
            "row, and the cells of every sheet, count too). Split it into several files, or "
            "delete the columns and sheets you do not need."
        )
        % {"max": _number(limits.max_cells)}
    )


def line_too_long(row: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Row %(row)s of the file is longer than %(max)s characters. Perhaps a quotation mark "
            '(") is not closed, or the file is not a sheet saved as CSV. Open it in a '
            "spreadsheet program and save it again as “CSV UTF-8”."
        )
        % {"row": _number(row), "max": _number(MAX_LINE_CHARS)}
    )


def workbook_too_large_unpacked() -> ImportFileError:
    return ImportFileError(
        _("The workbook is too large once unpacked. Split it into several files.")
    )


def workbook_unusual() -> ImportFileError:
    return ImportFileError(
        _(
            "This workbook is built in a way that spreadsheet programs do not use, so it is not "
            "read. Open it in Excel or LibreOffice, save it as an Excel workbook (.xlsx) and "
            "upload that file."
        )
    )


class RowCounter:
    """Counts rows and cells as a reader meets them and refuses at the first limit passed."""

    def __init__(self, limits: SheetLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.data_rows = 0

    def row(self, *, number: int, width: int) -> None:
        """Row ``number`` (1 = header) with ``width`` cells up to its last one."""
        if number > self.limits.max_row_number:
            raise too_many_rows_with_empty_ones(self.limits)
        if width > self.limits.max_columns:
            raise too_many_columns(self.limits)
        self.cells += width
        if self.cells > self.limits.max_cells:
            raise too_many_cells(self.limits)

    def data_row(self) -> None:
        """One more row below the header with a value."""
        self.data_rows += 1
        if self.data_rows > self.limits.max_rows:
            raise too_many_rows(self.limits)
