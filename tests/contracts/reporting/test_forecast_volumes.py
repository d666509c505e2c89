"""Which intake volumes the forecast uses (``contracts.reporting.demand._volumes``, through
``reports.forecast``): per municipality and per group (statushouders, gezinsmigranten), the
figure of the asked year, else of the latest year before it, else of the first year after it;
only a group with no figure in any year counts as 0. The forecast page says per municipality
and group which year a figure is of, or that none was entered."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from contracts import reporting as reports
from contracts.admin import forecast  # noqa: F401  (registers the admin URLs)
from contracts.models import IntakeVolume
from contracts.reporting import VolumeYears
from portal.accounts.models import Role
from tests.contracts.factories import MunicipalityFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/forecast/"
EXPORT = "/admin/dashboard/forecast/export/"
DEMAND_CAPTION = "Expected learners per municipality and component"
PVT, MAP = "PVT", "MAP"


def _volume(municipality, year: int, *, statushouders=None, gezinsmigranten=None) -> None:
    IntakeVolume.objects.create(
        municipality=municipality,
        year=year,
        statushouders=statushouders,
        gezinsmigranten=gezinsmigranten,
    )


def _demand(result: reports.Forecast, name: str, component: str) -> dict[str, object]:
    """The demand row of one municipality and component, as plain values."""
    [row] = [
        row
        for row in reports.frame_rows(result.demand)
        if (row["municipality_name"], row["component"]) == (name, component)
    ]
    return row


def _figures(row: dict[str, object]) -> tuple[object, ...]:
    return (
        row["statushouders"],
        row["statushouders_year"],
        row["gezinsmigranten"],
        row["gezinsmigranten_year"],
    )


# --- The rule -----------------------------------------------------------------------------------


def test_each_group_takes_its_own_latest_figure_and_the_forecast_says_which_year():
    """The demo data's shape: statushouders entered for 2021, gezinsmigranten only for 2020."""
    beverwijk = MunicipalityFactory(cbs_code="GM0375", name="Beverwijk")
    _volume(beverwijk, 2020, statushouders=17, gezinsmigranten=16)
    _volume(beverwijk, 2021, statushouders=35)

    result = reports.forecast(2021)

    pvt = _demand(result, "Beverwijk", PVT)
    assert _figures(pvt) == (35, 2021, 16, 2020)
    assert pvt["expected_learners"] == pytest.approx(35 + 16)
    # MAP: the B1 and Z routes (75 % of 35) and every gezinsmigrant.
    assert _demand(result, "Beverwijk", MAP)["expected_learners"] == pytest.approx(26.25 + 16)
    assert result.volume_years == {
        beverwijk.pk: VolumeYears(statushouders=2021, gezinsmigranten=2020)
    }
    assert result.other_volume_years == result.volume_years


def test_the_figure_of_the_asked_year_wins_over_earlier_and_later_ones():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    _volume(haarlem, 2020, statushouders=65, gezinsmigranten=100)
    _volume(haarlem, 2021, statushouders=136, gezinsmigranten=90)
    _volume(haarlem, 2022, statushouders=150, gezinsmigranten=80)

    result = reports.forecast(2021)

    assert _figures(_demand(result, "Haarlem", PVT)) == (136, 2021, 90, 2021)
    assert result.other_volume_years == {}


def test_without_a_figure_for_the_year_the_latest_earlier_one_is_used_not_a_nearer_later_one():
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    _volume(velsen, 2018, statushouders=20, gezinsmigranten=21)
    _volume(velsen, 2019, statushouders=29)
    _volume(velsen, 2027, statushouders=70, gezinsmigranten=40)
    _volume(velsen, 2026)  # a row without figures is no figure

    result = reports.forecast(2026)

    # Statushouders: 2019, not 2018 (older) nor 2027 (after the year, though nearer).
    assert _figures(_demand(result, "Velsen", PVT)) == (29, 2019, 21, 2018)


def test_with_figures_only_after_the_year_the_earliest_of_them_is_used():
    zandvoort = MunicipalityFactory(cbs_code="GM0473", name="Zandvoort")
    _volume(zandvoort, 2028, statushouders=15, gezinsmigranten=9)
    _volume(zandvoort, 2027, statushouders=12)

    result = reports.forecast(2026)

    assert _figures(_demand(result, "Zandvoort", PVT)) == (12, 2027, 9, 2028)


