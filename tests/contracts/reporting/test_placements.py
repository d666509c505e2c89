"""Utilisation: places used against capacity (contracts.reporting.placements).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.models import LotPeriodUse, Referral
from contracts.referrals import COUNTS_AGAINST_CAPACITY
from contracts.reporting import ReportFilter
from tests.contracts.reporting.world import TODAY, D, _assert_empty, _assert_records, _rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Utilisation --------------------------------------------------------------------------------


def test_utilisation_per_lot_and_capacity_period_of_this_year(world):
    # A contract manager let lot B take one place over its capacity in the second quarter.
    LotPeriodUse.objects.filter(lot=world.lot_b, period_start=D(2026, 4, 1)).update(overrides=1)
    frame = reports.utilisation(today=TODAY)
    lot_a = {
        "contract_id": world.contract_a.pk,
        "contract_reference": "RIJZK-A",
        "contract_ends_on": D(2027, 12, 31),
        "contract_ending_soon": False,
        "provider_id": world.alfa.pk,
        "provider_name": "Alfa Taal",
        "lot_id": world.lot_a.pk,
        "lot_label": "B1 route",
        "component": "B1_ROUTE",
    }
    # Lot B's contract ends on 31 August 2026, 77 days after today: ending soon.
    lot_b = {
        "contract_id": world.contract_b.pk,
        "contract_reference": "RIJZK-B",
        "contract_ends_on": D(2026, 8, 31),
        "contract_ending_soon": True,
        "provider_id": world.beta.pk,
        "provider_name": "Beta Steun",
        "lot_id": world.lot_b.pk,
        "lot_label": "Participation statement (PVT)",
        "component": "PVT",
    }

    def period(start, end, capacity, placed, share, above_threshold, overrides=0):
        return {
            "period_start": start,
            "period_end": end,
            "capacity": capacity,
            "overrides": overrides,
            "lot_placements": placed,
            "placements": placed,  # no municipality chosen: all of the lot's
            "share": share,
            "above_threshold": above_threshold,
        }

    # Lot A: 5 of 10 places this year. Lot B: quarters 1 and 3 have no placements yet (quarter
    # 1 was never counted, so it shows the lot's capacity); quarter 2 is full (1 of 1).
    _assert_records(
        frame,
        [
            lot_a | period(D(2026, 1, 1), D(2026, 12, 31), 10, 5, 0.5, False),
            lot_b | period(D(2026, 1, 1), D(2026, 3, 31), 1, 0, 0.0, False),
            lot_b | period(D(2026, 4, 1), D(2026, 6, 30), 1, 1, 1.0, True, overrides=1),
            lot_b | period(D(2026, 7, 1), D(2026, 9, 30), 1, 0, 0.0, False),
        ],
    )


def test_utilisation_counts_the_same_places_as_the_lot_s_counter(world):
    counted = Referral.objects.filter(
        lot=world.lot_a, state__in=COUNTS_AGAINST_CAPACITY, period_use__isnull=False
    ).count()
    frame = reports.utilisation(ReportFilter(component="B1_ROUTE"), today=TODAY)
    assert frame["lot_placements"].tolist() == [counted] == [5]


def test_a_period_without_placements_shows_the_capacity_and_nothing_used(world):
    first_quarter = ReportFilter(date_from=D(2026, 1, 1), date_until=D(2026, 3, 31))
    frame = reports.utilisation(first_quarter, today=TODAY)
    assert _rows(frame, ["contract_reference", "period_start", "capacity", "placements"]) == [
        ("RIJZK-A", D(2026, 1, 1), 10, 5),  # the year period overlaps the quarter
        ("RIJZK-B", D(2026, 1, 1), 1, 0),
    ]
    months = reports.utilisation_by_month(
        ReportFilter(date_from=D(2026, 1, 1), date_until=D(2026, 2, 28)), today=TODAY
    )
    _assert_empty(months, reports.UTILISATION_MONTH_COLUMNS)


def test_utilisation_for_one_municipality_counts_its_learners_against_the_lot(world):
    frame = reports.utilisation(ReportFilter(municipality_id=world.velsen.pk), today=TODAY)
    # Only lot A covers Velsen; one of its five places is a Velsen learner's (r7).
    assert _rows(frame, ["contract_reference", "lot_placements", "placements", "share"]) == [
        ("RIJZK-A", 5, 1, 0.5)
    ]


def test_utilisation_by_component_and_provider(world):
    pvt = reports.utilisation(ReportFilter(component="PVT"), today=TODAY)
    assert set(pvt["contract_reference"]) == {"RIJZK-B"}
    alfa = reports.utilisation(ReportFilter(provider_id=world.alfa.pk), today=TODAY)
    assert alfa["contract_reference"].tolist() == ["RIJZK-A"]


def test_utilisation_of_last_year_shows_the_periods_then(world):
    frame = reports.utilisation(
        ReportFilter(date_from=D(2025, 10, 1), date_until=D(2025, 12, 31)), today=TODAY
    )
    assert _rows(frame, ["contract_reference", "period_start", "lot_placements"]) == [
        ("RIJZK-A", D(2025, 1, 1), 0),
        ("RIJZK-B", D(2025, 10, 1), 1),
    ]


def test_utilisation_without_lots_is_an_empty_frame():
    _assert_empty(reports.utilisation(today=TODAY), reports.UTILISATION_COLUMNS)


def test_placements_per_month_and_municipality_sum_the_lots(world):
    frame = reports.placements_by_municipality_month(today=TODAY)
    haarlem = {"municipality_id": world.haarlem.pk, "municipality_name": "Haarlem"}
    velsen = {"municipality_id": world.velsen.pk, "municipality_name": "Velsen"}
    _assert_records(
        frame,
        [
            {"month": D(2026, 3, 1)} | haarlem | {"placements": 4},  # r1, r2, r4, r5
            {"month": D(2026, 4, 1)} | velsen | {"placements": 1},  # r7
            {"month": D(2026, 5, 1)} | haarlem | {"placements": 1},  # r8
        ],
    )
    velsen = reports.placements_by_municipality_month(
        ReportFilter(municipality_id=world.velsen.pk), today=TODAY
    )
    assert velsen["placements"].tolist() == [1]
    empty = reports.placements_by_municipality_month(
        ReportFilter(date_from=D(2026, 1, 1), date_until=D(2026, 2, 28)), today=TODAY
    )
    _assert_empty(empty, reports.PLACEMENT_MONTH_COLUMNS)


def test_placements_per_month_lot_and_municipality(world):
    frame = reports.utilisation_by_month(today=TODAY)
    lot_a = {
        "contract_id": world.contract_a.pk,
        "contract_reference": "RIJZK-A",
        "provider_id": world.alfa.pk,
        "provider_name": "Alfa Taal",
        "lot_id": world.lot_a.pk,
        "lot_label": "B1 route",
        "component": "B1_ROUTE",
    }
    lot_b = {
        "contract_id": world.contract_b.pk,
        "contract_reference": "RIJZK-B",
        "provider_id": world.beta.pk,
        "provider_name": "Beta Steun",
        "lot_id": world.lot_b.pk,
        "lot_label": "Participation statement (PVT)",
        "component": "PVT",
    }
    haarlem = {"municipality_id": world.haarlem.pk, "municipality_name": "Haarlem"}
    velsen = {"municipality_id": world.velsen.pk, "municipality_name": "Velsen"}
    _assert_records(
        frame,
        [
            {"month": D(2026, 3, 1)}  # r1, r2, r4, r5 in lot A's year
            | lot_a
            | haarlem
            | {"period_start": D(2026, 1, 1), "period_capacity": 10, "placements": 4},
            {"month": D(2026, 4, 1)}  # r7
            | lot_a
            | velsen
            | {"period_start": D(2026, 1, 1), "period_capacity": 10, "placements": 1},
            {"month": D(2026, 5, 1)}  # r8 in lot B's second quarter
            | lot_b
            | haarlem
            | {"period_start": D(2026, 4, 1), "period_capacity": 1, "placements": 1},
        ],
    )
