"""The contract dashboard: figures of the region for contract managers, of their own municipality
for klantmanagers, nobody else; filters in the URL; every table as CSV and XLSX; a fixed number
of queries."""

from __future__ import annotations

import csv
import datetime
import io

import pandas as pd
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from contracts import contracting, referrals
from contracts.admin.dashboard import (
    dashboard_filter,
    lot_period_label,
    section_charts,
    select_options,
    table_body,
)
from contracts.models import Learner, Referral
from contracts.reporting.dashboard_tables import CellTexts
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"


def export_url(name: str, file_format: str) -> str:
    return f"{URL}export/{name}.{file_format}"


@pytest.fixture
def lot(haarlem, velsen):
    provider = ProviderFactory(name="=Evil Taal")
    return LotFactory(
        capacity=4, contract__provider=provider, contract__municipalities=[haarlem, velsen]
    )


def _learner(municipality, number: int) -> Learner:
    today = timezone.localdate()
    return Learner.objects.create(
        municipality=municipality,
        first_name="Amal",
        last_name=f"Geheim{number}",
        date_of_birth=datetime.date(1990, 5, 1),
        target_group="STATUSHOUDER",
        housing_date=today - datetime.timedelta(days=60),
        pip_date=today - datetime.timedelta(days=10),
        route="B1_ROUTE",
    )


def _refer(lot, municipality, count: int, *, start: int = 0) -> list:
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=municipality)
    made = []
    for number in range(start, start + count):
        referral = referrals.referral_create(
            learner=_learner(municipality, number), lot=lot, actor=klantmanager
        )
        made.append(referrals.referral_send(referral=referral, actor=klantmanager))
    return made


@pytest.fixture
def caseload(lot, haarlem, velsen):
    """Three Haarlem referrals (one accepted and started) and one of Velsen: the lot is full."""
    sent = _refer(lot, haarlem, 3)
    _refer(lot, velsen, 1, start=3)
    staff = provider_staff(lot.contract.provider)
    accepted = referrals.referral_accept(referral=sent[0], actor=staff)
    referrals.referral_start(referral=accepted, actor=staff, started_on=timezone.localdate())
    return sent


def sent_on(referral: Referral) -> datetime.date:
    """The day the referral was sent: it took its place in the lot's period of that day."""
    return timezone.localdate(referral.sent_at)


def year_of(day: datetime.date) -> dict[str, str]:
    """The period of the URL for the calendar year of ``day``. The dashboard reads the clock
    when the URL names no period; a test that asks for the year its referrals were sent in
    passes even when midnight of 31 December falls between sending them and the request."""
    return {"from": f"{day.year}-01-01", "until": f"{day.year}-12-31"}


def as_user(user) -> Client:
    return login_staff_in_english(Client(), user)


def _table(response, name: str) -> list[list[str]]:
    for section in response.context["sections"]:
        for table in section["tables"]:
            if table["id"] == name:
                return table["rows"]
    raise AssertionError(f"no table {name}")


def _funnel_total(response) -> dict[str, str]:
    (total,) = [row for row in _table(response, "funnel") if row[0] == "All providers"]
    return dict(
        zip(["sent", "accepted", "declined", "withdrawn", "started"], total[1:6], strict=True)
    )


@pytest.mark.parametrize(
    ("today", "year"),
    [(datetime.date(2026, 12, 31), 2026), (datetime.date(2027, 1, 1), 2027)],
)
def test_without_a_period_the_dashboard_shows_the_calendar_year_of_today(rf, today, year):
    request = rf.get(URL)
    request.user = UserFactory(role=Role.CONTRACT_MANAGER)
    report_filter = dashboard_filter(request, today=today)
    assert (report_filter.date_from, report_filter.date_until) == (
        datetime.date(year, 1, 1),
        datetime.date(year, 12, 31),
    )


def test_a_contract_manager_sees_the_regions_figures_for_this_year(caseload, lot):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    before = timezone.localdate()
    opened = client.get(URL)
    after = timezone.localdate()
    assert opened.status_code == 200
    # Without a period the page opens on the year of the clock, read during the request.
    opened_html = opened.content.decode()
    assert any(
        f'name="from" value="{year}-01-01"' in opened_html
        and f'name="until" value="{year}-12-31"' in opened_html
        for year in {before.year, after.year}
    )
    assert '<option value="" selected>All municipalities</option>' in opened_html
    response = client.get(URL, year_of(sent_on(caseload[0])))
    html = response.content.decode()
    (row,) = _table(response, "utilisation-lots")
    assert row[0] == lot.contract.reference
    assert row[5:8] == ["4", "0", "4"]  # capacity, overrides, placements
    assert row[9:11] == ["100 %", "yes"]
    assert _funnel_total(response) == {
        "sent": "4", "accepted": "1", "declined": "0", "withdrawn": "0", "started": "1",
    }  # fmt: skip
    assert dict(_table(response, "placements-municipalities")) == {"Haarlem": "3", "Velsen": "1"}
    assert 'role="img"' in html and "Placements against capacity per lot" in html
    assert f'<tr><th scope="row">{lot.contract.reference}</th><td>=Evil Taal</td>' in html


