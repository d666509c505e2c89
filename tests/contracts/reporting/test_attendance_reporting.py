"""Attendance and the providers late with it (contracts.reporting.attendance_reporting).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.models import MonthlyAttendance
from contracts.reporting import ReportFilter
from tests.contracts.factories import LotFactory
from tests.contracts.reporting.world import (
    TODAY,
    D,
    State,
    _assert_empty,
    _assert_records,
    _referral,
    _rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Attendance ---------------------------------------------------------------------------------

ATTENDANCE = [
    "contract_reference",
    "month",
    "placements",
    "hours_offered",
    "hours_attended",
    "absence_hours",
    "attendance_rate",
]


def test_attendance_per_provider_lot_and_month(world):
    frame = reports.attendance()
    lot_a = {
        "provider_id": world.alfa.pk,
        "provider_name": "Alfa Taal",
        "contract_id": world.contract_a.pk,
        "contract_reference": "RIJZK-A",
        "lot_id": world.lot_a.pk,
        "lot_label": "B1 route",
        "component": "B1_ROUTE",
    }
    lot_b = {
        "provider_id": world.beta.pk,
        "provider_name": "Beta Steun",
        "contract_id": world.contract_b.pk,
        "contract_reference": "RIJZK-B",
        "lot_id": world.lot_b.pk,
        "lot_label": "Participation statement (PVT)",
        "component": "PVT",
    }

    def month(first_day, placements, offered, attended, absent, rate):
        return {
            "month": first_day,
            "placements": placements,
            "hours_offered": offered,
            "hours_attended": attended,
            "absence_hours": absent,
            "attendance_rate": rate,
        }

    _assert_records(
        frame,
        [
            lot_a | month(D(2026, 3, 1), 1, 20.0, 15.0, 5.0, 0.75),  # r1
            lot_a | month(D(2026, 4, 1), 3, 90.0, 60.0, 30.0, pytest.approx(2 / 3)),  # r1 r2 r7
            lot_a | month(D(2026, 5, 1), 1, 12.0, 9.0, 3.0, 0.75),  # r7
            lot_b | month(D(2025, 12, 1), 1, 8.0, 8.0, 0.0, 1.0),  # r9
            lot_b | month(D(2026, 1, 1), 1, 16.0, 12.5, 3.5, 12.5 / 16),  # r9
        ],
    )


def test_attendance_for_part_of_a_month_takes_the_whole_month(world):
    frame = reports.attendance(ReportFilter(date_from=D(2026, 4, 10), date_until=D(2026, 4, 30)))
    assert _rows(frame, ATTENDANCE) == [
        ("RIJZK-A", D(2026, 4, 1), 3, 90.0, 60.0, 30.0, pytest.approx(2 / 3))
    ]


def test_attendance_for_a_municipality_and_a_provider(world):
    velsen = reports.attendance(
        ReportFilter(municipality_id=world.velsen.pk, date_until=D(2026, 4, 30))
    )
    assert _rows(velsen, ATTENDANCE) == [("RIJZK-A", D(2026, 4, 1), 1, 10.0, 10.0, 0.0, 1.0)]
    beta = reports.attendance(ReportFilter(provider_id=world.beta.pk))
    assert beta["contract_reference"].tolist() == ["RIJZK-B", "RIJZK-B"]


def test_attendance_hours_keep_one_decimal_when_added_up(world):
    # Added up as binary floats (SQLite does), 0.1 + 0.2 hours would be 0.30000000000000004.
    lot = LotFactory(contract__municipalities=[world.haarlem], capacity=5)
    for offered, attended in (("0.1", "0.1"), ("0.2", "0.1")):
        referral = _referral(lot, world.haarlem, state=State.STARTED, started=D(2026, 6, 1))
        MonthlyAttendance.objects.create(
            referral=referral,
            month=D(2026, 6, 1),
            hours_offered=Decimal(offered),
            hours_attended=Decimal(attended),
        )
    frame = reports.attendance(ReportFilter(date_from=D(2026, 6, 1), date_until=D(2026, 6, 30)))
    row = frame[frame["lot_id"] == lot.pk].iloc[0]
    assert (row["hours_offered"], row["hours_attended"], row["absence_hours"]) == (0.3, 0.2, 0.1)


def test_attendance_of_nothing_is_an_empty_frame():
    _assert_empty(reports.attendance(), reports.ATTENDANCE_COLUMNS)


def test_a_month_is_due_on_the_10th_working_day_of_the_next():
    # May 2026 ends on a Sunday; June's 10th working day is Friday 12 June.
    assert reports.attendance_report_deadline(month=D(2026, 5, 1)) == D(2026, 6, 12)
    # April ends on a Thursday: Friday 1 May is the first working day, Thursday 14 May the 10th.
    assert reports.attendance_report_deadline(month=D(2026, 4, 1)) == D(2026, 5, 14)
    assert reports.attendance_month_due(today=D(2026, 6, 12)) == D(2026, 4, 1)
    assert reports.attendance_month_due(today=D(2026, 6, 13)) == D(2026, 5, 1)


def test_providers_that_did_not_report_last_month_after_the_deadline(world):
    frame = reports.late_reporters(today=TODAY)
    # May is due: r1 (completed 29 May), r2 (stopped 1 May) and r7 ran in it; only r7 reported.
    # Beta's r9 ended in January; r8 has not started.
    _assert_records(
        frame,
        [
            {
                "provider_id": world.alfa.pk,
                "provider_name": "Alfa Taal",
                "month": D(2026, 5, 1),
                "deadline": D(2026, 6, 12),
                "placements_due": 3,
                "reported": 1,
                "missing": 2,
            }
        ],
    )


def test_on_the_deadline_day_the_month_before_is_checked_and_it_is_complete(world):
    frame = reports.late_reporters(today=D(2026, 6, 12))  # April: r1, r2 and r7 all reported
    _assert_empty(frame, reports.LATE_REPORTER_COLUMNS)


def test_late_reporters_for_a_municipality(world):
    velsen = reports.late_reporters(ReportFilter(municipality_id=world.velsen.pk), today=TODAY)
    assert velsen.empty  # Velsen's only placement (r7) reported May
