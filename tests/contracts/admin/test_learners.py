"""Learners in the Wagtail admin: klantmanagers register and keep their own municipality's
learners, nobody else's; every read and change is audited; the caseload page; the audit log."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from wagtail.test.utils.form_data import querydict_from_html

from contracts import rules
from contracts.models import AuditEntry, Learner
from portal.accounts.models import Role
from tests.contracts.factories import LearnerFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff, login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
LEARNERS = "/admin/snippets/contracts/learner/"
AUDIT = "/admin/snippets/contracts/auditentry/"
CASELOAD = "/admin/caseload/"


@pytest.fixture
def klantmanager(haarlem):
    return UserFactory(
        role=Role.CASE_MANAGER, municipality=haarlem, first_name="Kim", last_name="Klant"
    )


@pytest.fixture
def km_client(client, klantmanager):
    return login_staff_in_english(client, klantmanager)


def _form(client, url: str) -> dict:
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    return {name: values[0] if len(values) == 1 else values for name, values in data.lists()}


def _new_learner(client, **fields) -> dict:
    data = _form(client, f"{LEARNERS}add/")
    today = timezone.localdate()
    data.update(
        {
            "first_name": "Amal",
            "last_name": "Haddad",
            "date_of_birth": "1990-05-17",
            "client_number": "HLM-123",
            "target_group": "STATUSHOUDER",
            "housing_date": (today - 30 * DAY).isoformat(),
            "intake_date": (today - 20 * DAY).isoformat(),
            "pip_date": "",
            "route": "",
            "leerbaarheidstoets": "NOT_TAKEN",
        }
    )
    data.update(fields)
    return data


# --- Registering ------------------------------------------------------------------------------


def test_a_klantmanager_registers_a_learner_of_their_own_municipality(km_client, klantmanager):
    other = MunicipalityFactory(name="Velsen")
    response = km_client.post(f"{LEARNERS}add/", _new_learner(km_client, municipality=other.pk))
    assert response.status_code == 302, response.context["form"].errors
    learner = Learner.objects.get()
    assert learner.municipality == klantmanager.municipality  # not the one posted
    assert learner.klantmanager == klantmanager
    entry = AuditEntry.objects.get(learner=learner)
    assert (entry.actor, entry.action) == (klantmanager, "create")
    assert "first_name" in entry.what and "client_number" in entry.what
    assert "Amal" not in entry.what and "HLM-123" not in entry.what


def test_the_form_shows_errors_per_field_and_saves_nothing(km_client):
    today = timezone.localdate()
    data = _new_learner(
        km_client,
        date_of_birth=(today + DAY).isoformat(),
        housing_date="",
        pip_date=today.isoformat(),
        intake_date="",
    )
    response = km_client.post(f"{LEARNERS}add/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {"date_of_birth", "housing_date", "intake_date"}
    assert not Learner.objects.exists()
    assert not AuditEntry.objects.exists()


def test_only_the_municipalitys_klantmanagers_are_offered(km_client, klantmanager):
    colleague = UserFactory(
        role=Role.CASE_MANAGER, municipality=klantmanager.municipality, last_name="Collega"
    )
    stranger = UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    page = km_client.get(f"{LEARNERS}add/")
    choices = {str(value) for value, _label in page.context["form"].fields["klantmanager"].choices}
    assert str(colleague.pk) in choices and str(klantmanager.pk) in choices
    assert str(stranger.pk) not in choices
    data = _new_learner(km_client, klantmanager=str(stranger.pk))
    assert km_client.post(f"{LEARNERS}add/", data).status_code == 200
    assert not Learner.objects.exists()


# --- Reading and changing, audited ------------------------------------------------------------


def test_opening_the_edit_and_inspect_pages_is_audited_as_a_view(km_client, klantmanager):
    learner = LearnerFactory(municipality=klantmanager.municipality)
    assert km_client.get(f"{LEARNERS}edit/{learner.pk}/").status_code == 200
    assert km_client.get(f"{LEARNERS}inspect/{learner.pk}/").status_code == 200
    actions = list(AuditEntry.objects.filter(learner=learner).values_list("action", "actor"))
    assert actions == [("view", klantmanager.pk), ("view", klantmanager.pk)]


def test_a_change_is_audited_with_the_field_names_only(km_client, klantmanager):
    learner = LearnerFactory(municipality=klantmanager.municipality, first_name="Amal")
    data = _form(km_client, f"{LEARNERS}edit/{learner.pk}/")
    data["first_name"] = "Amira"
    data["pip_date"] = timezone.localdate().isoformat()
    response = km_client.post(f"{LEARNERS}edit/{learner.pk}/", data)
    assert response.status_code == 302, response.context["form"].errors
    change = AuditEntry.objects.get(learner=learner, action="change")
    assert change.what == "first_name, pip_date"


def test_the_inspect_page_shows_the_laws_dates(km_client, klantmanager):
    housed = timezone.localdate() - 60 * DAY
    learner = LearnerFactory(
        municipality=klantmanager.municipality, housing_date=housed, intake_date=housed
    )
    html = km_client.get(f"{LEARNERS}inspect/{learner.pk}/").content.decode()
    assert "The law&#x27;s dates" in html or "The law's dates" in html
    with translation.override("en"):
        assert str(rules.RULE_LABELS[rules.Rule.PIP]) in html
    assert "due soon" in html  # the PIP is due in 10 days
    assert learner.client_number in html


def test_the_inspect_page_shows_nothing_as_a_dash_not_none(km_client, klantmanager):
    learner = LearnerFactory(municipality=klantmanager.municipality, pip_date=None)
    assert learner.closed_at is None
    html = km_client.get(f"{LEARNERS}inspect/{learner.pk}/").content.decode()
    values = re.findall(r"<dd>\s*(.*?)\s*</dd>", html, flags=re.S)
    assert "—" in values
    assert "None" not in values


def test_a_klantmanager_closes_a_case_from_the_inspect_page(km_client, klantmanager):
    learner = LearnerFactory(municipality=klantmanager.municipality)
    response = km_client.post(f"/admin/learners/{learner.pk}/close/")
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.closed_at is not None


def test_an_anonymised_case_cannot_be_edited(km_client, klantmanager):
    learner = LearnerFactory(
        municipality=klantmanager.municipality, first_name="—", anonymised_at=timezone.now()
    )
    response = km_client.post(f"{LEARNERS}edit/{learner.pk}/", {"first_name": "Amal"})
    assert response.status_code == 302
    assert response["Location"] == f"{LEARNERS}inspect/{learner.pk}/"
    learner.refresh_from_db()
    assert learner.first_name == "—"


# --- Nobody else's learners -------------------------------------------------------------------


def test_another_municipalitys_learner_is_a_404_everywhere(km_client):
    learner = LearnerFactory(first_name="Geheim", client_number="VLS-999")
    for url in (
        f"{LEARNERS}edit/{learner.pk}/",
        f"{LEARNERS}inspect/{learner.pk}/",
        f"{LEARNERS}history/{learner.pk}/",
        f"{LEARNERS}usage/{learner.pk}/",
    ):
        assert km_client.get(url).status_code == 404, url
    assert km_client.post(f"{LEARNERS}edit/{learner.pk}/", {"first_name": "X"}).status_code == 404
    assert km_client.post(f"/admin/learners/{learner.pk}/close/").status_code == 404
    learner.refresh_from_db()
    assert learner.first_name == "Geheim" and learner.closed_at is None
    assert not AuditEntry.objects.exists()


def _listed(client, **query) -> set[str]:
    response = client.get(LEARNERS, query)
    assert response.status_code == 200
    return {learner.last_name for learner in response.context["page_obj"].object_list}


def test_listing_and_search_show_only_the_own_municipality(km_client, klantmanager):
    LearnerFactory(municipality=klantmanager.municipality, last_name="Eigenaar")
    LearnerFactory(last_name="Buurman", client_number="VLS-999")
    assert _listed(km_client) == {"Eigenaar"}
    assert "Buurman" not in km_client.get(LEARNERS).content.decode()
    assert _listed(km_client, q="Buurman") == set()
    assert _listed(km_client, q="VLS-999") == set()
    assert _listed(km_client, q="eigen") == {"Eigenaar"}


def test_the_listing_filters_open_and_closed_cases(km_client, klantmanager):
    LearnerFactory(municipality=klantmanager.municipality, last_name="Lopend")
    LearnerFactory(
        municipality=klantmanager.municipality, last_name="Afgerond", closed_at=timezone.now()
    )
    assert _listed(km_client, case="open") == {"Lopend"}
    assert _listed(km_client, case="closed", target_group="STATUSHOUDER") == {"Afgerond"}
    assert _listed(km_client, target_group="GEZINSMIGRANT") == set()


def test_a_klantmanager_without_a_municipality_sees_no_learners(client):
    LearnerFactory(last_name="Niemand")
    login_staff_in_english(client, UserFactory(role=Role.CASE_MANAGER))
    assert b"Niemand" not in client.get(LEARNERS).content
    assert b"Niemand" not in client.get(CASELOAD).content


@pytest.mark.parametrize("who", ["provider_staff", "site_editor", "auditor"])
def test_other_roles_get_no_access_to_learners(client, who):
    user = {
        "provider_staff": lambda: provider_staff(ProviderFactory(), admin=True),
        "site_editor": lambda: UserFactory(role=Role.SITE_EDITOR),
        "auditor": lambda: UserFactory(role=Role.AUDITOR),
    }[who]()
    learner = LearnerFactory(last_name="Verborgen")
    login_staff(client, user)
    for url in (
        LEARNERS,
        f"{LEARNERS}add/",
        f"{LEARNERS}edit/{learner.pk}/",
        f"{LEARNERS}inspect/{learner.pk}/",
        CASELOAD,
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
        assert b"Verborgen" not in response.content
    assert b"Verborgen" not in client.get("/admin/snippets/choose/contracts/learner/").content
    assert not AuditEntry.objects.exists()


def test_a_contract_manager_reads_learners_without_the_client_number(client):
    learner = LearnerFactory(last_name="Zichtbaar", client_number="HLM-777")
    login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))
    listing = client.get(LEARNERS).content.decode()
    assert "Zichtbaar" in listing and "HLM-777" not in listing
    assert _listed(client, q="HLM-777") == set()
    page = client.get(f"{LEARNERS}inspect/{learner.pk}/")
    assert page.status_code == 200 and b"HLM-777" not in page.content
    assert client.get(f"{LEARNERS}edit/{learner.pk}/").status_code in (302, 403)


# --- Query counts -----------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_listing_and_caseload_query_counts_do_not_grow_with_the_rows(km_client, klantmanager):
    housed = timezone.localdate() - 80 * DAY
    for _ in range(2):
        LearnerFactory(
            municipality=klantmanager.municipality,
            klantmanager=klantmanager,
            housing_date=housed,
            intake_date=housed,
        )
    few_listing, few_caseload = _queries(km_client, LEARNERS), _queries(km_client, CASELOAD)
    for _ in range(8):
        LearnerFactory(
            municipality=klantmanager.municipality,
            klantmanager=UserFactory(
                role=Role.CASE_MANAGER, municipality=klantmanager.municipality
            ),
            housing_date=housed,
            intake_date=housed,
        )
    assert _queries(km_client, LEARNERS) == few_listing
    assert _queries(km_client, CASELOAD) == few_caseload


# --- The caseload page ------------------------------------------------------------------------


def test_the_caseload_lists_deadlines_needing_attention_soonest_first(km_client, klantmanager):
    today = timezone.localdate()
    LearnerFactory(
        municipality=klantmanager.municipality,
        last_name="Later",
        housing_date=today - 90 * DAY,
        intake_date=today - 90 * DAY,
        pip_date=today - 80 * DAY,  # the route must start within 3 months: due in 10-12 days
    )
    LearnerFactory(
        municipality=klantmanager.municipality,
        last_name="Eerder",
        housing_date=today - 80 * DAY,
        intake_date=today - 80 * DAY,
    )
    LearnerFactory(
        municipality=klantmanager.municipality,
        last_name="Rustig",
        target_group="GEZINSMIGRANT",
        housing_date=None,
        intake_date=None,
    )
    html = km_client.get(CASELOAD).content.decode()
    assert html.index("Eerder") < html.index("Later")
    assert "Rustig" not in html
    assert "overdue" in html


def test_the_caseload_says_so_when_nothing_needs_attention(km_client):
    html = km_client.get(CASELOAD).content.decode()
    assert "Nothing needs attention" in html


def test_the_caseload_is_paginated(km_client, klantmanager, settings):
    from contracts.admin import learners as learner_admin

    housed = timezone.localdate() - 80 * DAY
    for _ in range(learner_admin.CASELOAD_PAGE_SIZE + 1):
        LearnerFactory(
            municipality=klantmanager.municipality, housing_date=housed, intake_date=housed
        )
    first = km_client.get(CASELOAD)
    assert len(first.context["rows"]) == learner_admin.CASELOAD_PAGE_SIZE
    assert len(km_client.get(CASELOAD, {"p": 2}).context["rows"]) == 1


def test_the_caseload_menu_item_is_for_klantmanagers_and_contract_managers(client, km_client):
    assert b"/admin/caseload/" in km_client.get("/admin/").content
    other = login_staff_in_english(client.__class__(), provider_staff(ProviderFactory()))
    assert b"/admin/caseload/" not in other.get("/admin/").content


# --- The audit log ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.CONTRACT_MANAGER])
def test_auditors_and_contract_managers_read_the_audit_log(client, role):
    learner = LearnerFactory(first_name="Amal")
    AuditEntry.objects.create(learner=learner, action="view", what="")
    login_staff_in_english(client, UserFactory(role=role))
    response = client.get(AUDIT)
    assert response.status_code == 200
    assert b"Amal" not in response.content
    assert client.get(AUDIT, {"q": str(learner.pk)}).context["page_obj"].paginator.count == 1
    assert client.get(AUDIT, {"q": str(learner.pk + 1)}).context["page_obj"].paginator.count == 0
    assert client.get(AUDIT, {"action": "change"}).context["page_obj"].paginator.count == 0
    assert client.get(f"{AUDIT}add/").status_code in (302, 403)


def test_klantmanagers_do_not_read_the_audit_log(km_client, klantmanager):
    entry = AuditEntry.objects.create(
        learner=LearnerFactory(municipality=klantmanager.municipality), action="view"
    )
    assert km_client.get(AUDIT).status_code in (302, 403)
    assert km_client.get(f"{AUDIT}inspect/{entry.pk}/").status_code == 404


def _en_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "DATE_FORMAT")


def test_the_social_assistance_date_is_entered_and_the_inspect_page_says_what_counts(
    km_client, klantmanager
):
    today = timezone.localdate()
    started = today - 25 * DAY
    response = km_client.post(
        f"{LEARNERS}add/", _new_learner(km_client, social_assistance_date=started.isoformat())
    )
    assert response.status_code == 302, response.context["form"].errors
    learner = Learner.objects.get()
    assert learner.social_assistance_date == started
    html = km_client.get(f"{LEARNERS}inspect/{learner.pk}/").content.decode()
    ontzorgen_row = html[html.index("Financieel ontzorgen") :].split("</tr>")[0]
    assert f"Start of social assistance: {_en_date(started)}" in (ontzorgen_row)
    assert _en_date(rules.add_months(started, 6)) in ontzorgen_row

    Learner.objects.filter(pk=learner.pk).update(social_assistance_date=None)
    html = km_client.get(f"{LEARNERS}inspect/{learner.pk}/").content.decode()
    ontzorgen_row = html[html.index("Financieel ontzorgen") :].split("</tr>")[0]
    housed = learner.housing_date
    assert f"Housing date: {_en_date(housed)}" in ontzorgen_row


def test_a_pip_before_the_18th_birthday_is_refused_in_the_form(km_client):
    today = timezone.localdate()
    born = datetime.date(today.year - 17, 1, 1)  # 17 today, 18 next 1 January
    response = km_client.post(
        f"{LEARNERS}add/",
        _new_learner(km_client, date_of_birth=born.isoformat(), pip_date=today.isoformat()),
    )
    assert response.status_code == 200
    assert "The duty starts at 18" in response.context["form"].errors["pip_date"][0]
    assert not Learner.objects.exists()