def test_a_group_without_a_figure_in_any_year_counts_as_0_and_is_marked_as_missing():
    bloemendaal = MunicipalityFactory(cbs_code="GM0377", name="Bloemendaal")
    heemstede = MunicipalityFactory(cbs_code="GM0397", name="Heemstede")  # nothing entered
    _volume(bloemendaal, 2021, statushouders=22)

    result = reports.forecast(2021)

    assert _figures(_demand(result, "Bloemendaal", PVT)) == (22, 2021, 0, None)
    assert _figures(_demand(result, "Heemstede", PVT)) == (0, None, 0, None)
    assert _demand(result, "Heemstede", PVT)["expected_learners"] == 0
    assert result.volume_years == {
        bloemendaal.pk: VolumeYears(statushouders=2021, gezinsmigranten=None),
        heemstede.pk: VolumeYears(statushouders=None, gezinsmigranten=None),
    }
    assert result.has_volumes


def test_the_demo_data_gives_gezinsmigranten_a_pvt_and_map_demand_in_2021():
    """``seed_demo`` stores the gezinsmigranten on the 2020 rows only (domain notes, "Volumes":
    322 statushouders in 2021, 188 gezinsmigranten in 2020)."""
    call_command("seed_demo", "--no-users", verbosity=0)

    result = reports.forecast(2021)

    pvt = result.demand[result.demand["component"] == PVT]
    map_ = result.demand[result.demand["component"] == MAP]
    assert pvt["statushouders"].sum() == 322
    assert pvt["gezinsmigranten"].sum() == 188
    assert set(pvt["gezinsmigranten_year"]) == {2020}
    assert pvt["expected_learners"].sum() == pytest.approx(322 + 188)
    # MAP: 75 % of the statushouders (the onderwijsroute is exempt) and every gezinsmigrant.
    assert map_["expected_learners"].sum() == pytest.approx(0.75 * 322 + 188)


# --- The page and the download ------------------------------------------------------------------


@pytest.fixture
def region():
    """Beverwijk: statushouders 2021, gezinsmigranten 2020 only. Bloemendaal: no gezinsmigranten
    in any year. Haarlem: both for 2021."""
    beverwijk = MunicipalityFactory(cbs_code="GM0375", name="Beverwijk")
    bloemendaal = MunicipalityFactory(cbs_code="GM0377", name="Bloemendaal")
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    _volume(beverwijk, 2020, statushouders=17, gezinsmigranten=16)
    _volume(beverwijk, 2021, statushouders=35)
    _volume(bloemendaal, 2021, statushouders=22)
    _volume(haarlem, 2021, statushouders=136, gezinsmigranten=100)


@pytest.fixture
def manager_client(client):
    return login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))


def _demand_cells(html: str) -> dict[tuple[str, str], list[str]]:
    """Demand rows by (municipality, component): [statushouders, gezinsmigranten, expected]."""
    soup = BeautifulSoup(html, "html.parser")
    [table] = [
        table
        for table in soup.find_all("table")
        if table.caption.get_text(" ", strip=True).startswith(DEMAND_CAPTION)
    ]
    rows = [
        [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
        for row in table.tbody.find_all("tr")
    ]
    return {(row[0], row[3]): [row[1], row[2], row[4]] for row in rows}


def test_the_page_says_per_municipality_and_group_which_year_a_figure_is_of_or_that_none_is(
    manager_client, region
):
    response = manager_client.get(URL, {"year": "2021"})
    assert response.status_code == 200
    html = response.content.decode()
    soup = BeautifulSoup(html, "html.parser")

    notes = [item.get_text(" ", strip=True) for item in soup.select("#forecast-volume-notes li")]
    assert notes == [
        "Gezinsmigranten in Beverwijk: figure of 2020, no figure for 2021.",
        "Gezinsmigranten in Bloemendaal: no figure entered, counted as 0.",
    ]
    demand = _demand_cells(html)
    pvt = "Participation statement (PVT)"
    assert demand[("Beverwijk", pvt)] == ["35", "16 figure of 2020", "51"]
    assert demand[("Bloemendaal", pvt)] == ["22", "0 no figure entered", "22"]
    assert demand[("Haarlem", pvt)] == ["136", "100", "236"]


def test_the_demand_download_has_the_year_of_each_groups_figure_and_none_where_missing(
    manager_client, region
):
    response = manager_client.get(f"{EXPORT}demand.csv", {"year": "2021", "component": PVT})
    text = b"".join(response.streaming_content).decode("utf-8").removeprefix("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header[:6] == [
        "Municipality",
        "CBS code",
        "Statushouders",
        "Statushouders: year of the figure (empty: none entered)",
        "Gezinsmigranten",
        "Gezinsmigranten: year of the figure (empty: none entered)",
    ]
    assert [row[:6] for row in rows] == [
        ["Beverwijk", "GM0375", "35", "2021", "16", "2020"],
        ["Bloemendaal", "GM0377", "22", "2021", "0", ""],
        ["Haarlem", "GM0392", "136", "2021", "100", "2021"],
    ]
