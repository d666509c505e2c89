"""The dashboard's roll-ups of report frames and the texts its cells show."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from django.utils import translation

from contracts import dashboard_tables as tables
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
