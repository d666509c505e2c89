"""The self-paid market and the waiting lists (contracts.reporting.self_paid).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from contracts import reporting as reports
from contracts.reporting import ReportFilter
from tests.contracts.reporting.world import D, _assert_empty, _assert_records, _rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- The self-paid market -----------------------------------------------------------------------


MARKET = ["provider_name", "month", *reports.MARKET_COUNTS]


def test_the_self_paid_market_per_provider_and_month(market):
    frame = reports.self_paid_market()
    delta = {"provider_id": market.delta.offering.provider_id, "provider_name": "Delta Taal"}
    gamma = {"provider_id": market.gamma.offering.provider_id, "provider_name": "Gamma Taal"}

    def month(first_day, *counts):
        names = ["enrolments", "duo_loan_enrolments", "cancellations", "paid_cents"]
        names += ["refunded_cents", "revenue_cents", "waiting_list_joined"]
        return {"month": first_day} | dict(zip(names, counts, strict=True))

    # enrolments, by DUO loan, cancellations, paid, refunded, revenue, joined a waiting list
    _assert_records(
        frame,
        [
            delta | month(D(2026, 5, 1), 1, 0, 0, 90_000, 0, 90_000, 0),
            gamma | month(D(2026, 3, 1), 2, 0, 0, 250_000, 0, 250_000, 0),
            gamma | month(D(2026, 4, 1), 1, 1, 1, 0, 125_000, -125_000, 2),
        ],
    )


def test_the_self_paid_market_follows_period_municipality_and_provider(market):
    april = ReportFilter(date_from=D(2026, 4, 1), date_until=D(2026, 4, 30))
    assert _rows(reports.self_paid_market(april), MARKET) == [
        ("Gamma Taal", D(2026, 4, 1), 1, 1, 1, 0, 125_000, -125_000, 2)
    ]
    velsen = ReportFilter(municipality_id=market.velsen.pk)
    assert reports.self_paid_market(velsen)["provider_name"].tolist() == ["Delta Taal"]
    gamma = ReportFilter(provider_id=market.gamma.offering.provider_id)
    assert reports.self_paid_market(gamma)["provider_name"].tolist() == ["Gamma Taal"] * 2
    assert reports.self_paid_market(ReportFilter(component="PVT")).empty


def test_the_self_paid_market_of_nothing_is_an_empty_frame():
    _assert_empty(reports.self_paid_market(), reports.MARKET_COLUMNS)


def test_waiting_lists_count_who_waits_now_for_a_start_to_come(market):
    frame = reports.waiting_lists(today=timezone.localdate())
    # One learner waits for gamma; the other left the list.
    _assert_records(
        frame,
        [
            {
                "provider_id": market.gamma.offering.provider_id,
                "provider_name": "Gamma Taal",
                "offering_id": market.gamma.offering_id,
                "offering_title": market.gamma.offering.title,
                "start_moment_id": market.gamma.pk,
                "starts_on": market.gamma.starts_on,
                "seats": 10,
                "waiting": 1,
            }
        ],
    )
    after_the_start = market.gamma.starts_on + datetime.timedelta(days=1)
    _assert_empty(reports.waiting_lists(today=after_the_start), reports.WAITING_LIST_COLUMNS)
