"""The spreadsheet import is reachable from the admin menu for those who may import."""

import pytest

from portal.accounts.models import Role
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_provider_staff_find_the_import_in_the_admin_menu(client):
    login_staff(client, provider_staff(ProviderFactory()))
    assert "/admin/import/" in client.get("/admin/").content.decode()
    assert client.get("/admin/import/").status_code == 200


def test_site_editors_have_no_import(client):
    login_staff(client, UserFactory(role=Role.SITE_EDITOR))
    assert "/admin/import/" not in client.get("/admin/").content.decode()
    response = client.get("/admin/import/")
    assert response.status_code != 200
    assert response.get("Location", "/admin/") == "/admin/"
