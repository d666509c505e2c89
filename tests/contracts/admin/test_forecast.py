"""The forecast page of the contract dashboard (``contracts.admin.forecast``): expected learners
for next year per municipality and component against contracted capacity per lot, with the
route split and the filters in the URL, and both tables as CSV and XLSX."""

from __future__ import annotations

import csv
import datetime
import io
from types import SimpleNamespace

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone
from openpyxl import load_workbook

from contracts.admin import forecast  # noqa: F401  (registers the admin URLs)
from contracts.models import CapacityPeriod, IntakeVolume
from portal.accounts.models import Role
from tests.contracts.factories import ContractFactory, LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/forecast/"
EXPORT = "/admin/dashboard/forecast/export/"
NEXT_YEAR = timezone.localdate().year + 1
EVIL = '=HYPERLINK("http://evil.example","klik")'
LOTS_CAPTION = "Capacity and expected learners per lot"
DEMAND_CAPTION = "Expected learners per municipality and component"


@pytest.fixture
def region():
    """Haarlem entered 137 statushouders and 40 gezinsmigranten for next year; Velsen only
    58 and 26 for 2021. One B1 lot of 100 places a year covers Haarlem; nothing covers Velsen."""
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    IntakeVolume.objects.create(
        municipality=haarlem, year=NEXT_YEAR, statushouders=137, gezinsmigranten=40
    )
    IntakeVolume.objects.create(
        municipality=velsen, year=2021, statushouders=58, gezinsmigranten=26
    )
    alfa = ProviderFactory(name="Alfa Taal")
    contract = ContractFactory(
        provider=alfa,
        reference="RIJZK-F-001",
        contracting_municipality=haarlem,
        starts_on=datetime.date(NEXT_YEAR - 1, 1, 1),
        ends_on=datetime.date(NEXT_YEAR + 1, 12, 31),
        municipalities=[haarlem],
    )
    b1 = LotFactory(contract=contract, component="B1_ROUTE", capacity=100, name="Perceel 1: B1")
    return SimpleNamespace(haarlem=haarlem, velsen=velsen, alfa=alfa, contract=contract, b1=b1)


@pytest.fixture
def manager_client(client):
    return login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))


