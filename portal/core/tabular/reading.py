"""Reading an uploaded file into text cells, or an ``ImportFileError`` that says what to do.

Promises: ``table_read`` takes only ``.csv`` (UTF-8, with or without byte-order mark; comma,
semicolon or tab separated) and ``.xlsx`` (first sheet) files within the ``SheetLimits`` its
caller passes; any other file is refused as a whole with a message that says what to do.
Formulas are never evaluated: ``sheet_from_table`` keeps the caller's columns and makes a formula
cell a ``RowError`` in ``Sheet.errors``. Nothing here looks at the database.

The limits (``limits.SheetLimits``: bytes, rows, empty rows, columns, cells, unpacked bytes) are
checked while the file is read, before its rows are kept: a CSV file is split into records one
by one (a record longer than ``limits.MAX_LINE_CHARS`` is refused before it is split into
cells), and a workbook's parts are checked as bytes (``workbook_parts``) before openpyxl reads
the first sheet in read-only mode, row by row, without trusting the size the sheet declares.

The offerings import (``providers.imports.reading.sheet_read``) and the attendance upload
(``contracts.progress_upload``) read their files with these two steps: ``table_read`` (file
type, encoding, limits, rows) and ``sheet_from_table`` (their own columns).
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.tabular import limits as sheet_limits
from portal.core.tabular.formulas import formula_unescape
from portal.core.tabular.limits import ImportFileError, RowCounter, SheetLimits
from portal.core.tabular.workbook_parts import workbook_parts_check

ALLOWED_EXTENSIONS = (".csv", ".xlsx")


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the row as the spreadsheet numbers it (header = 1), the column
    code, the cell's text and the reason in the active language."""

    row: int
    column: str
    value: str
    reason: str


class RowErrors:
    """Collects row errors, one per (row, column): a cell that is wrong is reported once. Sorted
    by row, then by the column's place in ``columns`` (unknown columns last)."""

    def __init__(self, initial: Iterable[RowError] = (), *, columns: Sequence[str]) -> None:
        self._order = {code: index for index, code in enumerate(columns)}
        self._by_cell: dict[tuple[int, str], RowError] = {}
        for error in initial:
            self._by_cell.setdefault((error.row, error.column), error)

    def add(self, row: int, column: str, value: str, reason: str) -> None:
        self._by_cell.setdefault((row, column), RowError(row, column, value, str(reason)))

    def has(self, row: int, column: str) -> bool:
        return (row, column) in self._by_cell

    def sorted(self) -> list[RowError]:
        return sorted(
            self._by_cell.values(),
            key=lambda e: (e.row, self._order.get(e.column, len(self._order))),
        )


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A file's cells as text before any column is looked at: the header row, the data rows with
    the spreadsheet's row numbers, and the (row number, position) of every formula cell."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    formulas: set[tuple[int, int]]


@dataclass
class Sheet:
    """The readable content of an uploaded file: text cells keyed by column code."""

    file_name: str
    rows: list[SheetRow]
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def to_json(self) -> list[dict]:
        return [{"row": row.number, "cells": row.cells} for row in self.rows]

    @classmethod
    def from_json(cls, *, file_name: str, rows: Iterable[dict]) -> Sheet:
        return cls(
            file_name=file_name,
            rows=[SheetRow(number=row["row"], cells=row["cells"]) for row in rows],
        )


