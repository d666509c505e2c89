"""The OCDS release package (contracts/ocds.py) and its public endpoint (contracts/api.py).

The package is validated against the official OCDS 1.1.5 schemas, vendored in ``ocds_schema/``
(see its README), with the release schema resolved locally: no network.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from wagtail.documents.models import Document

from contracts.models import CapacityPeriod, ContractDocument, ContractStatus, Lot, Referral
from portal.accounts.models import Role
from providers.choices import Component
from tests.contracts.factories import (
    ContractFactory,
    LearnerFactory,
    LotFactory,
    MunicipalityFactory,
)
from tests.portal.factories import UserFactory
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/ocds/releases/"
SCHEMA_DIR = Path(__file__).parent / "ocds_schema"
RELEASE_REQUIRED = ("ocid", "id", "date", "tag", "initiationType")


def _format_checker() -> FormatChecker:
    """date-time and uri checked with the standard library (jsonschema skips them otherwise)."""
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        moment = datetime.datetime.fromisoformat(value)
        return "T" in value and moment.tzinfo is not None

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlparse(value)
        return bool(parts.scheme and parts.netloc)

    return checker


@pytest.fixture(scope="module")
def package_validator() -> Draft4Validator:
    release_schema = json.loads((SCHEMA_DIR / "release-schema.json").read_text())
    package_schema = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text())
    registry = Registry().with_resource(
        release_schema["id"], Resource.from_contents(release_schema)
    )
    assert package_schema["properties"]["releases"]["items"]["$ref"] == release_schema["id"]
    Draft4Validator.check_schema(package_schema)
    Draft4Validator.check_schema(release_schema)
    return Draft4Validator(package_schema, registry=registry, format_checker=_format_checker())


def _errors(validator: Draft4Validator, package: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(package)
    ]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _document(title: str, name: str, **fields) -> Document:
    return Document.objects.create(title=title, file=ContentFile(b"%PDF-1.4", name=name), **fields)


@pytest.fixture
def contract(haarlem):
    """An active contract of the central municipality for itself and two others, with three lots,
    a document, and a provider with a KvK number, a website and contact details."""
    provider = ProviderFactory(
        name="Taalhuis Kennemerland",
        kvk_number="12345678",
        website="https://taalhuis.example.nl/",
        email="info@taalhuis.example.nl",
        phone="+31 23 555 0100",
    )
    contract = ContractFactory(
        reference="RIJZK-2026-001",
        provider=provider,
        contracting_municipality=haarlem,
        municipalities=[
            haarlem,
            MunicipalityFactory(cbs_code="GM0453", name="Velsen"),
            MunicipalityFactory(cbs_code="GM0375", name="Beverwijk"),
        ],
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2027, 12, 31),
        extension_options="Twee keer één jaar.",
    )
    LotFactory(contract=contract, name="Perceel 1: B1-route", component="B1_ROUTE")
    LotFactory(contract=contract, component="Z_ROUTE", tariff_cents=750_050, capacity=20)
    LotFactory(
        contract=contract,
        component="ONDERWIJSROUTE",
        education_level="MBO2",
        capacity=4,
        capacity_period=CapacityPeriod.QUARTER,
    )
    ContractDocument.objects.create(
        contract=contract,
        document=_document("Getekend contract", "contract-rijzk-2026-001.pdf"),
        description="Ondertekend contract",
    )
    return contract


def _package(client, query: str = "", **headers) -> dict:
    response = client.get(URL + query, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def _release(package: dict, contract) -> dict:
    (release,) = [r for r in package["releases"] if r["tender"]["id"] == contract.reference]
    return release


def test_the_package_is_a_valid_ocds_1_1_release_package(client, contract, package_validator):
    ContractFactory(
        provider=ProviderFactory(kvk_number=""),
        status=ContractStatus.TERMINATED,
        extension_options="",
    )
    package = _package(client)
    assert len(package["releases"]) == 2
    assert _errors(package_validator, package) == []


def test_the_validator_refuses_what_the_standard_refuses(client, contract, package_validator):
    """The schema check is no formality: a release without its ocid, with a tag outside 1.1's
    closed list, or a date without a time zone is refused."""
    package = _package(client)
    release = package["releases"][0]
    del release["ocid"]
    release["tag"] = ["contractSigned"]
    release["date"] = "2026-01-01T00:00:00"
    errors = "\n".join(_errors(package_validator, package))
    assert "'ocid' is a required property" in errors
    assert "'contractSigned' is not one of" in errors
    assert "is not a 'date-time'" in errors


def test_every_release_has_the_fields_the_standard_requires(client, contract, settings):
    settings.OCDS_OCID_PREFIX = "ocds-a1b2c3"
    package = _package(client)
    assert package["version"] == "1.1"
    assert {"uri", "publisher", "publishedDate", "releases"} <= set(package)
    assert package["uri"] == f"http://testserver{URL}"
    release = _release(package, contract)
    assert set(RELEASE_REQUIRED) <= set(release)
    assert release["ocid"] == f"ocds-a1b2c3-{contract.pk}"
    assert release["id"].startswith(f"ocds-a1b2c3-{contract.pk}-")
    assert release["initiationType"] == "tender"
    assert release["tag"] == ["tender", "award", "contract"]
    assert release["language"] == "nl"
    assert package["publishedDate"] == release["date"]


def test_only_contracts_in_force_or_ended_are_published(client, contract):
    ContractFactory(reference="CONCEPT-1", status=ContractStatus.DRAFT)
    ended = ContractFactory(reference="OUD-1", status=ContractStatus.ENDED)
    stopped = ContractFactory(reference="GESTOPT-1", status=ContractStatus.TERMINATED)
    package = _package(client)
    statuses = {
        release["tender"]["id"]: release["contracts"][0]["status"]
        for release in package["releases"]
    }
    assert statuses == {
        contract.reference: "active",
        ended.reference: "terminated",
        stopped.reference: "terminated",
    }
    assert "CONCEPT-1" not in json.dumps(package)
    assert "contractTermination" in _release(package, ended)["tag"]


def test_contract_value_is_each_tariff_times_the_capacity_of_every_period_of_the_term(client):
    """1 July 2026 to 30 June 2028 touches three calendar years and eight quarters:
    100 a year at € 10.000 is € 3.000.000, 10 a quarter at € 1.234,56 is € 98.764,80."""
    contract = ContractFactory(
        starts_on=datetime.date(2026, 7, 1), ends_on=datetime.date(2028, 6, 30)
    )
    yearly = LotFactory(contract=contract, tariff_cents=1_000_000, capacity=100)
    quarterly = LotFactory(
        contract=contract,
        component="KNM",
        tariff_cents=123_456,
        capacity=10,
        capacity_period=CapacityPeriod.QUARTER,
    )
    release = _release(_package(client), contract)
    expected = {"amount": 3_098_764.8, "currency": "EUR"}
    assert release["contracts"][0]["value"] == expected
    assert release["awards"][0]["value"] == expected
    items = {item["id"]: item for item in release["tender"]["items"]}
    assert items[str(yearly.pk)]["quantity"] == 300
    assert items[str(yearly.pk)]["unit"]["value"] == {"amount": 10_000, "currency": "EUR"}
    assert items[str(quarterly.pk)]["quantity"] == 80
    assert items[str(quarterly.pk)]["unit"]["value"] == {"amount": 1234.56, "currency": "EUR"}


def test_a_contract_without_lots_is_worth_nothing_yet(client):
    contract = ContractFactory()
    release = _release(_package(client), contract)
    assert release["contracts"][0]["value"] == {"amount": 0, "currency": "EUR"}
    assert release["tender"]["items"] == []


def test_parties_name_the_buyer_the_municipalities_covered_and_the_supplier(client, contract):
    release = _release(_package(client), contract)
    parties = {party["id"]: party for party in release["parties"]}
    assert list(parties) == ["GM0392", "GM0375", "GM0453", "NL-KVK-12345678"]
    assert parties["GM0392"]["roles"] == ["buyer", "procuringEntity"]
    assert parties["GM0375"]["roles"] == parties["GM0453"]["roles"] == ["buyer"]
    supplier = parties["NL-KVK-12345678"]
    assert supplier["roles"] == ["supplier", "tenderer"]
    assert supplier["identifier"] == {"scheme": "NL-KVK", "id": "12345678"}
    assert supplier["contactPoint"] == {"url": "https://taalhuis.example.nl/"}
    references = [
        release["buyer"],
        release["tender"]["procuringEntity"],
        *release["awards"][0]["suppliers"],
    ]
    for reference in references:
        assert parties[reference["id"]]["name"] == reference["name"]
    assert release["buyer"] == {"id": "GM0392", "name": "Haarlem"}


def test_tender_award_and_contract_carry_lots_value_and_period(client, contract):
    release = _release(_package(client), contract)
    tender, award, ocds_contract = release["tender"], release["awards"][0], release["contracts"][0]
    assert tender["status"] == "complete"
    assert [item["classification"] for item in tender["items"]] == [
        {"scheme": "CPV", "id": "80580000"},
        {"scheme": "CPV", "id": "80580000"},
        {"scheme": "CPV", "id": "80400000"},
    ]
    assert tender["items"][0]["description"] == "Perceel 1: B1-route"
    assert ocds_contract["awardID"] == award["id"]
    assert award["suppliers"] == [{"id": "NL-KVK-12345678", "name": "Taalhuis Kennemerland"}]
    period = {"startDate": "2026-01-01T00:00:00+01:00", "endDate": "2027-12-31T23:59:59+01:00"}
    assert ocds_contract["period"] == award["contractPeriod"] == period
    assert "Twee keer één jaar." in ocds_contract["description"]


def test_no_personal_data_and_no_private_addresses_are_published(client, contract):
    manager = UserFactory(
        role=Role.CONTRACT_MANAGER,
        email="c.manager@gemeente.example.nl",
        first_name="Carla",
        last_name="Contractbeheerder",
    )
    klantmanager = UserFactory(role=Role.CASE_MANAGER, email="k.manager@gemeente.example.nl")
    learner = LearnerFactory(
        municipality=contract.contracting_municipality,
        first_name="Yasmina",
        last_name="Haddouchi",
        client_number="KL-77777",
    )
    Referral.objects.create(
        learner=learner, lot=contract.lots.first(), created_by=klantmanager, note="Yasmina"
    )
    uploaded = _document("Bijlage 2 (tarieven)", "tarieven.pdf", uploaded_by_user=manager)
    ContractDocument.objects.create(contract=contract, document=uploaded)
    contract.save_revision(user=manager)

    response = client.get(URL)
    body = response.content.decode()
    for private in (
        "Yasmina",
        "Haddouchi",
        "KL-77777",
        "Carla",
        "Contractbeheerder",
        "c.manager@gemeente.example.nl",
        "k.manager@gemeente.example.nl",
        "info@taalhuis.example.nl",
        "+31 23 555 0100",
    ):
        assert private not in body
    assert "@" not in body
    assert uploaded.url not in body
    assert "/documents/" not in body and ".pdf" not in body
    documents = _release(response.json(), contract)["contracts"][0]["documents"]
    assert [(d["title"], d["format"]) for d in documents] == [
        ("Getekend contract", "application/pdf"),
        ("Bijlage 2 (tarieven)", "application/pdf"),
    ]
    assert documents[0]["description"] == "Ondertekend contract"


def test_anonymous_visitors_get_json_with_cache_headers(client, contract):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"public", "max-age=300"} <= cache_control


def test_anonymous_visitors_are_throttled_at_the_api_rate(client, contract, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_texts_are_in_the_language_the_releases_declare(client, contract):
    with translation.override("nl"):
        dutch = str(Component.Z_ROUTE.label)
    with translation.override("en"):
        assert str(Component.Z_ROUTE.label) != dutch
    release = _release(_package(client, "", HTTP_ACCEPT_LANGUAGE="en"), contract)
    assert release["language"] == "nl"
    assert dutch in [item["description"] for item in release["tender"]["items"]]


def test_a_release_keeps_its_id_until_the_contract_or_a_lot_changes(client, contract):
    first = _release(_package(client), contract)
    assert _release(_package(client), contract)["id"] == first["id"]
    lot = contract.lots.first()
    lot.capacity += 1
    lot.save()
    changed = _release(_package(client), contract)
    assert changed["id"] != first["id"]
    assert changed["date"] > first["date"]
    assert changed["ocid"] == first["ocid"]


def test_since_keeps_contracts_whose_contract_lots_or_provider_changed_that_day_or_later(
    client, contract
):
    long_ago = timezone.now() - datetime.timedelta(days=30)
    quiet = ContractFactory(reference="RUSTIG-1")
    LotFactory(contract=quiet)
    type(quiet).objects.filter(pk__in=[quiet.pk, contract.pk]).update(updated_at=long_ago)
    Lot.objects.filter(contract__in=[quiet, contract]).update(updated_at=long_ago)
    type(quiet.provider).objects.filter(pk__in=[quiet.provider_id, contract.provider_id]).update(
        updated_at=long_ago
    )
    today = timezone.localdate().isoformat()

    assert _package(client, f"?since={today}")["releases"] == []
    Lot.objects.filter(contract=contract).update(updated_at=timezone.now())
    releases = _package(client, f"?since={today}")["releases"]
    assert [release["tender"]["id"] for release in releases] == [contract.reference]
    week_ago = (timezone.localdate() - datetime.timedelta(days=40)).isoformat()
    assert len(_package(client, f"?since={week_ago}")["releases"]) == 2


@pytest.mark.parametrize("since", ["2026-13-01", "gisteren", "01-02-2026"])
def test_a_bad_since_answers_400_naming_the_field(client, since):
    response = client.get(URL, {"since": since})
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["since"]
    assert body["since"] and isinstance(body["since"][0], str)


def _contracts_with_lots_and_documents(count: int) -> None:
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    for _ in range(count):
        contract = ContractFactory(
            contracting_municipality=haarlem, municipalities=[haarlem, velsen]
        )
        LotFactory(contract=contract)
        LotFactory(contract=contract, component="KNM")
        ContractDocument.objects.create(
            contract=contract, document=_document("Contract", "contract.pdf")
        )


@pytest.mark.parametrize("count", [1, 12])
def test_query_count_does_not_grow_with_the_number_of_contracts(
    client, django_assert_max_num_queries, count
):
    _contracts_with_lots_and_documents(count)
    # contracts with provider and municipality, municipalities covered, lots, documents
    with django_assert_max_num_queries(4):
        package = _package(client, "?since=2000-01-01")
    assert len(package["releases"]) == count


def test_openapi_schema_describes_the_ocds_endpoint(client):
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["get"]
    assert [parameter["name"] for parameter in operation["parameters"]] == ["since"]
    assert operation["parameters"][0]["schema"] == {"type": "string", "format": "date"}
    assert set(operation["responses"]) == {"200", "400"}
