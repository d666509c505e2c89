"""The forecast: demand against the lots (contracts.reporting.demand).

The data, checked by hand, is described in ``tests.contracts.reporting.world``."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.utils import translation

from contracts import reporting as reports
from contracts.models import CapacityPeriod, ContractStatus, IntakeVolume, LotStatus
from contracts.reporting import ReportFilter, VolumeYears
from tests.contracts.factories import ContractFactory, LotFactory, MunicipalityFactory
from tests.contracts.reporting.world import D
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


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
    # The lot's 50 places for 2027 serve Haarlem's 300/7 attributed learners and Velsen's
    # 34.8: Velsen's part is its learners and the same fraction of the places.
    whole = 300 / 7 + 34.8
    assert both["lot_expected_learners"] == pytest.approx(whole)
    assert both["lot_capacity_year"] == 50
    assert both["expected_learners"] == pytest.approx(34.8)
    assert both["capacity_year"] == pytest.approx(50 * 34.8 / whole)
    assert both["balance"] == pytest.approx((50 - whole) * 34.8 / whole)
    assert both["shortfall"] == pytest.approx(-both["balance"])


def test_the_municipalities_parts_of_a_lot_add_up_to_the_whole_lot(volumes):
    """Filtering to each municipality in turn shares every lot out: the parts sum to the lot's
    own figures (also for a lot that expects nobody, shared equally)."""
    whole = reports.forecast(2027).lots.set_index("lot_id")
    parts = [
        reports.forecast(
            2027, report_filter=ReportFilter(municipality_id=municipality.pk)
        ).lots.set_index("lot_id")
        for municipality in (volumes.haarlem, volumes.velsen)
    ]
    for column in ("capacity_year", "expected_learners", "balance"):
        summed = sum(part[column].reindex(whole.index, fill_value=0.0) for part in parts)
        assert summed.tolist() == pytest.approx(whole[column].tolist()), column
    haarlem_only = parts[0].loc[volumes.lots.b1_haarlem.pk]
    assert haarlem_only["capacity_year"] == haarlem_only["lot_capacity_year"]
    assert volumes.lots.b1_haarlem.pk not in parts[1].index


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
