"""Downloads of the dashboard's tables and of all placements, as CSV or XLSX.

CSV is streamed row by row (``StreamingHttpResponse``), so memory stays flat however many rows;
XLSX is written by openpyxl's write-only workbook to a temporary file (a zip cannot be streamed
before it is complete) and then sent in chunks. In both, every text cell is formula-escaped
(``portal.core.tabular.formulas.formula_escape``): a provider's name such as ``=HYPERLINK(…)``
arrives as text, never as a formula that a spreadsheet program would run.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

import pandas as pd
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
from openpyxl.styles import Font

from portal.core.tabular.formulas import formula_escape

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def safe_text(value: str) -> str:
    """Text for a cell: no control characters XML cannot hold, formulas escaped."""
    return formula_escape(ILLEGAL_CHARACTERS_RE.sub("", value))


def _csv_cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return safe_text(str(value))


def _xlsx_cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return _local(value).replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    return safe_text(str(value))


def _local(moment: datetime.datetime) -> datetime.datetime:
    """Aware moments in the site's time zone (a spreadsheet cell has no time zone)."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


class _Echo:
    """The file-like object ``csv.writer`` writes to: it hands each line straight back."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV file line by line: a byte-order mark (so Excel reads UTF-8), the header, the rows."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_text(str(header)) for header in headers])
    for row in rows:
        yield writer.writerow([_csv_cell(value) for value in row])


def _filename(name: str, extension: str) -> str:
    return f"{slugify(name) or 'export'}-{timezone.localdate():%Y-%m-%d}.{extension}"


def csv_response(
    *, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(name, "csv")}"'
    return response


def xlsx_file(*, title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]):
    """A temporary file holding the workbook (one sheet, bold frozen header), at position 0."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=safe_text(title)[:31].replace("/", "-") or "Export")
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=safe_text(str(header)))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    workbook.save(output)
    output.seek(0)
    return output


def xlsx_response(
    *, name: str, headers: Sequence[str], rows: Iterable[Sequence[object]]
) -> FileResponse:
    return FileResponse(
        xlsx_file(title=name, headers=headers, rows=rows),
        as_attachment=True,
        filename=_filename(name, "xlsx"),
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
