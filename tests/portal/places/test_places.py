"""Regions and municipalities (``portal.places``) in the admin, after their move from contracts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from wagtail.admin.admin_url_finder import AdminURLFinder

from portal.accounts.models import Role
from portal.accounts.roles import role_groups_sync
from tests.contracts.factories import MunicipalityFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db

MUNICIPALITIES = "/admin/snippets/contracts/municipality/"
REGIONS = "/admin/snippets/contracts/region/"


def test_a_contract_manager_keeps_the_municipalities_and_regions(client):
    haarlem = MunicipalityFactory(name="Haarlem")
    login_staff_in_english(client, UserFactory(role=Role.CONTRACT_MANAGER))

    listing = client.get(MUNICIPALITIES)
    assert listing.status_code == 200
    assert "Haarlem" in listing.content.decode()
    assert client.get(f"{MUNICIPALITIES}edit/{haarlem.pk}/").status_code == 200
    assert client.get(f"{MUNICIPALITIES}add/").status_code == 200
    assert client.get(REGIONS).status_code == 200
    assert client.get(f"{REGIONS}add/").status_code == 200
    # The addresses from before the move: Wagtail's own links (listings, log, search) use them.
    finder = AdminURLFinder(UserFactory(is_superuser=True))
    assert finder.get_edit_url(haarlem) == f"{MUNICIPALITIES}edit/{haarlem.pk}/"


def test_a_klantmanager_reads_the_municipalities_only(client):
    velsen = MunicipalityFactory(name="Velsen")
    login_staff_in_english(client, UserFactory(role=Role.CASE_MANAGER, municipality=velsen))

    assert client.get(MUNICIPALITIES).status_code == 200
    assert client.get(f"{MUNICIPALITIES}add/").status_code in (302, 403)
    assert client.get(f"{MUNICIPALITIES}edit/{velsen.pk}/").status_code in (302, 403)


def test_the_role_groups_hold_the_places_permissions():
    role_groups_sync()
    managers = Group.objects.get(name="Contract managers").permissions
    klantmanagers = Group.objects.get(name="Klantmanagers").permissions

    assert set(
        managers.filter(content_type__app_label="places").values_list("codename", flat=True)
    ) == {
        f"{action}_{model}"
        for action in ("view", "add", "change", "delete")
        for model in ("municipality", "region")
    }
    assert set(
        klantmanagers.filter(content_type__app_label="places").values_list("codename", flat=True)
    ) == {"view_municipality"}
