"""The dashboard's roll-ups of report frames and the texts its cells show."""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.utils import translation
from django.utils.formats import date_format, number_format

from contracts import reporting as reports
from contracts.reporting import dashboard_tables as tables
from providers.choices import Component


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_revenue_is_summed_over_the_months_per_provider():
    market = pd.DataFrame(
        {
            "provider_name": ["Alfa", "Alfa", "Beta"],
            "month": [
                datetime.date(2026, 1, 1),
                datetime.date(2026, 2, 1),
                datetime.date(2026, 1, 1),
            ],
            "revenue_cents": [10_000, 2_550, 700],
        }
    )
    assert tables.revenue_per_provider(market).values.tolist() == [["Alfa", 12_550], ["Beta", 700]]
    assert tables.revenue_per_provider(pd.DataFrame()).empty


def test_utilisation_per_contract_and_component_sum_the_lots():
    lots = pd.DataFrame(
        {
            "contract_id": [1, 1, 2],
            "contract_reference": ["A", "A", "B"],
            "provider_name": ["Alfa", "Alfa", "Beta"],
            "contract_ends_on": [datetime.date(2027, 1, 1)] * 3,
            "contract_ending_soon": [False, False, True],
            "lot_id": [1, 2, 3],
            "component": ["B1_ROUTE", "PVT", "PVT"],
            "capacity": [10, 0, 4],
            "lot_placements": [5, 0, 4],
        }
    )
    per_contract = tables.utilisation_per_contract(lots)
    assert per_contract[
        ["contract_reference", "capacity", "placements", "share"]
    ].values.tolist() == [
        ["A", 10, 5, 0.5],
        ["B", 4, 4, 1.0],
    ]
    per_component = tables.utilisation_per_component(lots)
    assert per_component[["component", "lots", "capacity", "placements"]].values.tolist() == [
        ["B1_ROUTE", 1, 10, 5],
        ["PVT", 2, 4, 4],
    ]


def test_cells_show_percentages_money_and_too_few():
    table = tables.TABLES["outcomes"]
    frame = pd.DataFrame(
        [
            {"provider_name": "Alfa", "component": "B1_ROUTE", "measure_label": "Completion",
             "learners": 12, "succeeded": 9, "failed": 3, "rate": 0.75, "too_few": False},
            {"provider_name": "Beta", "component": "PVT", "measure_label": "Completion",
             "learners": 4, "succeeded": 4, "failed": 0, "rate": None, "too_few": True},
        ]
    )  # fmt: skip
    rows = table.page_rows(frame)
    assert rows[0][1] == str(Component.B1_ROUTE.label) != "B1_ROUTE"
    assert rows[0][6] == "75 %"
    assert rows[1][6] == "too few"
    assert tables.cell_text(123456, tables.MONEY) == "€ 1,234.56"
    assert tables.cell_text(None, tables.NUMBER) == "—"


def _django_cell_text(value, kind: str) -> str:
    """``cell_text`` as it was, cell by cell through Django's formatting."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    match kind:
        case tables.NUMBER:
            decimal_pos = 0 if float(value).is_integer() else 1
            return number_format(value, decimal_pos=decimal_pos, force_grouping=True)
        case tables.DAYS:
            return number_format(value, decimal_pos=1, force_grouping=True)
        case tables.PERCENT:
            return number_format(float(value) * 100, decimal_pos=0) + " %"
        case tables.MONEY:
            return "€ " + number_format(
                Decimal(int(value)) / 100, decimal_pos=2, force_grouping=True
            )
        case tables.DATE:
            return date_format(value.date(), "DATE_FORMAT")
        case tables.MONTH:
            return date_format(value.date(), "YEAR_MONTH_FORMAT")
        case tables.FLAG:
            return "yes" if value else ""
        case tables.COMPONENT:
            return str(Component(value).label)
    return str(value)


NUMBERS = [
    0, 7, -7, 999, 1000, -1234, 1234567, 10**20, 0.0, -0.0, 0.5, -0.04, 2.25, 2.96, 12.5,
    1234.56, -98765.4321, 1e16, 1.5e-7, 123456789.987, Decimal("1234.5"),
    Decimal("-0.05"), Decimal("7"), True, np.int64(1234567), np.float64(1234.5),
]  # fmt: skip


@pytest.mark.parametrize("language", ["nl", "en"])
def test_cell_texts_formats_numbers_as_django_does(language):
    """``CellTexts`` formats whole numbers, floats and cents itself; it must give Django's text."""
    with translation.override(language):
        texts = tables.CellTexts()
        for kind in (tables.NUMBER, tables.DAYS, tables.PERCENT, tables.MONEY, tables.TEXT):
            for value in NUMBERS:
                plain = value.item() if isinstance(value, np.generic) else value
                expected = _django_cell_text(plain, kind)
                assert texts(value, kind) == expected, (kind, value)
                assert texts.column([value], kind) == [expected], (kind, value)
        assert tables.cell_text(1234567, tables.NUMBER) == (
            "1.234.567" if language == "nl" else "1,234,567"
        )


def test_page_rows_show_the_first_rows_as_the_plain_values_would():
    """The page reads the frame column by column; the texts are those of ``frame_rows``."""
    frame = pd.DataFrame(
        {
            "provider_id": pd.array([1, 2, None], dtype="Int64"),
            "provider_name": pd.array(["Alfa", None, "Gamma"], dtype="string"),
            "component": ["B1_ROUTE", "PVT", None],
            "measure_label": ["Completion", "Exam", "Completion"],
            "learners": [12, 1234, 0],
            "succeeded": [9.0, float("nan"), 2.5],
            "failed": pd.array([3, None, 0], dtype="Int64"),
            "rate": [0.755, None, 0.5],
            "too_few": [False, True, None],
            "month": pd.to_datetime(["2026-01-01", None, "2026-03-01"]),
        }
    )
    before = frame.copy()
    table = tables.TABLES["outcomes"]
    keys = [column.key for column in table.columns]
    expected = [
        [
            "too few"
            if column.kind == tables.PERCENT and record["too_few"]
            else _django_cell_text(record[column.key], column.kind)
            for column in table.columns
        ]
        for record in reports.frame_rows(frame.head(2).reindex(columns=keys))
    ]
    assert table.page_rows(frame, limit=2) == expected
    assert expected[0][:2] == ["Alfa", str(Component.B1_ROUTE.label)]
    assert expected[1][0] == "—" and expected[1][6] == "too few"
    pd.testing.assert_frame_equal(frame, before)
    months = tables.TABLES["placements-months"]
    assert months.page_rows(frame[["month"]].assign(placements=[1, 2, 3])) == [
        ["January 2026", "1"],
        ["—", "2"],
        ["March 2026", "3"],
    ]
    assert table.page_rows(frame.head(0)) == []
