"""The filter of the figures and the rows for templates (contracts.reporting.frames).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.utils import translation

from contracts import reporting as reports
from contracts.reporting import ReportFilter
from portal.accounts.models import Role
from tests.contracts.reporting.world import TODAY, YEAR_2026, D, _by_provider
from tests.portal.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- The filter ---------------------------------------------------------------------------------


def test_the_filter_reads_every_parameter_from_the_url():
    query = QueryDict("from=2026-01-01&until=2026-06-30&municipality=7&component=PVT&provider=12")
    parsed = ReportFilter.from_query(query)
    assert parsed == ReportFilter(
        date_from=D(2026, 1, 1),
        date_until=D(2026, 6, 30),
        municipality_id=7,
        component="PVT",
        provider_id=12,
    )
    assert parsed.errors == ()
    assert ReportFilter.from_query(QueryDict(parsed.to_query())) == parsed


def test_an_empty_filter_has_an_empty_query():
    assert ReportFilter.from_query(QueryDict("from=&municipality=")) == ReportFilter()
    assert ReportFilter().to_query() == ""


def test_bad_values_are_left_out_and_each_says_why():
    query = QueryDict(
        "from=31-01-2026&until=2026-02-30&municipality=Haarlem&component=TAAL&provider=-3"
    )
    parsed = ReportFilter.from_query(query)
    assert parsed == ReportFilter()
    assert parsed.error_messages == {
        "from": "Enter a date as YYYY-MM-DD, e.g. 2026-01-31.",
        "until": "Enter a date as YYYY-MM-DD, e.g. 2026-01-31.",
        "municipality": "Choose a municipality from the list.",
        "component": "Choose a component from the list.",
        "provider": "Choose a provider from the list.",
    }


def test_dates_outside_any_sensible_year_are_refused_not_a_crash():
    parsed = ReportFilter.from_query(QueryDict("from=0001-01-01&until=9999-12-31"))
    assert (parsed.date_from, parsed.date_until) == (None, None)
    assert parsed.error_messages == {
        "from": "Enter a date between 1900 and 2100.",
        "until": "Enter a date between 1900 and 2100.",
    }


def test_a_period_ending_before_it_starts_loses_its_end():
    parsed = ReportFilter.from_query(QueryDict("from=2026-06-01&until=2026-05-01"))
    assert (parsed.date_from, parsed.date_until) == (D(2026, 6, 1), None)
    assert parsed.error_messages == {
        "until": "The end of the period is before its start; it was left out."
    }


def test_a_klantmanager_is_locked_to_their_own_municipality(world):
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=world.haarlem)
    asked_other = ReportFilter.from_query(
        QueryDict(f"municipality={world.velsen.pk}"), user=klantmanager
    )
    assert asked_other.municipality == world.haarlem.pk
    assert asked_other.municipality_id is None
    assert asked_other.error_messages == {
        "municipality": "You see the figures of your own municipality only."
    }
    assert "municipality" not in asked_other.to_query()

    funnel = reports.referral_funnel(asked_other)
    # Haarlem's learners only: r1 to r6 at Alfa (r7 is Velsen's), r8 and r9 at Beta.
    assert _by_provider(funnel, ["sent", "accepted", "started"]) == {
        "Alfa Taal": (6, 3, 2),
        "Beta Steun": (2, 2, 1),
        "All providers": (8, 5, 3),
    }


def test_a_contract_manager_is_not_locked():
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    parsed = ReportFilter.from_query(QueryDict("municipality=5"), user=manager)
    assert (parsed.municipality, parsed.locked_municipality_id) == (5, None)


def test_a_klantmanager_without_a_municipality_sees_nothing(world):
    nobody = UserFactory(role=Role.CASE_MANAGER, municipality=None)
    parsed = ReportFilter.from_query(QueryDict(""), user=nobody)
    assert reports.referral_funnel(parsed).empty
    assert reports.utilisation(parsed, today=TODAY).empty


# --- Rows for templates -------------------------------------------------------------------------


def test_frame_rows_gives_plain_values_and_none_for_missing_ones(world):
    rows = reports.frame_rows(reports.lead_times(YEAR_2026))
    beta, total = rows[1], rows[2]
    assert beta["provider_name"] == "Beta Steun"
    assert beta["median_days_to_start"] is None
    assert total["provider_id"] is None
    assert type(rows[0]["accepted"]) is int
    assert reports.frame_rows(reports.lead_times(ReportFilter(component="KNM"))) == []
