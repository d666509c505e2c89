"""Outcomes: completions, stops and exams (contracts.reporting.results).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.models import ExamResult
from contracts.reporting import ReportFilter
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.contracts.reporting.world import (
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


# --- Outcomes -----------------------------------------------------------------------------------

OUTCOME = ["provider_name", "component", "measure", "learners", "succeeded", "failed", "rate"]


def test_outcomes_per_provider_route_and_measure_with_the_learners_behind_them(world):
    frame = reports.outcomes()
    alfa = {"provider_id": world.alfa.pk, "provider_name": "Alfa Taal", "component": "B1_ROUTE"}
    beta = {"provider_id": world.beta.pk, "provider_name": "Beta Steun", "component": "PVT"}

    def measure(code, label, learners, succeeded, failed):
        # Fewer than ten learners behind every figure: no rate.
        return {
            "measure": code,
            "measure_label": label,
            "learners": learners,
            "succeeded": succeeded,
            "failed": failed,
            "rate": None,
            "too_few": True,
        }

    _assert_records(
        frame,
        [
            alfa | measure("COMPLETION", "Completed", 2, 1, 1),  # r1 completed, r2 stopped
            alfa | measure("READING", "Reading", 1, 1, 0),
            # r1 failed once, then passed
            alfa | measure("KNM", "Knowledge of Dutch society (KNM)", 1, 1, 1),
            beta | measure("COMPLETION", "Completed", 1, 1, 0),  # r9
        ],
    )


def test_outcomes_in_a_period_count_what_ended_or_was_taken_in_it(world):
    frame = reports.outcomes(ReportFilter(date_from=D(2026, 5, 21), date_until=D(2026, 5, 31)))
    assert _rows(frame, OUTCOME) == [
        ("Alfa Taal", "B1_ROUTE", "COMPLETION", 1, 1, 0, None),  # r1 ended 29 May
        ("Alfa Taal", "B1_ROUTE", "KNM", 1, 1, 1, None),
    ]


def _ended_placements(lot, municipality, *, completed, stopped, exams_passed=0):
    for number in range(completed + stopped):
        referral = _referral(
            lot,
            municipality,
            state=State.COMPLETED if number < completed else State.STOPPED,
            accepted=D(2026, 3, 3),
            started=D(2026, 3, 10),
            ended=D(2026, 5, 1),
        )
        ExamResult.objects.create(
            referral=referral,
            exam="KNM",
            level="B1",
            passed=number < exams_passed,
            taken_on=D(2026, 4, 20),
        )


@pytest.mark.parametrize(("learners", "rate"), [(9, None), (10, 0.7)])
def test_a_rate_needs_at_least_ten_learners(learners, rate):
    assert reports.MIN_GROUP == 10
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    lot = LotFactory(contract__municipalities=[haarlem])
    _ended_placements(lot, haarlem, completed=7, stopped=learners - 7, exams_passed=7)
    frame = reports.outcomes()
    assert _rows(frame, ["measure", "learners", "succeeded", "failed", "rate", "too_few"]) == [
        ("COMPLETION", learners, 7, learners - 7, rate, rate is None),
        ("KNM", learners, 7, learners - 7, rate, rate is None),
    ]


def test_outcomes_follow_the_filters(world):
    assert set(reports.outcomes(ReportFilter(component="PVT"))["provider_name"]) == {"Beta Steun"}
    assert set(reports.outcomes(ReportFilter(provider_id=world.alfa.pk))["measure"]) == {
        "COMPLETION",
        "READING",
        "KNM",
    }
    assert reports.outcomes(ReportFilter(municipality_id=world.velsen.pk)).empty


def test_outcomes_of_nothing_are_an_empty_frame():
    _assert_empty(reports.outcomes(), reports.OUTCOME_COLUMNS)
