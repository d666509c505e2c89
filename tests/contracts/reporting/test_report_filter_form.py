"""The report filter's form (``contracts.reporting.frames.ReportFilterForm``) and what any text in
the filter's parameters gives: a value, or a message on that parameter; never an exception, and
never a server error on the dashboard or the forecast page.

The Hypothesis tests are deterministic (``derandomize=True``) and bounded, like
``tests/providers/test_fuzz_inputs.py``.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.http import QueryDict
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contracts.admin import dashboard, forecast  # noqa: F401  (registers the admin URLs)
from contracts.reporting import ReportFilter
from contracts.reporting.frames import ReportFilterForm
from portal.accounts.models import Role
from providers.choices import Component
from tests.contracts.factories import MunicipalityFactory
from tests.contracts.reporting.world import D
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

PARAMETERS = ReportFilter.PARAMETERS
ATTRIBUTES = {
    "from": "date_from",
    "until": "date_until",
    "municipality": "municipality_id",
    "component": "component",
    "provider": "provider_id",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fuzz(max_examples: int):
    """Deterministic (same examples in every run and CI pass), no deadline, bounded."""
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# Any text, and the texts a parameter is meant to take (so that values are read, not only
# refused): days inside and outside 1900-2100, ids of every size, components, their neighbours.
values = st.one_of(
    st.text(),
    st.dates().map(lambda day: day.isoformat()),
    st.integers().map(str),
    st.integers(min_value=4_301, max_value=6_000).map(lambda digits: "9" * digits),
    st.sampled_from([*Component.values, "pvt", " PVT ", "\x00", "٣", "²", "1_000", "0x1F"]),
)
queries = st.dictionaries(st.sampled_from(PARAMETERS), values, max_size=len(PARAMETERS))


# --- The form ----------------------------------------------------------------------------------


def test_the_form_has_one_field_per_parameter_in_the_filters_order():
    assert list(ReportFilterForm.base_fields) == list(PARAMETERS)
    assert [str(field.label) for field in ReportFilterForm.base_fields.values()] == [
        "From",
        "Until",
        "Municipality",
        "Component",
        "Provider",
    ]


def test_the_form_reads_each_parameter_as_its_type():
    form = ReportFilterForm(
        QueryDict("from=2026-01-01&until=%202026-06-30%20&municipality=7&component=PVT&provider=12")
    )
    assert form.is_valid()
    assert form.cleaned_data == {
        "from": D(2026, 1, 1),
        "until": D(2026, 6, 30),
        "municipality": 7,
        "component": "PVT",
        "provider": 12,
    }


def test_the_form_keeps_each_message_on_the_field_of_its_parameter():
    form = ReportFilterForm(
        QueryDict("from=0001-01-01&until=morgen&municipality=0&component=TAAL&provider=1.0")
    )
    assert not form.is_valid()
    assert form.errors == {
        "from": ["Enter a date between 1900 and 2100."],
        "until": ["Enter a date as YYYY-MM-DD, e.g. 2026-01-31."],
        "municipality": ["Choose a municipality from the list."],
        "component": ["Choose a component from the list."],
        "provider": ["Choose a provider from the list."],
    }
    assert form["until"].auto_id == "filter-until"


def test_a_blank_parameter_is_no_parameter_and_no_error():
    form = ReportFilterForm(dict.fromkeys(PARAMETERS, " \t "))
    assert form.is_valid()
    assert ReportFilter.from_query(dict.fromkeys(PARAMETERS, " \t ")) == ReportFilter()


def test_the_messages_come_in_the_order_of_the_fields_and_the_lock_last():
    haarlem, velsen = MunicipalityFactory(), MunicipalityFactory()
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    query = QueryDict(f"provider=x&component=x&municipality={velsen.pk}&until=x&from=2026-01-01")
    parsed = ReportFilter.from_query(query, user=klantmanager)
    assert parsed.errors == (
        ("until", "Enter a date as YYYY-MM-DD, e.g. 2026-01-31."),
        ("component", "Choose a component from the list."),
        ("provider", "Choose a provider from the list."),
        ("municipality", "You see the figures of your own municipality only."),
    )
    assert (parsed.date_from, parsed.municipality) == (D(2026, 1, 1), haarlem.pk)


def test_a_klantmanager_may_ask_for_their_own_municipality():
    haarlem = MunicipalityFactory()
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    parsed = ReportFilter.from_query({"municipality": str(haarlem.pk)}, user=klantmanager)
    assert (parsed.municipality_id, parsed.locked_municipality_id) == (haarlem.pk, haarlem.pk)
    assert parsed.errors == ()


@pytest.mark.parametrize("name", ["municipality", "provider"])
def test_an_id_of_thousands_of_digits_is_refused_on_its_field_not_a_crash(name):
    # Python's int() refuses more than 4,300 digits with a ValueError.
    parsed = ReportFilter.from_query({name: "9" * 5_000})
    assert parsed == ReportFilter()
    assert list(parsed.error_messages) == [name]


@pytest.mark.parametrize(
    ("raw", "number"), [("1", 1), (str(2**63 - 1), 2**63 - 1), ("0" * 5_000 + "7", 7)]
)
def test_an_id_is_ascii_digits_from_1_to_the_largest_64_bit_number(raw, number):
    assert ReportFilter.from_query({"provider": raw}).provider_id == number


@pytest.mark.parametrize("raw", ["0", str(2**63), "-3", "+3", "٣", "²", "1_000", "3.0"])
def test_anything_else_is_not_an_id(raw):
    assert ReportFilter.from_query({"provider": raw}).error_messages == {
        "provider": "Choose a provider from the list."
    }


# --- Any text ----------------------------------------------------------------------------------


@fuzz(max_examples=300)
@given(query=queries)
@example(query={"municipality": "9" * 5_000})
@example(query={"from": "2026-06-01", "until": "2026-05-01"})
def test_any_text_is_read_or_refused_on_its_own_parameter(query):
    parsed = ReportFilter.from_query(query)
    for name in PARAMETERS:
        raw = query.get(name, "").strip()
        value = getattr(parsed, ATTRIBUTES[name])
        if not raw:
            assert (value, parsed.error_messages.get(name)) == (None, None)
        elif name in parsed.error_messages:
            assert value is None
        else:
            assert value is not None
    assert set(parsed.error_messages) <= set(query)
    assert ReportFilter.from_query(QueryDict(parsed.to_query())) == parsed


@fuzz(max_examples=100)
@given(query=queries)
def test_a_klantmanager_stays_locked_whatever_the_query(query):
    own, other = sorted(MunicipalityFactory.create_batch(2), key=lambda row: row.pk)
    klantmanager = UserFactory(role=Role.CASE_MANAGER, municipality=own)
    query = {**query, "municipality": query.get("municipality", str(other.pk))}
    parsed = ReportFilter.from_query(query, user=klantmanager)
    assert (parsed.municipality, parsed.locked_municipality_id) == (own.pk, own.pk)
    assert parsed.municipality_id in (None, own.pk)
    if query["municipality"].strip() and parsed.municipality_id is None:
        assert "municipality" in parsed.error_messages


# --- Any text on the pages ---------------------------------------------------------------------


def _error_ids(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    return {element["id"] for element in soup.select(".error-message[id]")}


@fuzz(max_examples=40)
@given(query=queries)
@example(query={"municipality": "9" * 5_000, "provider": "\x00"})
def test_the_dashboard_answers_any_filter_with_messages_on_the_fields(client, query):
    login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get("/admin/dashboard/", query)
    assert response.status_code == 200
    # (Without a period the dashboard shows this year: no message either way.)
    errors = ReportFilter.from_query(query).error_messages
    assert _error_ids(response.content.decode()) == {f"filter-{name}-error" for name in errors}


@fuzz(max_examples=40)
@given(query=queries)
@example(query={"municipality": "9" * 5_000, "provider": "\x00"})
def test_the_forecast_answers_any_filter_with_messages_on_the_fields(client, query):
    query = {name: raw for name, raw in query.items() if name not in ("from", "until")}
    login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get("/admin/dashboard/forecast/", query)
    assert response.status_code == 200
    shown = _error_ids(response.content.decode())
    # The forecast's own text fields refuse NUL characters before the filter reads them.
    errors = ReportFilter.from_query(query).error_messages
    assert {f"id_{name}_error" for name in errors} <= shown
    assert shown <= {f"id_{name}_error" for name in query}
