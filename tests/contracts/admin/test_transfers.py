"""Warm transfer screens: hand over from the learner's page, accept from the receiving side."""

from __future__ import annotations

import pytest

from contracts.models import CaseTransfer
from portal.accounts.models import Role
from tests.contracts.factories import LearnerFactory, MunicipalityFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    return {
        "velsen": velsen,
        "sender": UserFactory(role=Role.CASE_MANAGER, municipality=haarlem),
        "receiver": UserFactory(role=Role.CASE_MANAGER, municipality=velsen),
        "learner": LearnerFactory(municipality=haarlem),
    }


def test_a_klantmanager_hands_over_and_the_receiving_one_accepts(client, world):
    learner = world["learner"]
    login_staff_in_english(client, world["sender"])
    url = f"/admin/learners/{learner.pk}/hand-over/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"to_municipality": world["velsen"].pk, "note": "Moved"})
    assert response.status_code == 302
    transfer = CaseTransfer.objects.get(learner=learner)

    client.logout()
    login_staff_in_english(client, world["receiver"])
    listing = client.get("/admin/transfers/").content.decode()
    assert str(learner) in listing and "Moved" in listing
    assert client.post(f"/admin/transfers/{transfer.pk}/accept/").status_code == 302
    learner.refresh_from_db()
    assert (learner.municipality, learner.klantmanager) == (world["velsen"], world["receiver"])


def test_handing_over_without_a_municipality_names_the_field_and_changes_nothing(client, world):
    login_staff_in_english(client, world["sender"])
    response = client.post(f"/admin/learners/{world['learner'].pk}/hand-over/", {"note": "x"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not CaseTransfer.objects.exists()


def test_another_municipality_cannot_hand_over_or_accept(client, world):
    stranger = UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    login_staff_in_english(client, stranger)
    learner = world["learner"]
    assert client.get(f"/admin/learners/{learner.pk}/hand-over/").status_code == 404
    transfer = CaseTransfer.objects.create(
        learner=learner,
        from_municipality=learner.municipality,
        to_municipality=world["velsen"],
        requested_by=world["sender"],
    )
    assert client.post(f"/admin/transfers/{transfer.pk}/accept/").status_code == 404
    transfer.refresh_from_db()
    assert transfer.state == CaseTransfer.State.REQUESTED


def test_the_learners_page_offers_the_hand_over_and_then_its_cancellation(client, world):
    learner = world["learner"]
    login_staff_in_english(client, world["sender"])
    page = f"/admin/snippets/contracts/learner/inspect/{learner.pk}/"
    assert "Hand over the case" in client.get(page).content.decode()
    client.post(f"/admin/learners/{learner.pk}/hand-over/", {"to_municipality": world["velsen"].pk})
    html = client.get(page).content.decode()
    assert "waiting for a klantmanager there to accept" in html
    transfer = CaseTransfer.objects.get(learner=learner)
    client.post(f"/admin/transfers/{transfer.pk}/cancel/")
    transfer.refresh_from_db()
    assert transfer.state == CaseTransfer.State.CANCELLED
