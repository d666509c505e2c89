"""The contract manager's figures (contracts.reports), on small data checked by hand.

"Today" is Monday 15 June 2026 unless a test says otherwise. Two providers:

* Alfa Taal, contract RIJZK-A (2025 to 2027, Haarlem and Velsen), lot A: B1-route, 10 a year;
* Beta Steun, contract RIJZK-B (2025 to 31 August 2026, Haarlem), lot B: PVT, 1 a quarter.

Referrals (sent on Monday 2 March 2026, answer due 9 March, unless said otherwise):

==== ==== ======== ============================================================================
ref  lot  learner  what happened
==== ==== ======== ============================================================================
r1   A    Haarlem  answer due 4 March, accepted 4 March (2 days), start due 1 April, started 16
                   March (14 days), completed 29 May
r2   A    Haarlem  accepted 10 March (8 days, late), start due 31 March, started 1 April (30
                   days, late), stopped 1 May
r3   A    Haarlem  declined 12 March (late)
r4   A    Haarlem  still unanswered (overdue)
r5   A    Haarlem  accepted 3 March (1 day), start due 31 March, not started (overdue)
r6   A    Haarlem  withdrawn 5 March, unanswered
r7   A    Velsen   sent 1 April, answer due 8 April, accepted 2 April (1 day), start due 10
                   April, started 10 April (9 days)
r8   B    Haarlem  sent 4 May, answer due 11 May, accepted 5 May (1 day), start due 2 June, not
                   started (overdue from 3 June)
r9   B    Haarlem  sent 1 December 2025, answer due 8 December, accepted 2 December (1 day),
                   start due 30 December, started 10 December (9 days), completed 31 January 2026
r10  A    Haarlem  a draft, never sent
==== ==== ======== ============================================================================

Lot A counted 5 places in 2026 (r1, r2, r4, r5, r7; r3 and r6 gave theirs back), lot B 1 in the
second quarter of 2026 (r8) and 1 in the fourth of 2025 (r9).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pytest
from django.http import QueryDict
from django.utils import timezone, translation

from contracts import reports
from contracts.models import (
    CapacityPeriod,
    ContractStatus,
    ExamResult,
    IntakeVolume,
    LotPeriodUse,
    LotStatus,
    MonthlyAttendance,
    Referral,
    ReferralState,
    ReferralTransition,
)
from contracts.reports import ReportFilter, VolumeYears
from portal.accounts.models import Role
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import Payment
from tests.contracts.factories import (
    ContractFactory,
    LearnerFactory,
    LotFactory,
    MunicipalityFactory,
)
from tests.enrolments.factories import held_enrolment, learner, start_moment_for_sale
from tests.portal.factories import UserFactory
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

D = datetime.date
State = ReferralState
TODAY = D(2026, 6, 15)
SENT_ON, ANSWER_DUE = D(2026, 3, 2), D(2026, 3, 9)
YEAR_2026 = ReportFilter(date_from=D(2026, 1, 1), date_until=D(2026, 12, 31))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _transition(referral, from_state, to_state, day):
    made = ReferralTransition.objects.create(
        referral=referral, from_state=from_state, to_state=to_state
    )
    ReferralTransition.objects.filter(pk=made.pk).update(at=_at(day))


def _referral(
    lot,
    municipality,
    *,
    state,
    sent=SENT_ON,
    answer_due=ANSWER_DUE,
    accepted=None,
    declined=None,
    withdrawn=None,
    start_due=None,
    started=None,
    ended=None,
    use=None,
):
    referral = Referral.objects.create(
        learner=LearnerFactory(municipality=municipality),
        lot=lot,
        state=state,
        sent_at=_at(sent) if sent else None,
        answer_due=answer_due if sent else None,
        accepted_at=_at(accepted) if accepted else None,
        start_due=start_due,
        started_on=started,
        ended_on=ended,
        period_use=use,
    )
    for day, to_state in ((accepted, State.ACCEPTED), (declined, State.DECLINED)):
        if day:
            _transition(referral, State.SENT, to_state, day)
    if withdrawn:
        _transition(referral, State.SENT, State.WITHDRAWN, withdrawn)
    if started:
        _transition(referral, State.ACCEPTED, State.STARTED, started)
    return referral


def _use(lot, start, end, used):
    return LotPeriodUse.objects.create(
        lot=lot, period_start=start, period_end=end, capacity=lot.capacity, used=used
    )


@pytest.fixture
def world():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    alfa = ProviderFactory(name="Alfa Taal")
    beta = ProviderFactory(name="Beta Steun", kind="SUPPORT")
    contract_a = ContractFactory(
        provider=alfa,
        reference="RIJZK-A",
        starts_on=D(2025, 1, 1),
        ends_on=D(2027, 12, 31),
        municipalities=[haarlem, velsen],
    )
    contract_b = ContractFactory(
        provider=beta,
        reference="RIJZK-B",
        starts_on=D(2025, 1, 1),
        ends_on=D(2026, 8, 31),
        municipalities=[haarlem],
    )
    lot_a = LotFactory(contract=contract_a, component="B1_ROUTE", capacity=10)
    lot_b = LotFactory(
        contract=contract_b, component="PVT", capacity=1, capacity_period=CapacityPeriod.QUARTER
    )
    use_a = _use(lot_a, D(2026, 1, 1), D(2026, 12, 31), used=5)
    use_b = _use(lot_b, D(2026, 4, 1), D(2026, 6, 30), used=1)
    use_b_2025 = _use(lot_b, D(2025, 10, 1), D(2025, 12, 31), used=1)

    r = {}
    r[1] = _referral(
        lot_a, haarlem, state=State.COMPLETED, answer_due=D(2026, 3, 4), accepted=D(2026, 3, 4),
        start_due=D(2026, 4, 1), started=D(2026, 3, 16), ended=D(2026, 5, 29), use=use_a,
    )  # fmt: skip
    r[2] = _referral(
        lot_a, haarlem, state=State.STOPPED, accepted=D(2026, 3, 10), start_due=D(2026, 3, 31),
        started=D(2026, 4, 1), ended=D(2026, 5, 1), use=use_a,
    )  # fmt: skip
    r[3] = _referral(lot_a, haarlem, state=State.DECLINED, declined=D(2026, 3, 12), use=use_a)
    r[4] = _referral(lot_a, haarlem, state=State.SENT, use=use_a)
    r[5] = _referral(
        lot_a, haarlem, state=State.ACCEPTED, accepted=D(2026, 3, 3), start_due=D(2026, 3, 31),
        use=use_a,
    )  # fmt: skip
    r[6] = _referral(lot_a, haarlem, state=State.WITHDRAWN, withdrawn=D(2026, 3, 5), use=use_a)
    r[7] = _referral(
        lot_a, velsen, state=State.STARTED, sent=D(2026, 4, 1), answer_due=D(2026, 4, 8),
        accepted=D(2026, 4, 2), start_due=D(2026, 4, 10), started=D(2026, 4, 10), use=use_a,
    )  # fmt: skip
    r[8] = _referral(
        lot_b, haarlem, state=State.ACCEPTED, sent=D(2026, 5, 4), answer_due=D(2026, 5, 11),
        accepted=D(2026, 5, 5), start_due=D(2026, 6, 2), use=use_b,
    )  # fmt: skip
    r[9] = _referral(
        lot_b, haarlem, state=State.COMPLETED, sent=D(2025, 12, 1), answer_due=D(2025, 12, 8),
        accepted=D(2025, 12, 2), start_due=D(2025, 12, 30), started=D(2025, 12, 10),
        ended=D(2026, 1, 31), use=use_b_2025,
    )  # fmt: skip
    r[10] = _referral(lot_a, haarlem, state=State.DRAFT, sent=None)

    for referral, month, offered, attended in (
        (r[1], D(2026, 3, 1), 20, 15),
        (r[1], D(2026, 4, 1), 40, 30),
        (r[2], D(2026, 4, 1), 40, 20),
        (r[7], D(2026, 4, 1), 10, 10),
        (r[7], D(2026, 5, 1), 12, 9),
        (r[9], D(2025, 12, 1), 8, 8),
        (r[9], D(2026, 1, 1), "16", "12.5"),
    ):
        MonthlyAttendance.objects.create(
            referral=referral,
            month=month,
            hours_offered=Decimal(offered),
            hours_attended=Decimal(attended),
        )
    for exam, passed, day in (
        ("READING", True, D(2026, 5, 20)),
        ("KNM", False, D(2026, 5, 21)),
        ("KNM", True, D(2026, 5, 28)),
    ):
        ExamResult.objects.create(referral=r[1], exam=exam, level="B1", passed=passed, taken_on=day)
    return SimpleNamespace(
        haarlem=haarlem,
        velsen=velsen,
        alfa=alfa,
        beta=beta,
        contract_a=contract_a,
        contract_b=contract_b,
        lot_a=lot_a,
        lot_b=lot_b,
        referrals=r,
    )


def _by_provider(frame: pd.DataFrame, columns) -> dict:
    """{provider name: (column values…)}; the total row is under "All providers"."""
    return {
        row["provider_name"]: tuple(row[column] for column in columns)
        for _index, row in frame.iterrows()
    }


def _value_type(value: object) -> type:
    """The type of an expected value; for ``pytest.approx(x)``, the type of ``x``."""
    return type(getattr(value, "expected", value))


def _assert_records(frame: pd.DataFrame, expected: list[dict]) -> None:
    """Every column of every row, by value and in order, against records written by hand.

    A column the code forgot to compute comes back from the reindex as NaN (or NA), and NaN
    equals nothing, so it fails here. The Python types are compared as well: ``5 == 5.0``, but a
    count that turned into a float would show as "5.0" in the exports.
    """
    assert expected, "write the expected rows; an empty frame is _assert_empty's"
    assert list(frame.columns) == list(expected[0])
    records = frame.to_dict("records")
    assert records == expected
    assert [{key: type(value) for key, value in row.items()} for row in records] == [
        {key: _value_type(value) for key, value in row.items()} for row in expected
    ]


def _assert_empty(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """No rows, but the report's columns, each of dtype object as ``reports._frame`` makes them
    (the page and the exports still show the headers)."""
    assert frame.empty
    assert list(frame.columns) == list(columns)
    assert frame.dtypes.tolist() == [object] * len(columns)


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


# --- Utilisation --------------------------------------------------------------------------------


def _rows(frame: pd.DataFrame, columns) -> list[tuple]:
    return [tuple(row) for row in frame[list(columns)].itertuples(index=False)]


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
        lot=world.lot_a, state__in=reports.COUNTS_AGAINST_CAPACITY, period_use__isnull=False
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


# --- The self-paid market -----------------------------------------------------------------------


def _enrolment(moment, **changes):
    enrolment = held_enrolment(moment, user=learner())
    Enrolment.objects.filter(pk=enrolment.pk).update(**changes)
    return enrolment


def _payment(enrolment, *, amount, paid, status=Payment.Status.PAID, **fields):
    return Payment.objects.create(
        enrolment=enrolment,
        checkout_session_id=f"cs_test_{enrolment.pk}",
        checkout_url="https://checkout.example/pay",
        amount_cents=amount,
        destination_account="acct_test",
        status=status,
        expires_at=_at(paid),
        paid_at=_at(paid),
        **fields,
    )


@pytest.fixture
def market():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    gamma = start_moment_for_sale(seats=10, price_cents=125_000, duo_loan_eligible=True)
    gamma.offering.provider.name = "Gamma Taal"
    gamma.offering.provider.save()
    delta = start_moment_for_sale(seats=10, price_cents=90_000)
    delta.offering.provider.name = "Delta Taal"
    delta.offering.provider.save()
    delta.location.municipality = velsen
    delta.location.save()
    confirmed = Enrolment.State.CONFIRMED

    e1 = _enrolment(gamma, state=confirmed, confirmed_at=_at(D(2026, 3, 10)))
    _payment(e1, amount=125_000, paid=D(2026, 3, 10))
    e2 = _enrolment(
        gamma,
        state=Enrolment.State.REFUNDED,
        confirmed_at=_at(D(2026, 3, 20)),
        cancelled_at=_at(D(2026, 4, 2)),
    )
    _payment(
        e2,
        amount=125_000,
        paid=D(2026, 3, 20),
        status=Payment.Status.REFUNDED,
        amount_refunded_cents=125_000,
        refunded_at=_at(D(2026, 4, 3)),
    )
    _enrolment(
        gamma,
        state=confirmed,
        confirmed_at=_at(D(2026, 4, 5)),
        payment_method=Enrolment.PaymentMethod.DUO_LOAN,
    )
    _enrolment(gamma, state=Enrolment.State.CANCELLED, cancelled_at=_at(D(2026, 4, 6)))
    _enrolment(gamma, state=Enrolment.State.EXPIRED)
    for day, state in (
        (D(2026, 4, 7), WaitingListEntry.State.WAITING),
        (D(2026, 4, 8), WaitingListEntry.State.LEFT),
    ):
        entry = WaitingListEntry.objects.create(user=learner(), start_moment=gamma, state=state)
        WaitingListEntry.objects.filter(pk=entry.pk).update(created_at=_at(day))
    e6 = _enrolment(delta, state=confirmed, confirmed_at=_at(D(2026, 5, 1)))
    _payment(e6, amount=90_000, paid=D(2026, 5, 1))
    return SimpleNamespace(haarlem=haarlem, velsen=velsen, gamma=gamma, delta=delta)


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


# --- Forecast -----------------------------------------------------------------------------------


@pytest.fixture
def volumes():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    for municipality, year, statushouders, gezinsmigranten in (
        (haarlem, 2021, 136, 100),
        (haarlem, 2027, 100, 50),
        (velsen, 2021, 58, 26),
        (velsen, 2020, 29, 26),
    ):
        IntakeVolume.objects.create(
            municipality=municipality,
            year=year,
            statushouders=statushouders,
            gezinsmigranten=gezinsmigranten,
        )
    IntakeVolume.objects.create(municipality=velsen, year=2027)  # nothing entered
    alfa = ProviderFactory(name="Alfa Taal")
    both = ContractFactory(
        provider=alfa,
        reference="RIJZK-X",
        starts_on=D(2026, 1, 1),
        ends_on=D(2028, 12, 31),
        municipalities=[haarlem, velsen],
    )
    haarlem_only = ContractFactory(
        reference="RIJZK-Y",
        starts_on=D(2027, 1, 1),
        ends_on=D(2027, 6, 30),
        municipalities=[haarlem],
    )
    lots = SimpleNamespace(
        b1_both=LotFactory(contract=both, component="B1_ROUTE", capacity=50),
        b1_haarlem=LotFactory(
            contract=haarlem_only,
            component="B1_ROUTE",
            capacity=10,
            capacity_period=CapacityPeriod.QUARTER,
        ),
        pvt=LotFactory(
            contract=both, component="PVT", capacity=100, capacity_period=CapacityPeriod.HALF_YEAR
        ),
    )
    LotFactory(contract=both, component="MAP", capacity=500, status=LotStatus.INACTIVE)
    LotFactory(
        contract=ContractFactory(
            status=ContractStatus.DRAFT,
            starts_on=D(2027, 1, 1),
            ends_on=D(2027, 12, 31),
            municipalities=[velsen],
        ),
        component="MAP",
        capacity=500,
    )
    return SimpleNamespace(haarlem=haarlem, velsen=velsen, alfa=alfa, lots=lots)


def _demand(result) -> dict:
    return {
        (row["municipality_name"], row["component"]): row["expected_learners"]
        for _index, row in result.demand.iterrows()
    }


def test_the_forecast_splits_statushouders_over_the_routes_and_adds_the_modules(volumes):
    result = reports.forecast(2027)
    assert list(result.demand.columns) == list(reports.FORECAST_DEMAND_COLUMNS)
    assert result.route_split == (60, 25, 15)
    # Haarlem 2027: 100 statushouders, 50 gezinsmigranten. Velsen entered nothing for 2027, so
    # its latest year with figures (2021: 58 and 26) is used.
    assert result.volume_years == {
        volumes.haarlem.pk: VolumeYears(statushouders=2027, gezinsmigranten=2027),
        volumes.velsen.pk: VolumeYears(statushouders=2021, gezinsmigranten=2021),
    }
    assert result.other_volume_years == {
        volumes.velsen.pk: VolumeYears(statushouders=2021, gezinsmigranten=2021)
    }
    assert _demand(result) == {
        ("Haarlem", "B1_ROUTE"): pytest.approx(60),
        ("Haarlem", "Z_ROUTE"): pytest.approx(15),
        ("Haarlem", "ONDERWIJSROUTE"): pytest.approx(25),
        ("Haarlem", "MAP"): pytest.approx(75 + 50),  # the onderwijsroute is exempt from MAP
        ("Haarlem", "PVT"): pytest.approx(150),
        ("Haarlem", "BRUGKLAS"): pytest.approx(100),
        ("Velsen", "B1_ROUTE"): pytest.approx(34.8),
        ("Velsen", "Z_ROUTE"): pytest.approx(8.7),
        ("Velsen", "ONDERWIJSROUTE"): pytest.approx(14.5),
        ("Velsen", "MAP"): pytest.approx(43.5 + 26),
        ("Velsen", "PVT"): pytest.approx(84),
        ("Velsen", "BRUGKLAS"): pytest.approx(58),
    }
    uncovered = result.demand[result.demand["uncovered"]]
    assert set(uncovered["component"]) == {"Z_ROUTE", "ONDERWIJSROUTE", "MAP", "BRUGKLAS"}
    covering = result.demand.set_index(["municipality_name", "component"])["covering_lots"]
    assert (covering[("Haarlem", "B1_ROUTE")], covering[("Velsen", "B1_ROUTE")]) == (2, 1)


def test_the_forecast_compares_each_lot_with_the_demand_it_covers(volumes):
    lots = reports.forecast(2027).lots
    assert list(lots.columns) == list(reports.FORECAST_LOT_COLUMNS)
    rows = {row["lot_id"]: row for _index, row in lots.iterrows()}
    assert set(rows) == {volumes.lots.b1_both.pk, volumes.lots.b1_haarlem.pk, volumes.lots.pvt.pk}
    # Haarlem's 60 B1 learners are shared by the two B1 lots in proportion to their capacity
    # for 2027 (50 and 2 quarters x 10 = 20): 60 x 50/70 and 60 x 20/70. Velsen's 34.8 go to the
    # lot that covers both.
    both, haarlem_only, pvt = (
        rows[volumes.lots.b1_both.pk],
        rows[volumes.lots.b1_haarlem.pk],
        rows[volumes.lots.pvt.pk],
    )
    assert (both["capacity_year"], both["municipalities"]) == (50, 2)
    assert both["expected_learners"] == pytest.approx(300 / 7 + 34.8)
    assert both["shortfall"] == pytest.approx(300 / 7 + 34.8 - 50)
    assert both["surplus"] == 0
    assert (haarlem_only["capacity_year"], haarlem_only["municipalities"]) == (20, 1)
    assert haarlem_only["expected_learners"] == pytest.approx(120 / 7)
    assert haarlem_only["surplus"] == pytest.approx(20 - 120 / 7)
    assert haarlem_only["shortfall"] == 0
    # PVT: 2 half years x 100 places against 150 + 84 learners.
    assert (pvt["capacity_year"], pvt["expected_learners"], pvt["balance"]) == (
        200,
        pytest.approx(234),
        pytest.approx(-34),
    )


def test_the_route_split_can_be_changed(volumes):
    result = reports.forecast(2027, route_split=(50, 30, 20))
    demand = _demand(result)
    assert demand[("Haarlem", "B1_ROUTE")] == pytest.approx(50)
    assert demand[("Haarlem", "ONDERWIJSROUTE")] == pytest.approx(30)
    assert demand[("Haarlem", "MAP")] == pytest.approx(70 + 50)


@pytest.mark.parametrize("split", [(60, 25, 10), (60, 40), ("zestig", 25, 15), (110, -10, 0)])
def test_a_route_split_that_does_not_add_up_is_refused_with_a_message(volumes, split):
    with pytest.raises(ValueError, match="add up to 100"):
        reports.forecast(2027, route_split=split)


def test_the_forecast_for_a_municipality_shows_its_demand_and_the_lots_covering_it(volumes):
    result = reports.forecast(2027, report_filter=ReportFilter(municipality_id=volumes.velsen.pk))
    assert set(result.demand["municipality_name"]) == {"Velsen"}
    assert result.volume_years == {
        volumes.velsen.pk: VolumeYears(statushouders=2021, gezinsmigranten=2021)
    }
    assert set(result.lots["lot_id"]) == {volumes.lots.b1_both.pk, volumes.lots.pvt.pk}
    both = result.lots.set_index("lot_id").loc[volumes.lots.b1_both.pk]
    assert both["expected_learners"] == pytest.approx(300 / 7 + 34.8)  # the whole lot's


def test_the_forecast_for_a_component_and_a_provider(volumes):
    pvt = reports.forecast(2027, report_filter=ReportFilter(component="PVT"))
    assert set(pvt.demand["component"]) == {"PVT"}
    assert pvt.lots["lot_id"].tolist() == [volumes.lots.pvt.pk]
    alfa = reports.forecast(2027, report_filter=ReportFilter(provider_id=volumes.alfa.pk))
    assert set(alfa.lots["lot_id"]) == {volumes.lots.b1_both.pk, volumes.lots.pvt.pk}
    assert len(alfa.demand) == 12


def test_a_lot_not_in_force_that_year_is_left_out(volumes):
    lots = reports.forecast(2029).lots
    assert lots.empty
    assert list(lots.columns) == list(reports.FORECAST_LOT_COLUMNS)


def test_the_forecast_of_nothing_is_two_empty_frames():
    result = reports.forecast(2027)
    assert result.demand.empty and result.lots.empty
    assert list(result.demand.columns) == list(reports.FORECAST_DEMAND_COLUMNS)
    assert result.volume_years == {}


# --- Rows for templates -------------------------------------------------------------------------


def test_frame_rows_gives_plain_values_and_none_for_missing_ones(world):
    rows = reports.frame_rows(reports.lead_times(YEAR_2026))
    beta, total = rows[1], rows[2]
    assert beta["provider_name"] == "Beta Steun"
    assert beta["median_days_to_start"] is None
    assert total["provider_id"] is None
    assert type(rows[0]["accepted"]) is int
    assert reports.frame_rows(reports.lead_times(ReportFilter(component="KNM"))) == []


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
