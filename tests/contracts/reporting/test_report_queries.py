"""Every report takes a fixed number of queries, however much data (contracts.reporting).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.models import ExamResult, IntakeVolume, MonthlyAttendance
from contracts.reporting import ReportFilter
from portal.enrolments.models import Enrolment
from tests.contracts.factories import LotFactory
from tests.contracts.reporting.world import (
    TODAY,
    D,
    State,
    _at,
    _enrolment,
    _payment,
    _referral,
    _use,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Queries: a fixed number, however much data -------------------------------------------------

QUERIES = {
    "utilisation": (lambda f: reports.utilisation(f, today=TODAY), 4),
    "utilisation_by_month": (lambda f: reports.utilisation_by_month(f, today=TODAY), 3),
    "placements_by_municipality_month": (
        lambda f: reports.placements_by_municipality_month(f, today=TODAY),
        2,
    ),
    "referral_funnel": (reports.referral_funnel, 2),
    "lead_times": (reports.lead_times, 3),
    "sla_breaches": (lambda f: reports.sla_breaches(f, today=TODAY), 4),
    "attendance": (reports.attendance, 2),
    "late_reporters": (lambda f: reports.late_reporters(f, today=TODAY), 2),
    "outcomes": (reports.outcomes, 3),
    "self_paid_market": (reports.self_paid_market, 6),
    "waiting_lists": (lambda f: reports.waiting_lists(f, today=TODAY), 1),
    "forecast": (lambda f: reports.forecast(2026, report_filter=f), 3),
}


def _more_of_everything(world):
    lot = LotFactory(contract__municipalities=[world.haarlem, world.velsen], capacity=40)
    use = _use(lot, D(2026, 1, 1), D(2026, 12, 31), used=30)
    for number in range(30):
        referral = _referral(
            lot,
            world.velsen if number % 2 else world.haarlem,
            state=State.STARTED,
            sent=D(2026, 1 + number % 5, 2),
            accepted=D(2026, 1 + number % 5, 3 + number % 7),
            start_due=D(2026, 6, 1),
            started=D(2026, 6, 1),
            use=use,
        )
        MonthlyAttendance.objects.create(
            referral=referral,
            month=D(2026, 6, 1),
            hours_offered=Decimal(10),
            hours_attended=Decimal(number % 10),
        )
        ExamResult.objects.create(
            referral=referral, exam="KNM", level="B1", passed=True, taken_on=D(2026, 6, 5)
        )
    for municipality in (world.haarlem, world.velsen):
        IntakeVolume.objects.create(
            municipality=municipality, year=2026, statushouders=50, gezinsmigranten=20
        )


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_each_report_takes_the_same_few_queries_however_many_rows(
    world, name, django_assert_max_num_queries
):
    report, queries = QUERIES[name]
    by_municipality = ReportFilter(municipality_id=world.haarlem.pk)
    with django_assert_max_num_queries(queries):
        report(by_municipality)
    _more_of_everything(world)
    with django_assert_max_num_queries(queries):
        report(by_municipality)
    with django_assert_max_num_queries(queries):
        report(ReportFilter(municipality_id=world.velsen.pk, component="B1_ROUTE"))


def test_the_market_takes_the_same_few_queries_however_many_enrolments(
    market, django_assert_max_num_queries
):
    report, queries = QUERIES["self_paid_market"]
    with django_assert_max_num_queries(queries):
        assert len(report(ReportFilter())) == 3
    for number in range(8):  # delta has 10 seats
        enrolment = _enrolment(
            market.delta, state=Enrolment.State.CONFIRMED, confirmed_at=_at(D(2026, 6, 1 + number))
        )
        _payment(enrolment, amount=90_000, paid=D(2026, 6, 1 + number))
    with django_assert_max_num_queries(queries):
        assert len(report(ReportFilter())) == 4
