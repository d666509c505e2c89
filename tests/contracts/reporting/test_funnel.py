"""Referrals: the funnel, lead times and SLA breaches (contracts.reporting.funnel).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.reporting import ReportFilter
from tests.contracts.reporting.world import (
    TODAY,
    YEAR_2026,
    D,
    _assert_empty,
    _assert_records,
    _by_provider,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- Funnel, lead times, SLA --------------------------------------------------------------------


def test_the_funnel_follows_the_referrals_sent(world):
    frame = reports.referral_funnel()

    def row(provider_id, provider_name, *counts):
        names = ["sent", "accepted", "declined", "withdrawn", "started", "completed", "stopped"]
        names += ["awaiting_answer", "awaiting_start"]
        return {"provider_id": provider_id, "provider_name": provider_name} | dict(
            zip(names, counts, strict=True)
        )

    # sent, accepted, declined, withdrawn, started, completed, stopped, awaiting answer, start;
    # the total row has no provider.
    _assert_records(
        frame,
        [
            row(world.alfa.pk, "Alfa Taal", 7, 4, 1, 1, 3, 1, 1, 1, 1),
            row(world.beta.pk, "Beta Steun", 2, 2, 0, 0, 1, 1, 0, 0, 1),
            row(None, "All providers", 9, 6, 1, 1, 4, 2, 1, 1, 2),
        ],
    )


def test_the_funnel_for_a_period_takes_the_referrals_sent_in_it(world):
    frame = reports.referral_funnel(YEAR_2026)  # r9 was sent in December 2025
    assert _by_provider(frame, ["sent", "accepted", "started", "completed"])["Beta Steun"] == (
        1,
        1,
        0,
        0,
    )


def test_the_funnel_for_a_municipality_component_or_provider(world):
    velsen = reports.referral_funnel(ReportFilter(municipality_id=world.velsen.pk))
    assert _by_provider(velsen, ["sent", "accepted", "started"]) == {
        "Alfa Taal": (1, 1, 1),
        "All providers": (1, 1, 1),
    }
    pvt = reports.referral_funnel(ReportFilter(component="PVT"))
    assert set(pvt["provider_name"]) == {"Beta Steun", "All providers"}
    alfa = reports.referral_funnel(ReportFilter(provider_id=world.alfa.pk))
    assert _by_provider(alfa, ["sent"]) == {"Alfa Taal": (7,), "All providers": (7,)}


def test_the_funnel_of_nothing_is_an_empty_frame():
    _assert_empty(reports.referral_funnel(), reports.FUNNEL_COLUMNS)


def test_lead_times_median_and_90th_percentile_per_provider_and_overall(world):
    frame = reports.lead_times()

    def row(provider_id, provider_name, accepted, to_accept, started, to_start):
        return {
            "provider_id": provider_id,
            "provider_name": provider_name,
            "accepted": accepted,
            "median_days_to_accept": to_accept[0],
            "p90_days_to_accept": to_accept[1],
            "started": started,
            "median_days_to_start": to_start[0],
            "p90_days_to_start": to_start[1],
        }

    # Alfa: to accept 1, 1, 2, 8 days; to start 9, 14, 30. Beta: to accept 1, 1; to start 9.
    # Linear interpolation: the median of 1, 1, 2, 8 lies halfway between 1 and 2; its 90th
    # percentile at rank 0.9 x 3 = 2.7, so 2 + 0.7 x (8 - 2).
    _assert_records(
        frame,
        [
            row(
                world.alfa.pk,
                "Alfa Taal",
                4,
                (1.5, pytest.approx(6.2)),
                3,
                (14.0, pytest.approx(26.8)),
            ),
            row(world.beta.pk, "Beta Steun", 2, (1.0, 1.0), 1, (9.0, 9.0)),
            # All: to accept 1, 1, 1, 1, 2, 8; to start 9, 9, 14, 30.
            row(None, "All providers", 6, (1.0, 5.0), 4, (11.5, pytest.approx(25.2))),
        ],
    )


def test_a_provider_whose_referrals_did_not_start_has_no_start_figures(world):
    frame = reports.lead_times(YEAR_2026)
    beta = frame[frame["provider_name"] == "Beta Steun"].iloc[0]
    assert (beta["accepted"], beta["median_days_to_accept"]) == (1, 1.0)
    assert (beta["started"], beta["median_days_to_start"], beta["p90_days_to_start"]) == (
        0,
        None,
        None,
    )


def test_lead_times_of_nothing_are_an_empty_frame():
    _assert_empty(reports.lead_times(), reports.LEAD_TIME_COLUMNS)


@pytest.mark.parametrize(
    ("values", "counts", "q", "expected"),
    [
        ([1, 2, 8], [2, 1, 1], 0.5, 1.5),
        ([8, 1, 2], [1, 2, 1], 0.9, 6.2),  # unsorted input
        ([5], [1], 0.9, 5.0),
        ([3, 4], [0, 2], 0.5, 4.0),
        ([], [], 0.5, None),
    ],
)
def test_quantiles_from_a_histogram_equal_those_of_the_repeated_values(values, counts, q, expected):
    assert reports.histogram_quantile(values, counts, q) == (
        pytest.approx(expected) if expected is not None else None
    )


SLA = list(reports.SLA_COUNTS)


def test_sla_breaches_per_provider(world):
    frame = reports.sla_breaches(today=TODAY)

    def row(provider_id, provider_name, *counts):
        names = ["sent", "answered", "answered_late", "answer_overdue", "started"]
        names += ["started_late", "start_overdue", "breaches"]
        return {"provider_id": provider_id, "provider_name": provider_name} | dict(
            zip(names, counts, strict=True)
        )

    # sent, answered, answered late, answer overdue, started, started late, start overdue,
    # breaches. Alfa: r2 and r3 answered late (r1 on its due day is on time), r4 unanswered,
    # r2 started late (r7 on its due day is on time), r5 not started. Beta: r8 not started.
    _assert_records(
        frame,
        [
            row(world.alfa.pk, "Alfa Taal", 7, 5, 2, 1, 3, 1, 1, 5),
            row(world.beta.pk, "Beta Steun", 2, 2, 0, 0, 1, 0, 1, 1),
            row(None, "All providers", 9, 7, 2, 1, 4, 1, 2, 6),
        ],
    )


def test_an_open_referral_is_overdue_only_after_its_due_day(world):
    frame = reports.sla_breaches(today=D(2026, 6, 2))  # r8's start due day
    assert _by_provider(frame, ["start_overdue", "breaches"])["Beta Steun"] == (0, 0)


def test_sla_breaches_follow_the_filters(world):
    velsen = reports.sla_breaches(ReportFilter(municipality_id=world.velsen.pk), today=TODAY)
    assert _by_provider(velsen, SLA)["Alfa Taal"] == (1, 1, 0, 0, 1, 0, 0, 0)
    period = ReportFilter(date_from=D(2026, 3, 3), date_until=D(2026, 12, 31))
    assert _by_provider(reports.sla_breaches(period, today=TODAY), ["sent", "breaches"]) == {
        "Alfa Taal": (1, 0),
        "Beta Steun": (1, 1),
        "All providers": (2, 1),
    }


def test_sla_breaches_of_nothing_are_an_empty_frame():
    _assert_empty(reports.sla_breaches(today=TODAY), reports.SLA_COLUMNS)