def _chart(response, chart_id: str):
    for section in response.context["sections"]:
        for chart in section["charts"]:
            if chart.id == chart_id:
                return chart
    raise AssertionError(f"no chart {chart_id}")


def test_the_utilisation_chart_shows_the_fullest_lots_first(caseload, lot, haarlem):
    roomy = LotFactory(
        name="Perceel 9: brugklas",
        capacity=10,
        capacity_period="QUARTER",
        contract__reference="AAA-FIRST-BY-REFERENCE",
        contract__municipalities=[haarlem],
    )
    (referral,) = _refer(roomy, haarlem, 1, start=10)
    response = as_user(UserFactory(role=Role.CONTRACT_MANAGER)).get(URL, year_of(sent_on(referral)))
    chart = _chart(response, "chart-utilisation")
    # The table keeps the contracts' order; the chart puts the full lot (4 of 4) first, then
    # this quarter of the roomy lot (1 of 10), then its other quarters.
    assert _table(response, "utilisation-lots")[0][0] == "AAA-FIRST-BY-REFERENCE"
    assert chart.title == "Fullest lots: placements against capacity"
    texts = [row.text for row in chart.rows]
    assert texts[:2] == ["! 4 of 4", "1 of 10"]
    assert texts[2:] and set(texts[2:]) == {"0 of 10"}  # the quarters of the contract to come
    (full,) = [
        row for row in _table(response, "utilisation-lots") if row[0] != roomy.contract.reference
    ]
    assert chart.rows[0].label == f"{full[2]} · =Evil Taal"  # its lot column, the provider
    first, last = contracting.period_containing(kind="QUARTER", on=sent_on(referral))
    months = f"{first:%b}\N{EN DASH}{last:%b}".lower()
    provider = roomy.contract.provider.name
    assert chart.rows[1].label == f"Perceel 9: brugklas ({months}) · {provider}"


def test_a_lot_period_label_names_the_months_only_of_a_part_of_the_year():
    year = (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    half = (datetime.date(2026, 7, 1), datetime.date(2026, 12, 31))
    with translation.override("nl"):
        assert lot_period_label("Perceel 1: B1-route", "Alfa", *year) == (
            "Perceel 1: B1-route · Alfa"
        )
        assert lot_period_label("Perceel 1: B1-route", "Alfa", *half) == (
            "Perceel 1: B1-route (jul\N{EN DASH}dec) · Alfa"
        )


def test_provider_charts_draw_the_most_first_and_money_as_the_table_does():
    frames = {
        "funnel": pd.DataFrame(
            {"provider_id": [None], "sent": [0], "accepted": [0], "started": [0]}
            | {"completed": [0], "stopped": [0]}
        ),
        "sla-breaches": pd.DataFrame(
            {
                "provider_id": [1, 2, 3, None],
                "provider_name": ["Alfa", "Beta", "Gamma", "All providers"],
                "breaches": [2, 7, 2, 11],
            }
        ),
        "attendance-providers": pd.DataFrame(
            {
                "provider_name": ["Alfa", "Beta"],
                "hours_offered": [100.0, 10.0],
                "hours_attended": [95.0, 2.0],
                "absence_hours": [5.0, 8.0],
            }
        ),
    }
    market = pd.DataFrame(
        {"provider_name": ["Alfa", "Beta", "Alfa"], "revenue_cents": [1000, 250050, 500]}
    )
    with translation.override("en"):
        texts = CellTexts()
        (_funnel, sla) = section_charts("referrals", {}, frames, texts)
        (attendance,) = section_charts("attendance", {}, frames, texts)
        (revenue,) = section_charts("market", {"self_paid_market": market}, frames, texts)
    assert [(row.label, row.text) for row in sla.rows] == [
        ("Beta", "! 7"), ("Alfa", "! 2"), ("Gamma", "! 2"),
    ]  # fmt: skip
    assert [row.label for row in attendance.rows] == ["Beta", "Alfa"]  # 8 hours absent, then 5
    assert [(row.label, row.text) for row in revenue.rows] == [
        ("Beta", "€ 2,500.50"), ("Alfa", "€ 15.00"),
    ]  # fmt: skip


def test_a_klantmanager_sees_their_own_municipality_only(caseload, haarlem, velsen):
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=velsen)
    client = as_user(klantmanager)
    response = client.get(URL)
    assert response.status_code == 200
    assert _funnel_total(response)["sent"] == "1"
    assert dict(_table(response, "placements-municipalities")) == {"Velsen": "1"}
    html = response.content.decode()
    assert ">Haarlem</option>" not in html
    asked = client.get(URL, {"municipality": haarlem.pk})
    assert _funnel_total(asked)["sent"] == "1"
    assert "You see the figures of your own municipality only." in asked.content.decode()


