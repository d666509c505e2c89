"""Reading an uploaded file into a ``Sheet``: text cells by column code, or an ``ImportFileError``.

Promises: ``sheet_read`` takes only ``.csv`` (UTF-8, with or without byte-order mark; comma,
semicolon or tab separated) and ``.xlsx`` (first sheet) files up to ``import_max_bytes()``, with at
most ``MAX_ROWS`` rows; any other file is refused as a whole with a message that says what to do.
Formulas are never evaluated: a formula cell becomes a ``RowError`` in ``Sheet.errors``. Nothing
here looks at the database.

Other uploads (``contracts.progress_upload``) read their files with the same two steps that
``sheet_read`` takes: ``table_read`` (file type, encoding, rows) and ``sheet_from_table`` (their
own columns).
"""

from __future__ import annotations

import codecs
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from providers.spreadsheets import COLUMN_CODES, formula_unescape

MAX_ROWS = 20_000
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip archive; a small upload may unpack to gigabytes (a "zip bomb").
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")


def import_max_bytes() -> int:
    """The largest file the import reads (setting ``IMPORT_MAX_BYTES``, default 5 MB)."""
    return getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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


def sheet_read(*, file_name: str, data: bytes) -> Sheet:
    """Read an uploaded ``.csv`` (UTF-8, with or without byte-order mark, comma, semicolon or tab
    separated) or ``.xlsx`` (first sheet) into text cells by column code.

    Raises ``ImportFileError`` when the file cannot be used at all. Cells that hold formulas (XLSX
    formula cells, CSV text starting with ``=``) are returned as row errors in ``Sheet.errors``.
    Rows that are completely empty are skipped; row numbers stay those of the spreadsheet.
    """
    limit = import_max_bytes()
    if len(data) > limit:
        raise ImportFileError(file_too_large_message(limit))
    table = table_read(file_name=file_name, data=data)
    return sheet_from_table(
        file_name=file_name,
        table=table,
        column_codes=COLUMN_CODES,
        no_rows_message=_(
            "The file has no rows below the header row. Fill in one row per start date, as in "
            "the template's example row."
        ),
    )


def table_read(*, file_name: str, data: bytes, max_rows: int | None = None) -> Table:
    """The cells of an uploaded ``.csv`` or ``.xlsx`` file as text, with at most ``max_rows``
    data rows (default ``MAX_ROWS``), or an ``ImportFileError``. The caller checks the file's
    size first."""
    max_rows = MAX_ROWS if max_rows is None else max_rows
    extension = Path(file_name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ImportFileError(
            _(
                "%(name)s cannot be imported: only .xlsx and .csv files can. Save the sheet as "
                "an Excel workbook (.xlsx) or as “CSV UTF-8”."
            )
            % {"name": file_name}
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if extension == ".csv":
        return _csv_table(data, max_rows)
    return _xlsx_table(data, max_rows)


def file_too_large_message(limit: int) -> str:
    return _(
        "The file is larger than %(size)s MB. Split it into several files, or leave out the "
        "offerings that did not change."
    ) % {"size": f"{limit / (1024 * 1024):g}"}


def _too_many_rows(max_rows: int) -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(max)s rows. Split it into several files.")
        % {"max": number_format(max_rows, force_grouping=True)}
    )


def _looks_binary(data: bytes) -> bool:
    sample = data[:4096]
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return control > len(sample) // 100


def _csv_table(data: bytes, max_rows: int) -> Table:
    not_utf8 = ImportFileError(
        _(
            "The CSV file is not saved as UTF-8, so letters such as ë or ç would be garbled. "
            "In Excel choose Save as → “CSV UTF-8 (comma delimited)” and upload that file, or "
            "upload an Excel workbook (.xlsx)."
        )
    )
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
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
    first_line = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first_line.count)
    try:
        frame = pandas.read_csv(
            io.StringIO(text),
            sep=separator,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
        )
    except pandas.errors.EmptyDataError:
        raise ImportFileError(_("The file is empty.")) from None
    except pandas.errors.ParserError as error:
        if line := re.search(r"Expected \d+ fields in line (\d+)", str(error)):
            raise ImportFileError(
                _("Line %(line)s of the file has more cells than the header row has columns.")
                % {"line": line.group(1)}
            ) from None
        raise ImportFileError(
            _(
                'The CSV file cannot be read: a quotation mark (") is not closed. Open the file '
                "in a spreadsheet program and save it again as “CSV UTF-8”."
            )
        ) from None
    values = frame.to_numpy().tolist()
    if len(values) - 1 > max_rows:
        raise _too_many_rows(max_rows)
    header = [str(value) for value in values[0]]
    rows = [
        (index, ["" if value is None else str(value) for value in row])
        for index, row in enumerate(values[1:], start=2)
    ]
    formulas = {
        (number, position)
        for number, row in rows
        for position, value in enumerate(row)
        if value.strip().startswith("=")
    }
    return Table(header=header, rows=rows, formulas=formulas)


def _xlsx_table(data: bytes, max_rows: int) -> Table:
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
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise not_a_workbook from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _("The workbook is too large once unpacked. Split it into several files.")
        )
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for damaged or foreign files
        raise not_a_workbook from None
    try:
        return _xlsx_rows(workbook, max_rows)
    except ImportFileError:
        raise
    except Exception:
        raise not_a_workbook from None
    finally:
        workbook.close()


def _xlsx_rows(workbook, max_rows: int) -> Table:
    if not workbook.worksheets:
        raise ImportFileError(_("The file is empty."))
    sheet = workbook.worksheets[0]
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    formulas: set[tuple[int, int]] = set()
    data_rows = 0
    for number, cells in enumerate(sheet.iter_rows(), start=1):
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
            data_rows += 1
            if data_rows > max_rows:
                raise _too_many_rows(max_rows)
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
    *, file_name: str, table: Table, column_codes: Sequence[str], no_rows_message: str
) -> Sheet:
    """The table's cells in ``column_codes`` (every one required in the header row, in any order;
    other columns are ignored), formula-unescaped, with formula cells as row errors. Raises
    ``ImportFileError`` with ``no_rows_message`` when no row has a value in these columns."""
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
    known = set(column_codes)
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