def _table(html: str, caption: str) -> list[list[str]]:
    """The body rows of the table whose caption starts with ``caption``, as cell texts."""
    soup = BeautifulSoup(html, "html.parser")
    for table in soup.find_all("table"):
        if table.caption and table.caption.get_text(" ", strip=True).startswith(caption):
            return [
                [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
                for row in table.tbody.find_all("tr")
            ]
    raise AssertionError(f"No table captioned {caption!r}")


def _demand(html: str) -> dict[tuple[str, str], list[str]]:
    """Demand rows by (municipality, component): [statushouders, gezinsmigranten, expected,
    covering lots]; a figure of another year than the one asked says so after the number."""
    return {
        (row[0], row[3]): [row[1], row[2], row[4], row[5]] for row in _table(html, DEMAND_CAPTION)
    }


def _page(client, **query) -> str:
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def _xlsx(response) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# --- The figures --------------------------------------------------------------------------------


def test_a_contract_manager_sees_next_years_demand_from_the_volumes_and_the_default_split(
    manager_client, region
):
    html = _page(manager_client)
    demand = _demand(html)
    # 137 statushouders: 60 % B1 = 82.2, 25 % onderwijsroute = 34.25, 15 % Z = 20.55; everyone
    # the brugklas (137); PVT for statushouders and the 40 gezinsmigranten (177); MAP for the
    # B1 and Z routes (75 % = 102.75) and the gezinsmigranten: 142.75. Shown as whole learners.
    assert demand[("Haarlem", "B1 route")] == ["137", "40", "82", "1"]
    assert demand[("Haarlem", "Education route")][2] == "34"
    assert demand[("Haarlem", "Z route (self-reliance)")][2] == "21"
    assert demand[("Haarlem", "Bridging class (brugklas)")][2] == "137"
    assert demand[("Haarlem", "Participation statement (PVT)")][2] == "177"
    assert demand[("Haarlem", "Labour market and participation module (MAP)")][2] == "143"
    # Velsen has no volumes for next year: 2021's 58 statushouders (60 % = 34.8), and no lot.
    assert demand[("Velsen", "B1 route")] == [
        "58 figure of 2021",
        "26 figure of 2021",
        "35",
        "No contracted lot",
    ]
    assert len(demand) == 12


def test_each_lot_shows_its_capacity_against_the_learners_expected_with_the_balance_in_words(
    manager_client, region
):
    html = _page(manager_client)
    assert _table(html, LOTS_CAPTION) == [
        [
            "RIJZK-F-001",
            "Alfa Taal",
            "Perceel 1: B1",
            "B1 route",
            "1",
            "100",
            "82",
            "+18",
            "Surplus of 18 places",
        ]
    ]
    soup = BeautifulSoup(html, "html.parser")
    chart = soup.select_one(".rw-chart__plot[role=img]")
    assert chart.select_one(".rw-chart__label").get_text() == "Alfa Taal: Perceel 1: B1"
    description = soup.find(id=chart["aria-labelledby"].split()[1]).get_text()
    assert "Largest: Alfa Taal: Perceel 1: B1 (18 left)." in description
    assert not soup.select(".rw-chart__row--flagged")


def test_the_volume_year_used_instead_of_the_asked_one_is_noted_per_municipality_and_group(
    manager_client, region
):
    soup = BeautifulSoup(_page(manager_client), "html.parser")
    assert [
        item.get_text(" ", strip=True) for item in soup.select("#forecast-volume-notes li")
    ] == [
        f"Statushouders in Velsen: figure of 2021, no figure for {NEXT_YEAR}.",
        f"Gezinsmigranten in Velsen: figure of 2021, no figure for {NEXT_YEAR}.",
    ]


def test_the_route_split_in_the_url_changes_the_numbers_and_flags_a_shortfall(
    manager_client, region
):
    html = _page(manager_client, b1_route="80", onderwijsroute="10", z_route="10")
    demand = _demand(html)
    # 80 % of 137 = 109.6; MAP: 90 % of 137 + 40 = 163.3.
    assert demand[("Haarlem", "B1 route")][2] == "110"
    assert demand[("Haarlem", "Education route")][2] == "14"
    assert demand[("Haarlem", "Labour market and participation module (MAP)")][2] == "163"
    [lot] = _table(html, LOTS_CAPTION)
    assert lot[5:] == ["100", "110", "-10", "Shortfall of 10 places"]
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one(".rw-chart__row--flagged .rw-chart__value").get_text() == "! 10 short"
    assert soup.find(id="id_b1_route")["value"] == "80"
    links = {a["href"] for a in soup.find_all("a") if a["href"].startswith(EXPORT)}
    assert f"{EXPORT}lots.csv?year={NEXT_YEAR}&b1_route=80&onderwijsroute=10&z_route=10" in links


def test_a_split_that_does_not_add_up_is_shown_on_the_fields_and_the_defaults_are_used(
    manager_client, region
):
    html = _page(manager_client, b1_route="70", onderwijsroute="25", z_route="15")
    soup = BeautifulSoup(html, "html.parser")
    error = soup.find(id="forecast-route-split-error")
    assert "add up to 100" in error.get_text()
    assert "Meanwhile the figures use 60, 25 and 15." in error.get_text()
    for name in ("b1_route", "onderwijsroute", "z_route"):
        field = soup.find(id=f"id_{name}")
        assert field["aria-invalid"] == "true"
        assert field["aria-describedby"] == "forecast-route-split-error"
    assert soup.find(id="id_b1_route")["value"] == "70"
    assert _demand(html)[("Haarlem", "B1 route")][2] == "82"


def test_a_bad_year_is_shown_on_its_field_and_next_year_is_used(manager_client, region):
    html = _page(manager_client, year="twintig")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(id="id_year")["aria-invalid"] == "true"
    assert "Enter a year from 2000 to 2100" in soup.find(id="id_year_error").get_text()
    # Haarlem's figures are of next year only: any other year would say "figure of …".
    assert _demand(html)[("Haarlem", "B1 route")][:2] == ["137", "40"]


def test_a_municipality_filter_narrows_the_demand_and_the_lots(manager_client, region):
    html = _page(manager_client, municipality=str(region.velsen.pk))
    assert {municipality for municipality, _component in _demand(html)} == {"Velsen"}
    assert "No active lot of an active contract is in force" in html


def test_a_municipality_filter_narrows_each_lot_to_that_municipalitys_part(manager_client, region):
    """The B1 lot's 100 places serve Haarlem (82.2 expected) and Velsen (34.8): a shortfall of
    17. Filtered to one of them the lot shows that municipality's learners and the same share
    of the places, so the two shortfalls add up to the lot's (before, the table stayed the
    same whichever municipality was chosen)."""
    region.contract.municipalities.add(region.velsen)
    region.contract.save()
    lot = ["RIJZK-F-001", "Alfa Taal", "Perceel 1: B1", "B1 route", "2"]
    assert _table(_page(manager_client), LOTS_CAPTION) == [
        [*lot, "100", "117", "-17", "Shortfall of 17 places"]
    ]
    haarlem = _page(manager_client, municipality=str(region.haarlem.pk))
    assert _table(haarlem, LOTS_CAPTION) == [
        [*lot, "100", "70", "82", "-12", "Shortfall of 12 places"]
    ]
    soup = BeautifulSoup(haarlem, "html.parser")
    headers = [th.get_text(strip=True) for th in soup.select("#forecast-lots-caption ~ thead th")]
    assert headers[5:8] == [
        f"Capacity of the whole lot in {NEXT_YEAR}",
        f"Places for Haarlem in {NEXT_YEAR}",
        "Expected learners from Haarlem",
    ]
    assert soup.find(id="forecast-lots-municipality") is not None
    velsen = _page(manager_client, municipality=str(region.velsen.pk))
    assert _table(velsen, LOTS_CAPTION) == [
        [*lot, "100", "30", "35", "-5", "Shortfall of 5 places"]
    ]

    header, row = _csv(manager_client.get(f"{EXPORT}lots.csv", {"municipality": region.haarlem.pk}))
    assert header[8:] == [
        f"Places for Haarlem in {NEXT_YEAR} (its share of the lot)",
        "Expected learners from Haarlem",
        "Balance for Haarlem (places minus expected learners)",
        "Shortfall",
        "Surplus",
        f"Capacity of the whole lot in {NEXT_YEAR}",
        "Expected learners of the whole lot",
    ]
    assert [float(value) for value in row[8:]] == pytest.approx(
        [100 * 82.2 / 117, 82.2, 100 * 82.2 / 117 - 82.2, 82.2 - 100 * 82.2 / 117, 0, 100, 117]
    )


def test_every_field_has_a_label(manager_client, region):
    soup = BeautifulSoup(_page(manager_client), "html.parser")
    form = soup.find("form", attrs={"aria-label": "Forecast settings"})
    fields = form.find_all(["input", "select"])
    assert {field["name"] for field in fields} == {
        "year",
        "b1_route",
        "onderwijsroute",
        "z_route",
        "municipality",
        "component",
        "provider",
    }
    for field in fields:
        assert form.find("label", attrs={"for": field["id"]}), field["name"]


# --- Who sees what ------------------------------------------------------------------------------


def test_a_klantmanager_sees_their_own_municipality_only(client, region):
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=region.haarlem)
    login_staff_in_english(client, klantmanager)
    html = _page(client)
    assert {municipality for municipality, _component in _demand(html)} == {"Haarlem"}
    assert "Velsen" not in html
    asked = _page(client, municipality=str(region.velsen.pk))
    assert "You see the figures of your own municipality only." in asked
    assert {municipality for municipality, _component in _demand(asked)} == {"Haarlem"}
    assert "Velsen" not in asked
    export = _csv(client.get(f"{EXPORT}demand.csv", {"municipality": region.velsen.pk}))
    assert {row[0] for row in export[1:]} == {"Haarlem"}


