"""Superusers give people their role in Wagtail's user management; the role decides the group."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from portal.accounts.models import Role, User
from tests.contracts.factories import MunicipalityFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    return login_staff(client, UserFactory(is_superuser=True))


def _create(client, **fields):
    data = {
        "username": "nieuw@example.org",
        "email": "nieuw@example.org",
        "first_name": "Nieuw",
        "last_name": "Persoon",
        "password1": "Een-sterk-wachtwoord-77",
        "password2": "Een-sterk-wachtwoord-77",
        **fields,
    }
    return client.post("/admin/users/new/", data)


def test_a_contract_manager_is_created_with_the_role_group(admin_client):
    response = _create(admin_client, role=Role.CONTRACT_MANAGER)
    assert response.status_code == 302
    user = User.objects.get(email="nieuw@example.org")
    assert user.role == Role.CONTRACT_MANAGER
    assert list(user.groups.values_list("name", flat=True)) == ["Contract managers"]
    assert user.has_perm("wagtailadmin.access_admin")


def test_a_klantmanager_needs_a_municipality(admin_client):
    response = _create(admin_client, role=Role.CASE_MANAGER)
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    assert not User.objects.filter(email="nieuw@example.org").exists()
    municipality = MunicipalityFactory()
    response = _create(admin_client, role=Role.CASE_MANAGER, municipality=municipality.pk)
    assert response.status_code == 302


def test_changing_the_role_moves_the_user_to_the_new_role_group_only(admin_client):
    user = UserFactory(role=Role.SITE_EDITOR)
    other = Group.objects.create(name="Nieuwsbrief")
    user.groups.add(other)
    user.role = Role.CONTRACT_MANAGER
    user.save()
    assert set(user.groups.values_list("name", flat=True)) == {"Contract managers", "Nieuwsbrief"}


def test_learners_have_no_admin_access():
    assert not UserFactory().has_perm("wagtailadmin.access_admin")


def test_the_users_listing_names_its_yes_and_no_icons_in_the_admins_language(admin_client):
    page = admin_client.get("/admin/users/").content.decode()
    names = re.findall(r'<span class="w-sr-only">\s*([^<]*?)\s*</span>', page)
    assert "Ja" in names  # the users are active
    assert "True" not in names  # Wagtail names its icons True and False