def table_read(*, file_name: str, data: bytes, limits: SheetLimits) -> Table:
    """The cells of an uploaded ``.csv`` or ``.xlsx`` file as text, or an ``ImportFileError``
    when the file cannot be read or holds more than ``limits`` allow (checked while reading)."""
    extension = Path(file_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(
            _(
                "%(name)s cannot be imported: only .xlsx and .csv files can. Save the sheet as "
                "an Excel workbook (.xlsx) or as “CSV UTF-8”."
            )
            % {"name": file_name}
        )
    if len(data) > limits.max_bytes:
        raise sheet_limits.too_large(limits)
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if extension == ".csv":
        return _csv_table(data, limits)
    return _xlsx_table(data, limits)


def _looks_binary(data: bytes) -> bool:
    if b"\x00" in data:
        return True
    sample = data[:4096]
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > len(sample) // 100


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a byte-order mark: text in Latin script has a zero in every other byte."""
    sample = data[:4096]
    half = len(sample) // 2
    return half >= 2 and max(sample[0::2].count(0), sample[1::2].count(0)) > half * 0.6


def _csv_table(data: bytes, limits: SheetLimits) -> Table:
    not_utf8 = ImportFileError(
        _(
            "The CSV file is not saved as UTF-8, so letters such as ë or ç would be garbled. "
            "In Excel choose Save as → “CSV UTF-8 (comma delimited)” and upload that file, or "
            "upload an Excel workbook (.xlsx)."
        )
    )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data):
        # Excel's "Unicode text": readable, but not what the import takes.
        raise not_utf8
    if _looks_binary(data):
        raise ImportFileError(
            _(
                "This file is not a CSV file (it holds binary data). Upload the sheet saved as "
                "“CSV UTF-8”, or as an Excel workbook (.xlsx)."
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8 from None
    lines = _RecordLines(text)
    first_line = lines.first_line()
    separator = max((",", ";", "\t"), key=first_line.count)
    # strict: a quotation mark that is not closed is an error, not the rest of the file in a cell.
    reader = csv.reader(lines, delimiter=separator, strict=True)
    counter = RowCounter(limits)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    formulas: set[tuple[int, int]] = set()
    try:
        for number, values in enumerate(reader, start=1):
            lines.record_done(next_row=number + 1)
            counter.row(number=number, width=len(values))
            if header is None:
                header = values
                continue
            if len(values) > len(header) and any(value.strip() for value in values[len(header) :]):
                raise ImportFileError(
                    _("Line %(line)s of the file has more cells than the header row has columns.")
                    % {"line": number}
                )
            if not any(value.strip() for value in values):
                continue
            counter.data_row()
            rows.append((number, values))
            formulas.update(
                (number, position)
                for position, value in enumerate(values)
                if value.strip().startswith("=")
            )
    except csv.Error:
        raise ImportFileError(
            _(
                'The CSV file cannot be read: a quotation mark (") is not closed. Open the file '
                "in a spreadsheet program and save it again as “CSV UTF-8”."
            )
        ) from None
    if header is None or not (rows or any(value.strip() for value in header)):
        raise ImportFileError(_("The file is empty."))
    return Table(header=header, rows=rows, formulas=formulas)


class _RecordLines:
    """The lines of a CSV text for ``csv.reader``, never longer together than
    ``MAX_LINE_CHARS`` per record (a quoted cell may hold line breaks, so a record may take
    several lines): a longer record is refused before any of it is split into cells."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._source = io.StringIO(text, newline="")
        self._record_chars = 0
        self._row = 1

    def first_line(self) -> str:
        """The first line (for the separator), refused when it is too long."""
        head = self._text[: sheet_limits.MAX_LINE_CHARS + 2]
        line = io.StringIO(head, newline="").readline()
        if len(line.rstrip("\r\n")) > sheet_limits.MAX_LINE_CHARS:
            raise sheet_limits.line_too_long(1)
        return line

    def record_done(self, *, next_row: int) -> None:
        self._record_chars = 0
        self._row = next_row

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        room = sheet_limits.MAX_LINE_CHARS - self._record_chars
        # The line break itself does not count.
        line = self._source.readline(room + 3)
        if not line:
            raise StopIteration
        self._record_chars += len(line.rstrip("\r\n"))
        if self._record_chars > sheet_limits.MAX_LINE_CHARS:
            raise sheet_limits.line_too_long(self._row)
        return line


def _xlsx_table(data: bytes, limits: SheetLimits) -> Table:
    not_a_workbook = ImportFileError(
        _(
            "This file is not an Excel workbook (.xlsx). If it is an older .xls file, open it "
            "and save it as .xlsx first."
        )
    )
    buffer = io.BytesIO(data)
    if not zipfile.is_zipfile(buffer):
        raise not_a_workbook
    try:
        with zipfile.ZipFile(buffer) as archive:
            workbook_parts_check(archive, limits)
    except ImportFileError:
        raise
    except Exception:  # zipfile raises many kinds of errors for damaged archives
        raise not_a_workbook from None
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged or foreign files
        raise not_a_workbook from None
    try:
        return _xlsx_rows(workbook, limits)
    except ImportFileError:
        raise
    except Exception:
        raise not_a_workbook from None
    finally:
        workbook.close()


def _xlsx_rows(workbook, limits: SheetLimits) -> Table:
    if not workbook.worksheets:
        raise ImportFileError(_("The file is empty."))
    sheet = workbook.worksheets[0]
    # The size a sheet declares (``<dimension>``) may be wrong or hostile: without it openpyxl
    # gives each row up to its last cell and stops after the last row.
    sheet.reset_dimensions()
    counter = RowCounter(limits)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    formulas: set[tuple[int, int]] = set()
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        counter.row(number=number, width=len(cells))
        texts = []
        for position, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                formulas.add((number, position))
                value = getattr(cell.value, "text", cell.value)
                texts.append("" if value is None else str(value))
            else:
                texts.append(_xlsx_text(cell.value))
        if header is None:
            header = texts
            continue
        if any(texts):
            counter.data_row()
            rows.append((number, texts))
    if header is None:
        raise ImportFileError(_("The file is empty."))
    return Table(header=header, rows=rows, formulas=formulas)


def _xlsx_text(value: object) -> str:
    """An XLSX cell value as text: dates as YYYY-MM-DD, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def sheet_from_table(
    *,
    file_name: str,
    table: Table,
    column_codes: Sequence[str],
    no_rows_message: str,
    optional_codes: Sequence[str] = (),
) -> Sheet:
    """The table's cells in ``column_codes`` (every one required in the header row, in any order;
    other columns are ignored) and in those of ``optional_codes`` the header has (a row's
    ``cells`` holds only the columns the file has), formula-unescaped, with formula cells as row
    errors. Raises ``ImportFileError`` with ``no_rows_message`` when no row has a value in these
    columns."""
    header, rows, formulas = table.header, table.rows, table.formulas
    codes = [cell.strip().lower() for cell in header]
    seen: set[str] = set()
    for code in codes:
        if code and code in seen:
            raise ImportFileError(
                _("The column %(column)s appears more than once in the header row.")
                % {"column": code}
            )
        seen.add(code)
    missing = [code for code in column_codes if code not in seen]
    if missing:
        raise ImportFileError(
            ngettext(
                "This column is missing from the header row (row 1): %(columns)s. The template "
                "shows every column.",
                "These columns are missing from the header row (row 1): %(columns)s. The "
                "template shows every column.",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    known = set(column_codes) | set(optional_codes)
    positions = {code: position for position, code in enumerate(codes) if code in known}
    ignored = [cell for cell in header if cell.strip() and cell.strip().lower() not in positions]
    sheet_rows: list[SheetRow] = []
    errors: list[RowError] = []
    for number, values in rows:
        cells: dict[str, str] = {}
        for code, position in positions.items():
            raw = values[position].strip() if position < len(values) else ""
            if (number, position) in formulas:
                errors.append(
                    RowError(
                        row=number,
                        column=code,
                        value=raw,
                        reason=_(
                            "Formulas are not imported. Type the value itself (in Excel: copy "
                            "the cells and paste them as values)."
                        ),
                    )
                )
            cells[code] = formula_unescape(raw)
        if any(cells.values()):
            sheet_rows.append(SheetRow(number=number, cells=cells))
    if not sheet_rows:
        raise ImportFileError(no_rows_message)
    return Sheet(file_name=file_name, rows=sheet_rows, errors=errors, ignored_columns=ignored)
