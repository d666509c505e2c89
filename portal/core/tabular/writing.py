"""Writing the project's XLSX templates and exports: the shape every template shares.

A template is a data sheet that starts with the column codes (bold, frozen), drop-down lists
where a column takes codes, and a second sheet that explains each column. Text that comes from
people is written with ``xlsx_text``: characters XML cannot hold are dropped and nothing can run
as a formula (``formulas``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from portal.core.tabular.formulas import formula_escape

BOLD = Font(bold=True)


def xlsx_text(value: str) -> str:
    """Text for a cell: control characters XML 1.0 cannot hold dropped, never a formula."""
    return formula_escape(ILLEGAL_CHARACTERS_RE.sub("", value))


def template_workbook(*, title: str, columns: Sequence[str]) -> tuple[Workbook, Worksheet]:
    """A workbook whose first sheet, ``title``, starts with the column codes in bold, frozen
    above the rows."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(list(columns))
    for cell in sheet[1]:
        cell.font = BOLD
    sheet.freeze_panes = "A2"
    return workbook, sheet


def drop_down(sheet: Worksheet, *, letter: str, values: Iterable[str], last_row: int) -> None:
    """A list to pick a code from in the column, rows 2 to ``last_row``. Typing something else
    is allowed (a Dutch name, say): the upload checks every value and says what is wrong."""
    validation = DataValidation(
        type="list", formula1='"{}"'.format(",".join(values)), allow_blank=True
    )
    validation.showErrorMessage = False
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet.add_data_validation(validation)


def explanation_sheet(workbook: Workbook, *, title: str, intro: Sequence[str]) -> Worksheet:
    """The sheet that explains the template: the ``intro`` lines (the first in bold), then a
    bold row of headings for the caller's table of columns, which it appends."""
    sheet = workbook.create_sheet(title)
    for line in intro:
        sheet.append([xlsx_text(str(line))])
    sheet["A1"].font = BOLD
    return sheet


def headings_append(sheet: Worksheet, headings: Sequence[str]) -> None:
    sheet.append([str(heading) for heading in headings])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