def test_a_klantmanager_without_a_municipality_sees_no_figures_and_is_told_why(client, region):
    login_staff_in_english(client, UserFactory(role=Role.CASE_MANAGER, municipality=None))
    html = _page(client)
    assert "Your account is not linked to a municipality" in html
    assert "Haarlem" not in html and "Velsen" not in html
    assert not BeautifulSoup(html, "html.parser").select("table.listing")


@pytest.mark.parametrize("who", ["provider_staff", "site_editor", "auditor"])
def test_other_roles_are_turned_away(client, region, who):
    """``PermissionDenied``, which the admin answers as everywhere: back to the admin's home
    with "no permission" (a 403 for script requests)."""
    user = {
        "provider_staff": lambda: provider_staff(region.alfa, admin=True),
        "site_editor": lambda: UserFactory(role=Role.SITE_EDITOR),
        "auditor": lambda: UserFactory(role=Role.AUDITOR),
    }[who]()
    login_staff_in_english(client, user)
    for url in (URL, f"{EXPORT}lots.csv", f"{EXPORT}demand.xlsx"):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url
        script = client.get(url, headers={"x-requested-with": "XMLHttpRequest"})
        assert script.status_code == 403, url
        assert b"Haarlem" not in script.content
    home = client.get("/admin/").content.decode()
    assert "Sorry, you do not have permission to access this area." in home


