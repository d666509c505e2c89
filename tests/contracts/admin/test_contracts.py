"""Contracts and lots in the Wagtail admin: contract managers keep them, every save is a revision,
the Keurmerk rule is a field error, the start page shows what to watch, and nobody else gets in."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.test.utils.form_data import querydict_from_html

from contracts.models import Contract, ContractStatus, Lot, LotStatus
from portal.accounts.models import Role
from portal.core.tasks import tasks_run_due
from tests.contracts.factories import ContractFactory, LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff, login_staff_in_english
from tests.providers.factories import OfferingFactory, ProviderFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
CONTRACTS = "/admin/snippets/contracts/contract/"
LOTS = "/admin/snippets/contracts/lot/"


@pytest.fixture
def manager():
    return UserFactory(role=Role.CONTRACT_MANAGER, first_name="Chris", last_name="Contract")


@pytest.fixture
def manager_client(client, manager):
    return login_staff_in_english(client, manager)


def _form(client, url: str) -> dict:
    """The form's fields as the page fills them in, as a dict the test client posts in full (a
    ``QueryDict`` would post only the last value of each field)."""
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    return {name: values[0] if len(values) == 1 else values for name, values in data.lists()}


def _without_mark():
    return ProviderFactory(
        name="Taalschool Zonder", keurmerk_status="NONE", keurmerk_valid_until=None
    )


def _lot_form(client, contract, **fields) -> dict:
    data = _form(client, f"{LOTS}add/?contract={contract.pk}")
    data.update(
        {
            "contract": str(contract.pk),
            "name": "Perceel 1: B1-route",
            "component": "B1_ROUTE",
            "education_level": "",
            "tariff_cents": "10,000.00",  # typed in euros (an English admin), stored in cents
            "capacity": "100",
            "capacity_period": "YEAR",
            "answer_within_working_days": "5",
            "start_within_weeks": "4",
            "status": "ACTIVE",
        }
    )
    data.update(fields)
    return data


# --- Creating and changing ------------------------------------------------------------------


def test_a_contract_manager_creates_a_contract_for_the_region(manager_client, manager):
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    haarlem.region.central_municipality = haarlem
    haarlem.region.save()
    provider = ProviderFactory(name="Taalhuis Test")
    data = _form(manager_client, f"{CONTRACTS}add/")
    # A new contract starts as the region's: signed by Haarlem, covering all its municipalities.
    assert data["contracting_municipality"] == str(haarlem.pk)
    assert set(data["municipalities"]) == {str(haarlem.pk), str(velsen.pk)}
    data.update(
        {
            "reference": "RIJZK-2026-001",
            "provider": str(provider.pk),
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
            "extension_options": "Twice one year.",
            "status": "ACTIVE",
        }
    )
    response = manager_client.post(f"{CONTRACTS}add/", data)
    assert response.status_code == 302, response.context["form"].errors
    contract = Contract.objects.get(reference="RIJZK-2026-001")
    assert set(contract.municipalities.all()) == {haarlem, velsen}
    revision = contract.latest_revision
    assert revision.user == manager
    assert contract.revisions.count() == 1
    assert ModelLogEntry.objects.for_instance(contract).filter(action="wagtail.create").exists()


def test_every_save_of_a_contract_is_a_revision_with_its_author(manager_client, manager):
    contract = ContractFactory(extension_options="")
    url = f"{CONTRACTS}edit/{contract.pk}/"
    for text in ("Once one year.", "Twice one year."):
        data = _form(manager_client, url)
        data["extension_options"] = text
        assert manager_client.post(url, data).status_code == 302
    contract.refresh_from_db()
    assert contract.extension_options == "Twice one year."  # no drafts: at once
    revisions = list(contract.revisions.order_by("created_at", "pk"))
    assert [r.user for r in revisions] == [manager, manager]
    assert [r.content["extension_options"] for r in revisions] == [
        "Once one year.",
        "Twice one year.",
    ]
    edits = ModelLogEntry.objects.for_instance(contract).filter(action="wagtail.edit")
    assert edits.count() == 2
    assert {entry.user for entry in edits} == {manager}
    history = manager_client.get(f"{CONTRACTS}history/{contract.pk}/")
    assert history.status_code == 200
    assert "Chris Contract" in history.content.decode()
    first, second = revisions
    compare = manager_client.get(
        f"{CONTRACTS}history/{contract.pk}/revisions/compare/{first.pk}...{second.pk}/"
    )
    assert compare.status_code == 200
    assert "Twice one year." in compare.content.decode()


def test_contract_forms_do_not_autosave(manager_client):
    # Changes take effect at once, so nothing may be saved before the manager presses Save.
    contract = ContractFactory()
    for url in (f"{CONTRACTS}add/", f"{CONTRACTS}edit/{contract.pk}/", f"{LOTS}add/"):
        assert manager_client.get(url).context["autosave_enabled"] is False


def test_restoring_a_contract_revision_keeps_its_lots(manager_client):
    contract = ContractFactory(extension_options="Oud")
    lot = LotFactory(contract=contract)
    old = contract.save_revision()
    url = f"{CONTRACTS}edit/{contract.pk}/"
    data = _form(manager_client, url)
    data["extension_options"] = "Nieuw"
    manager_client.post(url, data)
    revert = f"{CONTRACTS}history/{contract.pk}/revisions/{old.pk}/revert/"
    data = _form(manager_client, revert)
    assert manager_client.post(revert, data).status_code == 302
    contract.refresh_from_db()
    assert contract.extension_options == "Oud"
    assert list(contract.lots.values_list("pk", flat=True)) == [lot.pk]
    assert Lot.objects.get(pk=lot.pk).tariff_cents == lot.tariff_cents


def test_a_route_lot_with_a_provider_without_a_mark_is_a_field_error_and_nothing_is_saved(
    manager_client,
):
    contract = ContractFactory(provider=_without_mark())
    response = manager_client.post(f"{LOTS}add/", _lot_form(manager_client, contract))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"status"}
    assert "Taalschool Zonder has no valid Keurmerk Inburgeren" in errors["status"][0]
    assert "Taalschool Zonder has no valid Keurmerk Inburgeren" in response.content.decode()
    assert not Lot.objects.exists()


def test_the_lot_form_warns_before_saving_when_the_mark_is_missing(manager_client):
    contract = ContractFactory(provider=_without_mark())
    html = manager_client.get(f"{LOTS}add/?contract={contract.pk}").content.decode()
    assert "cannot be made active" in html


def test_a_route_lot_with_a_valid_mark_is_saved_active_with_a_revision(manager_client, manager):
    provider = ProviderFactory()
    offering = OfferingFactory(provider=provider, title="B1 overdag")
    contract = ContractFactory(provider=provider)
    data = _lot_form(manager_client, contract, offerings=[str(offering.pk)])
    response = manager_client.post(f"{LOTS}add/", data)
    assert response.status_code == 302, response.context["form"].errors
    lot = Lot.objects.get()
    assert (lot.contract, lot.status) == (contract, LotStatus.ACTIVE)
    assert list(lot.offerings.all()) == [offering]
    assert lot.latest_revision.user == manager


def test_the_lot_form_offers_only_the_contract_providers_courses(manager_client):
    provider = ProviderFactory()
    own = OfferingFactory(provider=provider, title="Eigen B1-cursus")
    other = OfferingFactory(title="Andermans B1-cursus")
    lot = LotFactory(contract=ContractFactory(provider=provider))
    url = f"{LOTS}edit/{lot.pk}/"
    response = manager_client.get(url)
    field = response.context["form"].fields["offerings"]
    assert list(field.queryset) == [own]
    html = response.content.decode()
    assert "Eigen B1-cursus" in html
    assert "Andermans B1-cursus" not in html
    data = _form(manager_client, url)
    data["offerings"] = [str(other.pk)]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "offerings" in response.context["form"].errors
    assert not lot.offerings.exists()


def test_a_lot_keeps_its_contract_in_the_form(manager_client):
    lot = LotFactory()
    other = ContractFactory()
    url = f"{LOTS}edit/{lot.pk}/"
    data = _form(manager_client, url)
    data["contract"] = str(other.pk)
    data["tariff_cents"] = "9900"
    assert manager_client.post(url, data).status_code == 302
    lot.refresh_from_db()
    assert (lot.contract_id, lot.tariff_cents) == (lot.contract_id, 990000)
    assert lot.contract != other


def test_the_tariff_is_typed_in_euros_stored_in_cents_and_compared_in_euros(manager_client):
    lot = LotFactory(tariff_cents=1_250_000)
    first = lot.save_revision()
    url = f"{LOTS}edit/{lot.pk}/"
    data = _form(manager_client, url)
    assert data["tariff_cents"] == "12,500.00"
    data["tariff_cents"] = "€ 12,750.50"
    assert manager_client.post(url, data).status_code == 302
    lot.refresh_from_db()
    assert lot.tariff_cents == 1_275_050
    compare = f"{LOTS}history/{lot.pk}/revisions/compare/{first.pk}...{lot.latest_revision_id}/"
    page = manager_client.get(compare).content.decode()
    old, new = "€\u00a012,500", "€\u00a012,750.50"
    assert f'<span class="deletion">{old}</span> → <span class="addition">{new}</span>' in page
    assert "1250000" not in page


def test_inspect_views_show_the_contract_with_its_lots(manager_client):
    contract = ContractFactory(reference="RIJZK-INSPECT")
    lot = LotFactory(contract=contract, name="Perceel B1", tariff_cents=1_250_000)
    html = manager_client.get(f"{CONTRACTS}inspect/{contract.pk}/").content.decode()
    assert "Perceel B1" in html
    assert "€\u00a012,500" in html
    assert f"{LOTS}add/?contract={contract.pk}" in html
    html = manager_client.get(f"{LOTS}inspect/{lot.pk}/").content.decode()
    assert "RIJZK-INSPECT" in html
    assert "Quality mark valid" in html


# --- Listing ----------------------------------------------------------------------------------


def test_contracts_are_found_by_reference_or_provider_name(manager_client):
    ContractFactory(reference="RIJZK-AAA", provider=ProviderFactory(name="Taalhuis Noord"))
    ContractFactory(reference="RIJZK-BBB", provider=ProviderFactory(name="Werkwijs Zuid"))
    for query, found in (("AAA", "RIJZK-AAA"), ("werkwijs", "RIJZK-BBB")):
        response = manager_client.get(CONTRACTS, {"q": query})
        assert [c.reference for c in response.context["object_list"]] == [found]


def test_lists_filter_by_status_and_component(manager_client):
    ContractFactory(reference="RIJZK-ACTIEF")
    ContractFactory(reference="RIJZK-CONCEPT", status=ContractStatus.DRAFT)
    response = manager_client.get(CONTRACTS, {"status": "DRAFT"})
    assert [c.reference for c in response.context["object_list"]] == ["RIJZK-CONCEPT"]
    b1 = LotFactory()
    LotFactory(component="MAP")
    response = manager_client.get(LOTS, {"component": "B1_ROUTE"})
    assert list(response.context["object_list"]) == [b1]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", [CONTRACTS, LOTS])
def test_listing_queries_do_not_grow_with_the_number_of_rows(
    manager_client, url, django_assert_max_num_queries
):
    for _ in range(3):
        LotFactory()
    few = _queries(manager_client, url)
    for _ in range(27):
        LotFactory()
    with django_assert_max_num_queries(few):
        assert manager_client.get(url).status_code == 200


# --- The start page -----------------------------------------------------------------------------


def test_the_start_page_lists_what_a_contract_manager_must_watch(manager_client):
    today = timezone.localdate()
    ContractFactory(reference="RIJZK-EINDE", ends_on=today + 30 * DAY)
    ContractFactory(reference="RIJZK-LATER", ends_on=today + 91 * DAY)
    lapsing = ProviderFactory(name="Keurmerk Vervalt", keurmerk_valid_until=today + 100 * DAY)
    LotFactory(contract=ContractFactory(reference="RIJZK-VERVALT", provider=lapsing))
    html = manager_client.get("/admin/").content.decode()
    assert "Contracts to watch" in html
    assert "RIJZK-EINDE" in html
    assert "RIJZK-LATER" not in html
    assert "RIJZK-VERVALT" in html
    assert "Quality mark lapses before the contract ends" in html
    assert "No lot has reached 80 % of its capacity" in html
    assert '<th scope="col">' in html
    assert "<caption" in html


def test_the_start_page_says_so_when_nothing_needs_attention(manager_client):
    html = manager_client.get("/admin/").content.decode()
    assert "No active contract ends within 90 days." in html
    assert "Every active B1-route and Z-route lot has a provider" in html


def test_other_staff_do_not_see_the_contract_panel(client):
    login_staff_in_english(client, provider_staff(ProviderFactory()))
    ContractFactory(reference="RIJZK-GEHEIM", ends_on=timezone.localdate() + 10 * DAY)
    html = client.get("/admin/").content.decode()
    assert "Contracts to watch" not in html
    assert "RIJZK-GEHEIM" not in html


# --- Nobody else gets in ------------------------------------------------------------------------


def _outsiders():
    provider = ProviderFactory()
    return {
        "klantmanager": UserFactory(role=Role.CASE_MANAGER),
        "provider_staff": provider_staff(provider, admin=True),
        "site_editor": UserFactory(role=Role.SITE_EDITOR),
    }, provider


@pytest.mark.parametrize("who", ["klantmanager", "provider_staff", "site_editor"])
def test_other_roles_get_no_access_to_contracts_or_lots(client, who):
    users, provider = _outsiders()
    # Even the contract with the staff's own provider is not theirs to see (yet).
    contract = ContractFactory(provider=provider, reference="RIJZK-VERBODEN")
    lot = LotFactory(contract=contract)
    login_staff(client, users[who])
    urls = [
        CONTRACTS,
        f"{CONTRACTS}add/",
        f"{CONTRACTS}edit/{contract.pk}/",
        f"{CONTRACTS}inspect/{contract.pk}/",
        f"{CONTRACTS}history/{contract.pk}/",
        f"{CONTRACTS}delete/{contract.pk}/",
        LOTS,
        f"{LOTS}add/",
        f"{LOTS}edit/{lot.pk}/",
        f"{LOTS}inspect/{lot.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        assert b"RIJZK-VERBODEN" not in response.content
    # The chooser pop-up (scoped like every listing) has nothing to offer them.
    assert b"RIJZK-VERBODEN" not in client.get("/admin/snippets/choose/contracts/contract/").content
    response = client.post(f"{CONTRACTS}edit/{contract.pk}/", {"reference": "GEKAAPT"})
    assert response.status_code in (302, 403, 404)
    contract.refresh_from_db()
    assert contract.reference == "RIJZK-VERBODEN"


def test_a_superuser_may_manage_contracts(client):
    login_staff(client, UserFactory(is_superuser=True))
    contract = ContractFactory()
    assert client.get(CONTRACTS).status_code == 200
    assert client.get(f"{CONTRACTS}edit/{contract.pk}/").status_code == 200


def test_a_contract_with_lots_cannot_be_deleted(manager_client):
    contract = ContractFactory()
    LotFactory(contract=contract)
    tasks_run_due()  # the worker records where the contract is used (Wagtail's reference index)
    page = manager_client.get(f"{CONTRACTS}delete/{contract.pk}/").content.decode()
    assert "prevent it from being deleted" in page
    manager_client.post(f"{CONTRACTS}delete/{contract.pk}/")
    assert Contract.objects.filter(pk=contract.pk).exists()


def test_the_lot_form_refuses_a_course_of_another_component(manager_client):
    provider = ProviderFactory()
    own_b1 = OfferingFactory(provider=provider, title="Eigen B1")
    own_map = OfferingFactory(provider=provider, title="Eigen MAP", component="MAP")
    lot = LotFactory(contract=ContractFactory(provider=provider), offerings=[own_map])
    url = f"{LOTS}edit/{lot.pk}/"
    data = _form(manager_client, url)
    data["offerings"] = [str(own_b1.pk), str(own_map.pk)]
    response = manager_client.post(url, data)
    assert response.status_code == 200
    assert "Eigen MAP" in response.context["form"].errors["offerings"][0]
    # Unticking the course that does not fit puts it right.
    data["offerings"] = str(own_b1.pk)
    assert manager_client.post(url, data).status_code == 302
    assert list(Lot.objects.get(pk=lot.pk).offerings.all()) == [own_b1]


def test_documents_are_kept_with_the_contract_and_its_revisions(manager_client):
    from django.core.files.base import ContentFile
    from wagtail.documents.models import Document

    document = Document.objects.create(
        title="Getekend contract", file=ContentFile(b"%PDF-1.4", name="contract.pdf")
    )
    contract = ContractFactory()
    url = f"{CONTRACTS}edit/{contract.pk}/"
    data = _form(manager_client, url)
    data.update(
        {
            "documents-TOTAL_FORMS": "1",
            "documents-0-document": str(document.pk),
            "documents-0-description": "Ondertekend contract",
            "documents-0-id": "",
            "documents-0-ORDER": "1",
            "documents-0-DELETE": "",
        }
    )
    assert manager_client.post(url, data).status_code == 302
    contract.refresh_from_db()
    assert [d.document for d in contract.documents.all()] == [document]
    assert contract.latest_revision.content["documents"][0]["document"] == document.pk
    html = manager_client.get(f"{CONTRACTS}inspect/{contract.pk}/").content.decode()
    assert "Getekend contract" in html
    assert "Ondertekend contract" in html


def test_contract_managers_keep_documents_in_a_private_collection(manager, client):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model
    from wagtail.documents.models import Document
    from wagtail.models import Collection
    from wagtail.permissions import policy_registry

    from portal.accounts.roles import CONTRACT_DOCUMENTS_COLLECTION, role_groups_sync

    role_groups_sync()
    role_groups_sync()  # twice: nothing doubles
    permission_policy = policy_registry.get_by_type(get_document_model())
    collection = Collection.objects.get(name=CONTRACT_DOCUMENTS_COLLECTION)
    for action in ("add", "choose"):
        assert collection in permission_policy.collections_user_has_permission_for(manager, action)
    provider = UserFactory(role=Role.PROVIDER_STAFF)
    assert collection not in permission_policy.collections_user_has_permission_for(
        provider, "choose"
    )
    document = Document.objects.create(
        title="Contract", file=ContentFile(b"%PDF-1.4", name="contract.pdf"), collection=collection
    )
    response = client.get(document.url)
    assert response.status_code == 302  # to the login page: not public by its address
