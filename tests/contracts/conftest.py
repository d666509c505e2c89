"""Fixtures many contracts tests share: the municipalities of Haarlem and Velsen and a
klantmanager of Haarlem. A module that needs one different (a name, a language) defines its own,
which wins."""

import pytest

from portal.accounts.models import Role
from tests.contracts.factories import MunicipalityFactory
from tests.portal.factories import UserFactory


@pytest.fixture
def haarlem():
    return MunicipalityFactory(cbs_code="GM0392", name="Haarlem")


@pytest.fixture
def velsen():
    return MunicipalityFactory(cbs_code="GM0453", name="Velsen")


@pytest.fixture
def klantmanager(haarlem):
    return UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
