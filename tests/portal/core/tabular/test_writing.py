"""The shape every XLSX template shares (``portal.core.tabular.writing``)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal.core.tabular.writing import (
    drop_down,
    explanation_sheet,
    headings_append,
    template_workbook,
    workbook_bytes,
    xlsx_text,
)


def test_a_template_starts_with_bold_frozen_codes_and_explains_itself():
    workbook, sheet = template_workbook(title="data", columns=("code", "hours"))
    sheet.append(["A1", 3])
    drop_down(sheet, letter="A", values=["x", "y"], last_row=50)
    explanation = explanation_sheet(workbook, title="explanation", intro=["How", "=1+1"])
    headings_append(explanation, ["Column", "Meaning"])

    read = load_workbook(io.BytesIO(workbook_bytes(workbook)))
    data = read["data"]
    assert [cell.value for cell in data[1]] == ["code", "hours"]
    assert all(cell.font.bold for cell in data[1])
    assert data.freeze_panes == "A2"
    (validation,) = data.data_validations.dataValidation
    assert (validation.formula1, str(validation.sqref)) == ('"x,y"', "A2:A50")
    assert validation.showErrorMessage is False
    explained = read["explanation"]
    assert [row[0].value for row in explained.iter_rows(max_row=3)] == ["How", "'=1+1", "Column"]
    assert explained["A1"].font.bold and explained["A3"].font.bold
    assert not explained["A2"].font.bold


def test_text_from_people_never_runs_and_never_breaks_the_file():
    assert xlsx_text('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert xlsx_text("Anna\x00\x07 de Vries") == "Anna de Vries"
    assert xlsx_text("Taalschool Noord") == "Taalschool Noord"