def test_a_superuser_sees_everything(client, region):
    login_staff_in_english(client, UserFactory(is_superuser=True))
    assert {m for m, _c in _demand(_page(client))} == {"Haarlem", "Velsen"}


# --- Downloads ----------------------------------------------------------------------------------


@pytest.fixture
def evil_lot(region):
    contract = ContractFactory(
        provider=ProviderFactory(name=EVIL),
        reference="RIJZK-F-002",
        contracting_municipality=region.haarlem,
        starts_on=datetime.date(NEXT_YEAR, 1, 1),
        ends_on=datetime.date(NEXT_YEAR, 12, 31),
        municipalities=[region.haarlem],
    )
    return LotFactory(
        contract=contract, component="PVT", capacity=100, capacity_period=CapacityPeriod.HALF_YEAR
    )


def test_the_lots_download_has_every_lot_with_raw_numbers_and_escapes_formulas(
    manager_client, region, evil_lot
):
    response = manager_client.get(f"{EXPORT}lots.csv", {"b1_route": "80", "onderwijsroute": "10"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    header, *rows = _csv(response)
    assert header == [
        "Contract",
        "Provider",
        "Lot",
        "Component",
        "Prepares for",
        "Municipalities covered",
        "Capacity per period",
        "Capacity period",
        f"Capacity in {NEXT_YEAR}",
        "Expected learners",
        "Balance (capacity minus expected learners)",
        "Shortfall",
        "Surplus",
    ]
    # The split 80/10/10 was incomplete (no Z route): the defaults are used, as on the page.
    b1, pvt = rows
    assert b1[:9] == [
        "RIJZK-F-001",
        "Alfa Taal",
        "Perceel 1: B1",
        "B1 route",
        "",
        "1",
        "100",
        "Calendar year",
        "100",
    ]
    assert [float(value) for value in b1[9:]] == pytest.approx([82.2, 17.8, 0, 17.8])
    assert pvt[1] == "'" + EVIL
    # PVT: 2 half years of 100 against 137 statushouders + 40 gezinsmigranten.
    assert (pvt[8], float(pvt[9]), float(pvt[10])) == ("200", pytest.approx(177), pytest.approx(23))


def test_the_demand_download_as_xlsx_has_every_row_with_the_exact_figures(manager_client, region):
    response = manager_client.get(
        f"{EXPORT}demand.xlsx", {"b1_route": "50", "onderwijsroute": "30", "z_route": "20"}
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    header, *rows = _xlsx(response)
    assert header == [
        "Municipality",
        "CBS code",
        "Statushouders",
        "Statushouders: year of the figure (empty: none entered)",
        "Gezinsmigranten",
        "Gezinsmigranten: year of the figure (empty: none entered)",
        "Component",
        "Expected learners",
        "Contracted lots covering it",
        "No contracted lot",
    ]
    assert len(rows) == 12
    by_key = {(row[0], row[6]): row for row in rows}
    assert by_key[("Haarlem", "B1 route")] == [
        "Haarlem",
        "GM0392",
        137,
        NEXT_YEAR,
        40,
        NEXT_YEAR,
        "B1 route",
        pytest.approx(68.5),
        1,
        False,
    ]
    assert by_key[("Velsen", "Education route")][2:6] == [58, 2021, 26, 2021]
    assert by_key[("Velsen", "Education route")][7:] == [pytest.approx(17.4), 0, True]


def test_the_lots_download_as_xlsx_escapes_a_formula_like_provider_name(
    manager_client, region, evil_lot
):
    _header, *rows = _xlsx(manager_client.get(f"{EXPORT}lots.xlsx"))
    assert [row[1] for row in rows] == ["Alfa Taal", "'" + EVIL]
    assert rows[0][9] == pytest.approx(82.2)


def test_an_unknown_table_or_format_is_not_found(manager_client, region):
    for name in ("people.csv", "lots.pdf"):
        assert manager_client.get(f"{EXPORT}{name}", follow=True).status_code == 404


def test_the_page_links_both_downloads_of_both_tables_with_its_query(manager_client, region):
    soup = BeautifulSoup(_page(manager_client, component="B1_ROUTE"), "html.parser")
    links = {a["href"] for a in soup.find_all("a") if a["href"].startswith(EXPORT)}
    query = f"year={NEXT_YEAR}&b1_route=60&onderwijsroute=25&z_route=15&component=B1_ROUTE"
    assert links == {
        f"{EXPORT}{table}.{kind}?{query}"
        for table in ("lots", "demand")
        for kind in ("csv", "xlsx")
    }


# --- Empty states and size ----------------------------------------------------------------------


def test_without_volumes_the_page_says_where_to_enter_them(client):
    login_staff_in_english(client, UserFactory(is_superuser=True))
    soup = BeautifulSoup(_page(client), "html.parser")
    text = soup.get_text(" ")
    assert "No intake volumes have been entered yet" in text
    link = soup.find("a", string=lambda s: s and "under Intake volumes" in s)
    assert link["href"] == "/admin/snippets/contracts/intakevolume/"
    assert "No active lot of an active contract is in force" in text
    assert not soup.select("table.listing")


def test_a_contract_manager_is_sent_to_the_volumes(manager_client):
    html = _page(manager_client)
    assert 'href="/admin/snippets/contracts/intakevolume/"' in html
    assert "Ask an administrator" not in html


def test_a_klantmanager_without_access_to_the_volumes_is_told_whom_to_ask(client):
    municipality = MunicipalityFactory()
    login_staff_in_english(client, UserFactory(role=Role.CASE_MANAGER, municipality=municipality))
    html = _page(client)
    assert "Ask an administrator to enter the statushouders and gezinsmigranten" in html
    assert "/admin/snippets/contracts/intakevolume/" not in html


def test_a_component_without_places_of_its_own_says_so(manager_client, region):
    html = _page(manager_client, component="KNM")
    assert "KNM and literacy are part of each route" in html


def test_the_page_shows_100_rows_and_says_how_many_more_the_download_has(manager_client, region):
    for number in range(16):
        municipality = MunicipalityFactory(
            cbs_code=f"GM{2000 + number}", name=f"Zgemeente {number:02d}"
        )
        IntakeVolume.objects.create(municipality=municipality, year=NEXT_YEAR, statushouders=10)
    html = _page(manager_client)
    assert len(_table(html, DEMAND_CAPTION)) == 100
    assert "The page shows the first 100 rows; the download has 8 more." in html
    assert len(_csv(manager_client.get(f"{EXPORT}demand.csv"))) == 1 + 108


def test_the_page_takes_a_fixed_number_of_queries(
    manager_client, region, django_assert_max_num_queries
):
    manager_client.get(URL)  # warm caches (site, profile)
    with django_assert_max_num_queries(18) as few:
        manager_client.get(URL)
    for number in range(5):
        municipality = MunicipalityFactory(cbs_code=f"GM{3000 + number}")
        IntakeVolume.objects.create(municipality=municipality, year=NEXT_YEAR, statushouders=30)
        contract = ContractFactory(
            reference=f"RIJZK-Q-{number}",
            starts_on=datetime.date(NEXT_YEAR, 1, 1),
            ends_on=datetime.date(NEXT_YEAR, 12, 31),
            municipalities=[municipality, region.haarlem],
        )
        LotFactory(contract=contract, component="MAP")
        LotFactory(contract=contract, component="PVT")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(URL)
    assert len(response.context["lots"]) == 11
