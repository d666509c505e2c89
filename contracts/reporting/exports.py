"""Downloads of the dashboard's tables and of all placements, as CSV or XLSX.

CSV is written row by row: streamed to the browser (``StreamingHttpResponse``) or to a file
(``csv_write``), so memory stays flat however many rows. XLSX is written by xlsxwriter in its
constant-memory mode (each row goes to a temporary file as it comes; a zip cannot be streamed
before it is complete), to a temporary file that is then sent in chunks or stored
(``xlsx_write``). Both writers take a ``progress`` callback, called every ``PROGRESS_EVERY``
rows, for the downloads made in the background (``large_exports``).

In both formats every text cell is formula-escaped
(``portal.core.tabular.formulas.formula_escape``): a provider's name such as ``=HYPERLINK(…)``
arrives as text, never as a formula that a spreadsheet program would run. Numbers, dates,
moments (in the portal's time zone) and yes/no stay numbers, dates and booleans in XLSX; the
header is bold and frozen.

CSV speaks the reader's spreadsheet program (``csv_style``): where the language writes decimals
with a comma (Dutch), the separator is ``;`` and decimals have a comma, as Dutch Excel expects
(with ``,`` it opens every row as one column); in English ``,`` and a point. Both start with a
UTF-8 byte-order mark, so Excel reads the accents; dates are ``2026-12-06``, moments
``2026-12-06 14:30:00``, which spreadsheet programs read as dates in either language.

Why xlsxwriter rather than openpyxl's write-only workbook: for 300,000 placements (13 columns)
xlsxwriter took 26 s and 22 MB, openpyxl 52 s and 39 MB, on the same machine; both files the same
size (``tests/benchmarks/bench_exports.py``).
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

import pandas as pd
import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse
from django.utils import formats, timezone, translation
from django.utils.text import slugify
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from portal.core.tabular.formulas import formula_escape

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
PROGRESS_EVERY = 5_000
"""Rows between two calls of a writer's ``progress`` (one UPDATE of an export's row each)."""
XLSX_MAX_ROWS = 1_048_576
"""Rows in one sheet of a spreadsheet program (Excel's limit), the header among them."""
XLSX_TEXT_MAX = 32_767
"""Characters in one XLSX cell."""
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

Progress = Callable[[int], object]


def safe_text(value: str) -> str:
    """Text for a cell: no control characters XML cannot hold, formulas escaped."""
    return formula_escape(ILLEGAL_CHARACTERS_RE.sub("", value))


@dataclass(frozen=True)
class CsvStyle:
    delimiter: str
    decimal: str


COMMA_STYLE = CsvStyle(delimiter=",", decimal=".")
SEMICOLON_STYLE = CsvStyle(delimiter=";", decimal=",")


def csv_style(language: str | None = None) -> CsvStyle:
    """How a CSV file is written for a reader of ``language`` (the active one by default): with
    ``;`` between the values and a decimal comma where the language writes decimals with a comma
    (Dutch, Turkish, ...), else with ``,`` and a decimal point (English)."""
    language = language or translation.get_language() or "nl"
    decimal = formats.get_format("DECIMAL_SEPARATOR", lang=language)
    return SEMICOLON_STYLE if decimal == "," else COMMA_STYLE


def _csv_cell(value: object, style: CsvStyle = COMMA_STYLE) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return str(value).replace(".", style.decimal)
    if isinstance(value, datetime.datetime):
        return _local(value).replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(str(value))


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Aware moments in the site's time zone (a spreadsheet cell has no time zone)."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


class _Echo:
    """The file-like object ``csv.writer`` writes to: it hands each line straight back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    headers: Sequence[str], rows: Iterable[Sequence[object]], style: CsvStyle | None = None
) -> Iterator[str]:
    """The CSV file line by line: a byte-order mark (so Excel reads UTF-8), the header, the rows,
    in ``style`` (by default the active language's, taken now: a streamed response reads its
    lines after the view has returned)."""
    return _csv_lines(headers, rows, style or csv_style())


def _csv_lines(
    headers: Sequence[str], rows: Iterable[Sequence[object]], style: CsvStyle
) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=style.delimiter)
    yield "\ufeff" + writer.writerow([safe_text(str(header)) for header in headers])
    for row in rows:
        yield writer.writerow([_csv_cell(value, style) for value in row])


def filename(name: str, extension: str) -> str:
    """The name a download is saved under: the table's name and today's date in the
    Netherlands ("plaatsingen-2026-05-01.xlsx")."""
    return f"{slugify(name) or 'export'}-{timezone.localdate():%Y-%m-%d}.{extension}"


def csv_response(
    *, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(name, "csv")}"'
    return response


class TooManyRows(ValueError):
    """More rows than one XLSX sheet holds (``XLSX_MAX_ROWS``)."""


def _counted(
    rows: Iterable[Sequence[object]], progress: Progress | None
) -> Iterator[Sequence[object]]:
    """``rows`` as they are, calling ``progress(rows so far)`` every ``PROGRESS_EVERY`` rows and
    once at the end."""
    written = 0
    for row in rows:
        yield row
        written += 1
        if progress is not None and written % PROGRESS_EVERY == 0:
            progress(written)
    if progress is not None and written % PROGRESS_EVERY:
        progress(written)


def csv_write(
    output: IO[bytes],
    *,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
) -> None:
    """The CSV file (as ``csv_lines``: a byte-order mark, the header, the rows) into the binary
    file ``output``, line by line."""
    for line in csv_lines(headers, _counted(rows, progress)):
        output.write(line.encode("utf-8"))


def xlsx_write(
    output: IO[bytes],
    *,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
) -> None:
    """The workbook (one sheet named ``title``, bold frozen header) into the binary file
    ``output``, by xlsxwriter in constant-memory mode. More rows than a sheet holds raise
    ``TooManyRows`` (the file is then incomplete)."""
    workbook = xlsxwriter.Workbook(
        output,
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False},
    )
    try:
        sheet = workbook.add_worksheet(_sheet_title(title))
        bold = workbook.add_format({"bold": True})
        date = workbook.add_format({"num_format": DATE_FORMAT})
        moment = workbook.add_format({"num_format": DATETIME_FORMAT})
        sheet.freeze_panes(1, 0)
        for column, header in enumerate(headers):
            sheet.write_string(0, column, _xlsx_text(header), bold)
        number = 0
        for number, row in enumerate(_counted(rows, progress), start=1):
            if number >= XLSX_MAX_ROWS:
                raise TooManyRows(number)
            for column, value in enumerate(row):
                _xlsx_cell_write(sheet, number, column, value, date, moment)
    finally:
        workbook.close()


def _xlsx_cell_write(sheet, row: int, column: int, value: object, date, moment) -> None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return  # an empty cell (constant-memory mode writes nothing for it)
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, value)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(row, column, _local(value).replace(tzinfo=None), moment)
    elif isinstance(value, datetime.date):
        sheet.write_datetime(row, column, value, date)
    else:
        sheet.write_string(row, column, _xlsx_text(value))


def _xlsx_text(value: object) -> str:
    return safe_text(str(value))[:XLSX_TEXT_MAX]


def _sheet_title(title: str) -> str:
    """A sheet's name: at most 31 characters, none of ``[]:*?/\\``, not starting or ending
    with an apostrophe."""
    name = safe_text(title)
    for character in "[]:*?/\\":
        name = name.replace(character, "-")
    return name[:31].strip("'") or "Export"


def xlsx_file(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]):
    """A temporary file holding the workbook (``xlsx_write``), at position 0."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    try:
        xlsx_write(output, title=title, headers=headers, rows=rows)
    except BaseException:
        output.close()
        raise
    output.seek(0)
    return output


def xlsx_response(
    *, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> FileResponse:
    return FileResponse(
        xlsx_file(title=name, headers=headers, rows=rows),
        as_attachment=True,
        filename=filename(name, "xlsx"),
        content_type=XLSX_CONTENT_TYPE,
    )


def table_response(
    *, format: str, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse | FileResponse:
    """``format`` is ``csv`` or ``xlsx`` (anything else is the caller's 404)."""
    if format == "xlsx":
        return xlsx_response(name=name, headers=headers, rows=rows)
    return csv_response(name=name, headers=headers, rows=rows)


def dataframe_rows(frame: pd.DataFrame) -> Iterator[list[object]]:
    """A DataFrame's rows as plain Python values (NaN and NA as None)."""
    for row in frame.itertuples(index=False, name=None):
        yield [None if _missing(value) else _plain(value) for value in row]


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value
