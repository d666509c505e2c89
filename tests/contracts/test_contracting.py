"""The contract managers' rules (contracts.contracting), with hand-checked dates at boundaries.

"Today" is Monday 15 June 2026 throughout, so that every date below can be checked on a calendar.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts import contracting
from contracts.contracting import KeurmerkRisk
from contracts.models import CapacityPeriod, ContractStatus, LotStatus
from providers.choices import Component
from tests.contracts.factories import ContractFactory, LotFactory
from tests.providers.factories import OfferingFactory, ProviderFactory

D = datetime.date
DAY = datetime.timedelta(days=1)
TODAY = D(2026, 6, 15)  # a Monday
CONTRACT_END = D(2028, 6, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _provider(status="CERTIFIED", valid_until=TODAY + 3 * 365 * DAY, **kwargs):
    return ProviderFactory(keurmerk_status=status, keurmerk_valid_until=valid_until, **kwargs)


def _contract(provider=None, *, ends_on=CONTRACT_END, **kwargs):
    return ContractFactory(
        provider=provider or _provider(), starts_on=D(2025, 1, 1), ends_on=ends_on, **kwargs
    )


def _status_error(lot) -> str:
    with pytest.raises(ValidationError) as refused:
        contracting.lot_validate(lot=lot, today=TODAY)
    assert set(refused.value.message_dict) == {"status"}
    return refused.value.message_dict["status"][0]


# --- 1. The Keurmerk rule ---------------------------------------------------------------------


@pytest.mark.parametrize("component", [Component.B1_ROUTE, Component.Z_ROUTE])
def test_only_the_b1_and_z_routes_need_the_quality_mark(component):
    assert contracting.component_needs_keurmerk(component=component)


@pytest.mark.parametrize(
    "component",
    [
        Component.ONDERWIJSROUTE,
        Component.BRUGKLAS,
        Component.PVT,
        Component.MAP,
        Component.KNM,
        Component.ALFABETISERING,
    ],
)
def test_other_components_do_not_need_the_quality_mark(component):
    assert not contracting.component_needs_keurmerk(component=component)


@pytest.mark.django_db
@pytest.mark.parametrize("component", ["B1_ROUTE", "Z_ROUTE"])
def test_a_route_lot_cannot_be_active_with_a_provider_without_a_mark(component):
    contract = _contract(_provider(status="NONE", valid_until=None, name="Zonder Keurmerk"))
    lot = LotFactory.build(contract=contract, component=component, status=LotStatus.ACTIVE)
    message = _status_error(lot)
    assert "Zonder Keurmerk" in message
    assert "no quality mark" in message
    assert "Keurmerk Inburgeren" in message


@pytest.mark.django_db
def test_a_route_lot_cannot_be_active_when_the_mark_expired_yesterday():
    contract = _contract(_provider(valid_until=TODAY - DAY))
    lot = LotFactory.build(contract=contract, status=LotStatus.ACTIVE)
    assert "expired on June 14, 2026" in _status_error(lot)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["CERTIFIED", "ASPIRANT"])
def test_a_mark_valid_until_today_allows_an_active_lot(status):
    contract = _contract(_provider(status=status, valid_until=TODAY))
    contracting.lot_validate(lot=LotFactory.build(contract=contract), today=TODAY)


@pytest.mark.django_db
def test_a_route_lot_without_a_mark_may_be_saved_inactive():
    contract = _contract(_provider(status="NONE", valid_until=None))
    lot = LotFactory.build(contract=contract, status=LotStatus.INACTIVE)
    contracting.lot_validate(lot=lot, today=TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("component", "level"),
    [("ONDERWIJSROUTE", "HBO"), ("BRUGKLAS", ""), ("PVT", ""), ("MAP", "")],
)
def test_lots_outside_the_routes_may_be_active_without_a_mark(component, level):
    contract = _contract(_provider(status="NONE", valid_until=None))
    lot = LotFactory.build(contract=contract, component=component, education_level=level)
    contracting.lot_validate(lot=lot, today=TODAY)


@pytest.mark.django_db
def test_an_active_lot_whose_mark_lapsed_can_still_be_edited():
    provider = _provider(valid_until=TODAY + DAY)
    lot = LotFactory(contract=_contract(provider))
    provider.keurmerk_valid_until = TODAY - DAY
    provider.save()
    lot.refresh_from_db()
    lot.tariff_cents = 990_000
    contracting.lot_validate(lot=lot, today=TODAY)


@pytest.mark.django_db
def test_reactivating_a_route_lot_without_a_valid_mark_is_refused():
    lot = LotFactory(
        contract=_contract(_provider(valid_until=TODAY - DAY)), status=LotStatus.INACTIVE
    )
    lot.status = LotStatus.ACTIVE
    assert "expired" in _status_error(lot)


@pytest.mark.django_db
def test_turning_an_active_lot_into_a_route_lot_without_a_mark_is_refused():
    lot = LotFactory(
        contract=_contract(_provider(status="NONE", valid_until=None)), component="MAP"
    )
    lot.component = Component.Z_ROUTE
    _status_error(lot)


@pytest.mark.django_db
def test_an_education_route_lot_needs_a_level_and_other_lots_have_none():
    contract = _contract()
    with pytest.raises(ValidationError) as refused:
        contracting.lot_validate(
            lot=LotFactory.build(contract=contract, component="ONDERWIJSROUTE"), today=TODAY
        )
    assert set(refused.value.message_dict) == {"education_level"}
    with pytest.raises(ValidationError) as refused:
        contracting.lot_validate(
            lot=LotFactory.build(contract=contract, education_level="WO"), today=TODAY
        )
    assert set(refused.value.message_dict) == {"education_level"}


@pytest.mark.django_db
def test_a_lot_is_delivered_only_by_its_providers_courses_in_its_component():
    provider = _provider()
    own_b1 = OfferingFactory(provider=provider, title="Eigen B1")
    own_map = OfferingFactory(provider=provider, title="Eigen MAP", component="MAP")
    other_b1 = OfferingFactory(title="Andere B1")
    lot = LotFactory(contract=_contract(provider))
    lot.offerings.set([own_b1])
    contracting.lot_validate(lot=lot, today=TODAY)
    lot.offerings.set([own_b1, own_map, other_b1])
    with pytest.raises(ValidationError) as refused:
        contracting.lot_validate(lot=lot, today=TODAY)
    message = refused.value.message_dict["offerings"][0]
    assert "Eigen MAP" in message
    assert "Andere B1" in message
    assert "Eigen B1" not in message


@pytest.mark.django_db
def test_an_education_route_lot_is_delivered_by_courses_of_its_level():
    provider = _provider(kind="EDUCATION")
    hbo = OfferingFactory(provider=provider, component="ONDERWIJSROUTE", education_level="HBO")
    mbo = OfferingFactory(provider=provider, component="ONDERWIJSROUTE", education_level="MBO4")
    lot = LotFactory(
        contract=_contract(provider), component="ONDERWIJSROUTE", education_level="HBO"
    )
    lot.offerings.set([hbo])
    contracting.lot_validate(lot=lot, today=TODAY)
    lot.offerings.set([hbo, mbo])
    with pytest.raises(ValidationError, match=mbo.title):
        contracting.lot_validate(lot=lot, today=TODAY)


@pytest.mark.django_db
def test_a_lot_stays_with_its_contract():
    lot = LotFactory()
    lot.contract = _contract()
    with pytest.raises(ValidationError) as refused:
        contracting.lot_validate(lot=lot, today=TODAY)
    assert set(refused.value.message_dict) == {"contract"}


@pytest.mark.django_db
def test_a_contract_must_end_after_it_starts():
    contract = ContractFactory.build(starts_on=TODAY, ends_on=TODAY)
    with pytest.raises(ValidationError) as refused:
        contracting.contract_validate(contract=contract)
    assert set(refused.value.message_dict) == {"ends_on"}


@pytest.mark.django_db
def test_the_provider_of_a_contract_with_lots_cannot_change():
    contract = _contract()
    contract.provider = _provider()
    contracting.contract_validate(contract=contract)  # no lots yet: a typo can be put right
    LotFactory(contract=contract)
    contract.refresh_from_db()
    contract.provider = _provider()
    with pytest.raises(ValidationError) as refused:
        contracting.contract_validate(contract=contract)
    assert set(refused.value.message_dict) == {"provider"}


# --- 1b. Marks that lapse during a contract ---------------------------------------------------


def _flags() -> dict[int, KeurmerkRisk]:
    return {flag.lot.pk: flag.risk for flag in contracting.lots_with_keurmerk_at_risk(today=TODAY)}


@pytest.mark.django_db
def test_a_mark_valid_until_the_contracts_last_day_is_not_flagged():
    ends = D(2027, 12, 31)
    LotFactory(contract=_contract(_provider(valid_until=ends), ends_on=ends))
    assert _flags() == {}


@pytest.mark.django_db
def test_a_mark_ending_the_day_before_the_contract_is_flagged_with_its_dates():
    ends = D(2027, 12, 31)
    lot = LotFactory(
        contract=_contract(_provider(valid_until=ends - DAY, name="Bijna Verlopen"), ends_on=ends)
    )
    [flag] = contracting.lots_with_keurmerk_at_risk(today=TODAY)
    assert flag.lot == lot
    assert flag.risk == KeurmerkRisk.LAPSES_DURING_CONTRACT
    assert flag.reason == (
        "The Keurmerk Inburgeren of Bijna Verlopen is valid until Dec. 30, 2027; the contract "
        "runs until Dec. 31, 2027."
    )


@pytest.mark.django_db
def test_an_expired_or_missing_mark_is_flagged_as_such():
    expired = LotFactory(contract=_contract(_provider(valid_until=TODAY - DAY)))
    # Marks change after a lot was activated: the factories write the lots directly.
    none = LotFactory(contract=_contract(_provider(status="NONE", valid_until=None)))
    aspirant = LotFactory(
        contract=_contract(_provider(status="ASPIRANT", valid_until=TODAY - DAY)),
        component="Z_ROUTE",
    )
    assert _flags() == {
        expired.pk: KeurmerkRisk.EXPIRED,
        none.pk: KeurmerkRisk.NO_MARK,
        aspirant.pk: KeurmerkRisk.EXPIRED,
    }


@pytest.mark.django_db
def test_only_active_route_lots_of_open_contracts_are_flagged():
    lapsed = _provider(valid_until=TODAY - DAY)
    LotFactory(contract=_contract(lapsed), status=LotStatus.INACTIVE)
    LotFactory(contract=_contract(lapsed), component="BRUGKLAS")
    LotFactory(contract=_contract(lapsed), component="ONDERWIJSROUTE", education_level="WO")
    LotFactory(contract=_contract(lapsed, status=ContractStatus.TERMINATED))
    LotFactory(contract=_contract(lapsed, ends_on=TODAY - DAY))
    draft = LotFactory(contract=_contract(lapsed, status=ContractStatus.DRAFT))
    assert _flags() == {draft.pk: KeurmerkRisk.EXPIRED}


# --- 2. Contracts ending soon -----------------------------------------------------------------


@pytest.mark.django_db
def test_contracts_ending_within_90_days_are_listed_soonest_first():
    in_days = {days: _contract(ends_on=TODAY + days * DAY) for days in (-1, 0, 89, 90, 91)}
    _contract(ends_on=TODAY + 10 * DAY, status=ContractStatus.DRAFT)
    _contract(ends_on=TODAY + 10 * DAY, status=ContractStatus.ENDED)
    listed = list(contracting.contracts_ending_soon(today=TODAY))
    assert listed == [in_days[0], in_days[89], in_days[90]]


@pytest.mark.django_db
def test_the_warning_period_can_be_shortened():
    soon = _contract(ends_on=TODAY + 30 * DAY)
    _contract(ends_on=TODAY + 31 * DAY)
    assert list(contracting.contracts_ending_soon(today=TODAY, days=30)) == [soon]


# --- 3. Lot utilisation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_lots_at_80_percent_exactly_or_more_are_listed_fullest_first():
    contract = _contract()
    lots = {used: LotFactory(contract=contract, capacity=10) for used in (7, 8, 10, 12)}
    found = contracting.lots_above_threshold(
        today=TODAY, used={lot.pk: used for used, lot in lots.items()}
    )
    assert [(item.lot, item.used, item.percent) for item in found] == [
        (lots[12], 12, 120),
        (lots[10], 10, 100),
        (lots[8], 8, 80),
    ]
    assert found[-1].period_start == D(2026, 1, 1)
    assert found[-1].period_end == D(2026, 12, 31)


@pytest.mark.django_db
def test_the_threshold_is_compared_exactly():
    # 0.7 * 10 is 7.000000000000001 in floating point; 7 of 10 still reaches 70 %.
    lot = LotFactory(capacity=10)
    found = contracting.lots_above_threshold(today=TODAY, used={lot.pk: 7}, threshold=0.7)
    assert [item.lot for item in found] == [lot]


@pytest.mark.django_db
def test_used_counts_may_come_from_a_callable_given_the_lots_period():
    quarterly = LotFactory(capacity=5, capacity_period=CapacityPeriod.QUARTER)
    calls = []

    def used(lot, start, end):
        calls.append((lot, start, end))
        return 4

    found = contracting.lots_above_threshold(today=TODAY, used=used)
    assert calls == [(quarterly, D(2026, 4, 1), D(2026, 6, 30))]
    assert [item.percent for item in found] == [80]


@pytest.mark.django_db
def test_lots_missing_from_the_counts_used_nothing():
    LotFactory(capacity=1)
    assert contracting.lots_above_threshold(today=TODAY, used={}) == []


@pytest.mark.django_db
def test_only_lots_in_force_are_measured():
    full = {}
    full["inactive"] = LotFactory(status=LotStatus.INACTIVE, capacity=1)
    full["draft"] = LotFactory(contract=_contract(status=ContractStatus.DRAFT), capacity=1)
    full["not started"] = LotFactory(
        contract=ContractFactory(starts_on=TODAY + DAY, ends_on=TODAY + 400 * DAY), capacity=1
    )
    full["ended"] = LotFactory(contract=_contract(ends_on=TODAY - DAY), capacity=1)
    used = {lot.pk: 1 for lot in full.values()}
    assert contracting.lots_above_threshold(today=TODAY, used=used) == []


@pytest.mark.django_db
def test_until_placements_exist_no_lot_has_used_anything():
    LotFactory(capacity=1)
    used = contracting.lot_placements_used(today=TODAY)
    assert contracting.lots_above_threshold(today=TODAY, used=used) == []


# --- 4. Periods and SLA deadlines -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "on", "period"),
    [
        (CapacityPeriod.YEAR, D(2026, 1, 1), (D(2026, 1, 1), D(2026, 12, 31))),
        (CapacityPeriod.YEAR, D(2026, 12, 31), (D(2026, 1, 1), D(2026, 12, 31))),
        (CapacityPeriod.HALF_YEAR, D(2026, 1, 1), (D(2026, 1, 1), D(2026, 6, 30))),
        (CapacityPeriod.HALF_YEAR, D(2026, 6, 30), (D(2026, 1, 1), D(2026, 6, 30))),
        (CapacityPeriod.HALF_YEAR, D(2026, 7, 1), (D(2026, 7, 1), D(2026, 12, 31))),
        (CapacityPeriod.HALF_YEAR, D(2026, 12, 31), (D(2026, 7, 1), D(2026, 12, 31))),
        (CapacityPeriod.QUARTER, D(2026, 3, 31), (D(2026, 1, 1), D(2026, 3, 31))),
        (CapacityPeriod.QUARTER, D(2026, 4, 1), (D(2026, 4, 1), D(2026, 6, 30))),
        (CapacityPeriod.QUARTER, D(2026, 9, 30), (D(2026, 7, 1), D(2026, 9, 30))),
        (CapacityPeriod.QUARTER, D(2026, 10, 1), (D(2026, 10, 1), D(2026, 12, 31))),
        (CapacityPeriod.QUARTER, D(2028, 2, 29), (D(2028, 1, 1), D(2028, 3, 31))),
    ],
)
def test_the_period_containing_a_day_is_a_calendar_period(kind, on, period):
    assert contracting.period_containing(kind=kind, on=on) == period


def test_an_unknown_period_kind_is_refused():
    with pytest.raises(ValueError, match="MONTH"):
        contracting.period_containing(kind="MONTH", on=TODAY)


def test_a_lots_period_follows_its_period_kind():
    lot = LotFactory.build(capacity_period=CapacityPeriod.HALF_YEAR)
    assert contracting.lot_period(lot=lot, on=TODAY) == (D(2026, 1, 1), D(2026, 6, 30))


@pytest.mark.parametrize(
    ("day", "n", "result"),
    [
        (D(2026, 6, 12), 1, D(2026, 6, 15)),  # Friday + 1 = Monday
        (D(2026, 6, 11), 1, D(2026, 6, 12)),  # Thursday + 1 = Friday
        (D(2026, 6, 11), 2, D(2026, 6, 15)),  # Thursday + 2 = Monday
        (D(2026, 6, 13), 1, D(2026, 6, 15)),  # Saturday + 1 = Monday
        (D(2026, 6, 14), 1, D(2026, 6, 15)),  # Sunday + 1 = Monday
        (D(2026, 6, 15), 5, D(2026, 6, 22)),  # Monday + 5 = next Monday
        (D(2026, 6, 12), 5, D(2026, 6, 19)),  # Friday + 5 = next Friday
        (D(2026, 6, 12), 10, D(2026, 6, 26)),  # two weeks
        (D(2026, 12, 31), 2, D(2027, 1, 4)),  # Thursday, over New Year (no holidays skipped)
        (D(2026, 6, 13), 0, D(2026, 6, 13)),  # zero days: the day itself
    ],
)
def test_working_days_skip_weekends(day, n, result):
    assert contracting.working_days_after(day=day, n=n) == result


def test_working_days_cannot_go_back():
    with pytest.raises(ValueError):
        contracting.working_days_after(day=TODAY, n=-1)


def test_the_sla_deadlines_come_from_the_lot():
    lot = LotFactory.build(answer_within_working_days=3, start_within_weeks=6)
    assert contracting.lot_answer_deadline(lot=lot, referred_on=D(2026, 6, 12)) == D(2026, 6, 17)
    assert contracting.lot_start_deadline(lot=lot, accepted_on=TODAY) == D(2026, 7, 27)