def test_filters_live_in_the_url_and_bad_values_are_named(caseload, haarlem):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    sent = sent_on(caseload[0])
    this_year = year_of(sent)
    in_haarlem = {"municipality": haarlem.pk, **this_year}
    assert _funnel_total(client.get(URL, in_haarlem))["sent"] == "3"
    other_component = client.get(URL, {"component": "PVT", **this_year})
    assert _table(other_component, "utilisation-lots") == []
    assert "No figures for this selection." in other_component.content.decode()
    last_year = client.get(URL, year_of(datetime.date(sent.year - 1, 1, 1)))
    assert _table(last_year, "placements-municipalities") == []
    bad = client.get(URL, {"from": "gisteren"})
    assert bad.status_code == 200
    assert "Enter a date as YYYY-MM-DD" in bad.content.decode()
    links = client.get(URL, in_haarlem).content.decode()
    assert f"{export_url('funnel', 'csv')}?from={sent.year}-01-01" in links
    assert f"municipality={haarlem.pk}" in links


@pytest.mark.parametrize("role", ["provider", "site editor", "auditor"])
def test_other_roles_do_not_get_the_dashboard_or_its_downloads(caseload, lot, role):
    user = {
        "provider": lambda: provider_staff(lot.contract.provider),
        "site editor": lambda: UserFactory(role=Role.SITE_EDITOR),
        "auditor": lambda: UserFactory(role=Role.AUDITOR),
    }[role]()
    client = as_user(user)
    for url in (URL, export_url("funnel", "csv"), export_url("placements", "csv")):
        response = client.get(url)
        assert response.status_code in {302, 403}, url
        assert b"Evil" not in b"".join(getattr(response, "streaming_content", [response.content]))
    assert URL not in client.get("/admin/").content.decode()


def test_a_table_downloads_as_csv_with_formulas_escaped(caseload):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get(export_url("funnel", "csv"))
    assert response.status_code == 200 and response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Provider", "Sent", "Accepted"]
    assert rows[1][:3] == ["'=Evil Taal", "4", "1"]


def test_a_table_downloads_as_xlsx(caseload, lot):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get(export_url("utilisation-lots", "xlsx"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Contract", "Provider", "Lot")
    assert rows[1][0] == lot.contract.reference and rows[1][1] == "'=Evil Taal"
    assert rows[1][5] == 4 and rows[1][9] == 1


def test_all_placements_download_without_learners_names(caseload, velsen):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get(export_url("placements", "csv"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Referral number"
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(
        Referral.objects.values_list("pk", flat=True)
    )
    assert "Geheim" not in text and "Amal" not in text
    only_velsen = client.get(export_url("placements", "csv"), {"municipality": velsen.pk})
    assert len(b"".join(only_velsen.streaming_content).decode().splitlines()) == 2


def test_unknown_tables_and_formats_are_404(caseload):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    assert client.get(export_url("salaries", "csv")).status_code == 404
    assert client.get(export_url("funnel", "pdf")).status_code == 404


def test_the_page_takes_the_same_number_of_queries_for_more_data(caseload, lot, haarlem):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    fresh = {"refresh": "1"}
    client.get(URL, fresh)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL, fresh).status_code == 200
    lot.capacity = 20
    lot.save()
    other = LotFactory(capacity=5, component="PVT", contract__municipalities=[haarlem])
    _refer(lot, haarlem, 6, start=10)
    _refer(other, haarlem, 2, start=20)
    with CaptureQueriesContext(connection) as more:
        assert client.get(URL, fresh).status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)


def test_figures_are_kept_for_a_while_and_computed_again_on_request(caseload, lot, haarlem):
    client = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    first = client.get(URL)
    assert "Figures as of" in first.content.decode()
    lot.capacity = 10
    lot.save()
    _refer(lot, haarlem, 2, start=30)
    with CaptureQueriesContext(connection) as cached:
        kept = client.get(URL)
    assert _funnel_total(kept)["sent"] == "4"
    assert not any("contracts_referral" in query["sql"] for query in cached.captured_queries)
    again = client.get(URL, {"refresh": "1"})
    assert _funnel_total(again)["sent"] == "6"
    assert "refresh=1" in again.content.decode()


def test_dashboard_warm_fills_the_cache_for_the_default_views(caseload, velsen):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("dashboard_warm", "--municipalities", stdout=out)
    assert "Dashboard figures of 3 view(s) computed" in out.getvalue()  # region, Haarlem, Velsen
    manager = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    klantmanager = as_user(UserFactory(role=Role.CASE_MANAGER, municipality=velsen))
    for client, sent in ((manager, "4"), (klantmanager, "1")):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL)
        assert _funnel_total(response)["sent"] == sent
        assert not any("contracts_referral" in query["sql"] for query in queries.captured_queries)


def test_table_rows_and_filter_options_are_escaped():
    body = table_body([["<Alfa>", "1.234", "R&D"], ["Beta", "—", ""]])
    assert body == (
        '<tr><th scope="row">&lt;Alfa&gt;</th><td>1.234</td><td>R&amp;D</td></tr>\n'
        '<tr><th scope="row">Beta</th><td>—</td><td></td></tr>'
    )
    assert table_body([]) == ""
    options = select_options([("", "All"), ("7", 'A "quoted" <name>')], "7")
    assert options == (
        '<option value="">All</option>\n'
        '<option value="7" selected>A &quot;quoted&quot; &lt;name&gt;</option>'
    )
