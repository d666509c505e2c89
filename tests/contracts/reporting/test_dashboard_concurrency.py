"""The dashboard's reports computed side by side
(contracts.reporting.dashboard_tables.concurrently): each in its own thread and database
connection, in the caller's language, with the same figures as one after the other.

Runs on PostgreSQL (CI's second pass): elsewhere, and inside a transaction, the reports are
computed one after the other by design, so there is nothing to compare.
"""

from __future__ import annotations

import random
import threading

import pandas as pd
import pytest
from django.db import transaction
from django.utils import translation

from contracts.reporting import ReportFilter, dashboard_tables
from contracts.reporting.dashboard_tables import BASE_REPORTS, ReportSet
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.contracts.test_summaries import _random_casework

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def casework():
    municipalities = [MunicipalityFactory(), MunicipalityFactory()]
    lots = [LotFactory(contract__municipalities=municipalities) for _ in range(3)]
    _random_casework(lots, municipalities, random.Random(11), count=60)


def _frames(report_filter: ReportFilter) -> dict[str, pd.DataFrame]:
    report_set = ReportSet(report_filter, refresh=True)
    report_set.compute_all()
    return {name: report_set[name] for name in BASE_REPORTS}


def test_side_by_side_gives_the_figures_of_one_after_the_other(casework, settings, monkeypatch):
    report_filter = ReportFilter()  # all years: the random casework spans 2024 to 2026
    settings.DASHBOARD_WORKERS = 1
    with translation.override("en"):
        one_by_one = _frames(report_filter)

    threads: set[str] = set()
    recorded = {
        name: lambda f, today, report=report: (
            threads.add(threading.current_thread().name) or report(f, today)
        )
        for name, report in BASE_REPORTS.items()
    }
    monkeypatch.setattr(dashboard_tables, "BASE_REPORTS", recorded)
    settings.DASHBOARD_WORKERS = 3
    with translation.override("en"):
        side_by_side = _frames(report_filter)

    assert len(threads) > 1 and all(name.startswith("dashboard") for name in threads)
    assert "All providers" in set(side_by_side["funnel"]["provider_name"])  # the caller's language
    for name, frame in one_by_one.items():
        pd.testing.assert_frame_equal(side_by_side[name], frame, check_dtype=False)
    assert not one_by_one["funnel"].empty and not one_by_one["attendance"].empty


def test_inside_a_transaction_the_reports_are_computed_in_this_thread(settings):
    settings.DASHBOARD_WORKERS = 3
    seen: set[str] = set()
    jobs = {str(n): lambda: seen.add(threading.current_thread().name) for n in range(3)}
    with transaction.atomic():
        dashboard_tables.concurrently(jobs)
    assert seen == {threading.current_thread().name}
