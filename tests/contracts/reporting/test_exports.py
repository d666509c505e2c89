"""Dashboard downloads: streamed CSV and XLSX with every text cell formula-escaped."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pandas as pd
from django.http import StreamingHttpResponse
from django.utils import translation
from openpyxl import load_workbook

from contracts.reporting import exports

HEADERS = ["Provider", "Placements", "Share", "Since"]
ROWS = [
    ['=HYPERLINK("http://evil.example")', 12, 0.5, datetime.date(2026, 1, 1)],
    ["Taalschool Noord", -3, None, None],
    ["@SUM(A1:A2)", 0, Decimal("1.5"), datetime.date(2026, 2, 1)],
]


def _csv(response, delimiter: str = ",") -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=delimiter))


def test_csv_is_streamed_with_a_header_and_formulas_escaped():
    with translation.override("en"):
        response = exports.table_response(
            format="csv", name="Per aanbieder", headers=HEADERS, rows=ROWS
        )
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="per-aanbieder-' in response["Content-Disposition"]
    assert _csv(response) == [
        HEADERS,
        ['\'=HYPERLINK("http://evil.example")', "12", "0.5", "2026-01-01"],
        ["Taalschool Noord", "-3", "", ""],
        ["'@SUM(A1:A2)", "0", "1.5", "2026-02-01"],
    ]


def test_csv_for_a_dutch_reader_has_semicolons_and_decimal_commas():
    """Dutch Excel splits a line on ";" and reads "0,5" as a number: with "," it opens every
    line as one column (issue 20). The style is taken when the response is made, not when the
    server sends its lines (after the view, in whatever language is active then)."""
    moment = datetime.datetime(2026, 3, 1, 13, 30, tzinfo=datetime.UTC)
    rows = [[*ROWS[0], moment], ["Taal; en meer", 1, 1234.25, None, None]]
    with translation.override("nl"):
        response = exports.table_response(
            format="csv", name="Per aanbieder", headers=[*HEADERS, "Moment"], rows=rows
        )
    with translation.override("en"):
        lines = _csv(response, delimiter=";")
    assert lines == [
        [*HEADERS, "Moment"],
        ['\'=HYPERLINK("http://evil.example")', "12", "0,5", "2026-01-01", "2026-03-01 14:30:00"],
        ["Taal; en meer", "1", "1234,25", "", ""],
    ]


def test_a_dutch_csv_reads_back_as_numbers_and_dates():
    rows = [["Noord", 12, 0.5, datetime.date(2026, 1, 1)], ["Zuid", 3, Decimal("1.25"), None]]
    with translation.override("nl"):
        text = "".join(exports.csv_lines(HEADERS, rows))
    frame = pd.read_csv(
        io.StringIO(text.removeprefix("\ufeff")), sep=";", decimal=",", parse_dates=["Since"]
    )
    assert frame["Placements"].tolist() == [12, 3]
    assert frame["Share"].tolist() == [0.5, 1.25]
    assert frame["Since"].iloc[0] == pd.Timestamp(2026, 1, 1)


def test_the_csv_style_follows_the_language():
    assert exports.csv_style("nl") == exports.SEMICOLON_STYLE
    assert exports.csv_style("en") == exports.COMMA_STYLE
    with translation.override("nl"):
        assert exports.csv_style() == exports.SEMICOLON_STYLE


def test_csv_lines_are_made_one_at_a_time():
    def endless():
        number = 0
        while True:
            number += 1
            yield [f"row {number}"]

    lines = exports.csv_lines(["Name"], endless())
    assert [next(lines) for _ in range(3)] == ["\ufeffName\r\n", "row 1\r\n", "row 2\r\n"]


def test_xlsx_keeps_numbers_and_dates_and_escapes_formulas():
    response = exports.table_response(
        format="xlsx", name="Per aanbieder", headers=HEADERS, rows=ROWS
    )
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert 'filename="per-aanbieder-' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADERS
    assert values[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert sheet["A2"].data_type == "s"
    assert values[1][1:] == [12, 0.5, datetime.datetime(2026, 1, 1)]
    assert values[2] == ["Taalschool Noord", -3, None, None]
    assert values[3][0] == "'@SUM(A1:A2)"


def test_dataframe_rows_turn_missing_values_into_empty_cells():
    frame = pd.DataFrame(
        {"name": ["A", "B"], "count": [1, 2], "rate": [0.25, float("nan")]}
    ).astype({"count": "Int64"})
    frame.loc[1, "count"] = pd.NA
    assert list(exports.dataframe_rows(frame)) == [["A", 1, 0.25], ["B", None, None]]
    assert all(
        type(value) in (str, int, float, type(None))
        for row in exports.dataframe_rows(frame)
        for value in row
    )


def test_the_file_name_carries_the_date_in_the_netherlands(monkeypatch):
    """At 23:30 UTC on 31 December it is already 1 January in Amsterdam: the file is named after
    the day the user sees, not the server's UTC date."""
    from django.utils import timezone

    moment = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    response = exports.csv_response(name="Per aanbieder", headers=["a"], rows=[["1"]])
    assert 'filename="per-aanbieder-2027-01-01.csv"' in response["Content-Disposition"]
