"""Fixtures most contracts tests share: the municipality of Haarlem and one of its klantmanagers.
A module that needs them different (a name, a language) defines its own, which wins."""

import pytest

from portal.accounts.models import Role
from tests.contracts.factories import MunicipalityFactory
from tests.portal.factories import UserFactory


@pytest.fixture
def haarlem():
    return MunicipalityFactory(cbs_code="GM0392", name="Haarlem")


@pytest.fixture
def klantmanager(haarlem):
    return UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
