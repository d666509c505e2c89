"""The advice screens of the admin: the form on a gezinsmigrant's page, the advice and what came
of it on that page, sending again, the home panel "Advice sent"; another municipality's
klantmanager gets a 404 on every one of them, GET and POST."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from contracts import advising
from contracts.admin.advice import AdviceSentPanel
from contracts.models import Advice, AuditEntry
from portal.accounts.models import Role
from portal.enrolments import enrolling
from tests.contracts.advice_world import LEARNER_EMAIL, PASSWORD, advice_give, world_build
from tests.contracts.factories import LearnerFactory
from tests.portal.factories import UserFactory
from tests.portal.helpers import login_staff_in_english

pytestmark = pytest.mark.django_db
INSPECT = "/admin/snippets/contracts/learner/inspect/{}/"


@pytest.fixture
def world():
    return world_build()


@pytest.fixture
def km(client, world):
    return login_staff_in_english(client, world.klantmanager)


def _form_data(world, **overrides):
    data = {
        "offerings": [world.courses[0].pk, world.courses[2].pk],
        "note": "Overdag, dicht bij huis.",
        "email": LEARNER_EMAIL,
        "language": "en",
    }
    return data | overrides


def test_the_form_lists_the_advisable_courses_and_opening_it_is_audited(km, world):
    response = km.get(f"/admin/learners/{world.learner.pk}/advice/")
    assert response.status_code == 200
    page = response.content.decode()
    for course in world.courses:
        assert f'value="{course.pk}"' in page and course.title in page
    for course in world.not_advisable.values():
        assert f'value="{course.pk}"' not in page
    assert AuditEntry.objects.filter(learner=world.learner, action="view").count() == 1


def test_a_klantmanager_advises_and_sees_the_advice_on_the_learners_page(
    km, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = km.post(f"/admin/learners/{world.learner.pk}/advice/", _form_data(world))
    assert response.status_code == 302
    assert response["Location"] == INSPECT.format(world.learner.pk)
    advice = Advice.objects.get()
    assert [row.offering for row in advice.advised.all()] == [world.courses[0], world.courses[2]]
    assert (advice.email, advice.language, advice.klantmanager) == (
        LEARNER_EMAIL,
        "en",
        world.klantmanager,
    )
    assert mail.outbox[-1].to == [LEARNER_EMAIL]
    page = km.get(INSPECT.format(world.learner.pk)).content.decode()
    assert "Advice on courses" in page
    assert world.courses[2].title in page and "Overdag, dicht bij huis." in page
    assert "Not yet: the learner has not used the link" in page
    assert f"/admin/advice/{advice.pk}/send-again/" in page


def test_too_few_courses_are_refused_beside_the_field(km, world):
    data = _form_data(world, offerings=[world.courses[0].pk])
    response = km.post(f"/admin/learners/{world.learner.pk}/advice/", data)
    assert response.status_code == 400
    assert "Choose 2 to 5 courses." in response.content.decode()
    assert not Advice.objects.exists()


def test_a_statushouder_cannot_be_advised_and_has_no_button(km, world):
    statushouder = LearnerFactory(municipality=world.haarlem)
    page = km.get(INSPECT.format(statushouder.pk)).content.decode()
    assert f"/admin/learners/{statushouder.pk}/advice/" not in page
    response = km.post(f"/admin/learners/{statushouder.pk}/advice/", _form_data(world))
    assert response.status_code == 400
    assert "Advice on courses is for gezinsmigranten" in response.content.decode()
    assert not Advice.objects.exists()


def test_the_learners_page_shows_where_the_learner_enrolled(km, world):
    advice = advice_give(world)
    user = advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    moment = world.courses[1].start_moments.get()
    enrolling.duo_loan_choose(
        enrolment=enrolling.enrolment_start(user=user, start_moment=moment), declaration="DUO"
    )
    page = km.get(INSPECT.format(world.learner.pk)).content.decode()
    assert f"{world.courses[1].title} at {world.courses[1].provider.name}" in page
    assert "Confirmed" in page
    assert "an advised course" in page
    assert "/send-again/" not in page  # opened: nothing to send again


def test_sending_the_email_again(km, world, django_capture_on_commit_callbacks):
    advice = advice_give(world)
    with django_capture_on_commit_callbacks(execute=True):
        response = km.post(f"/admin/advice/{advice.pk}/send-again/")
    assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_another_municipalitys_klantmanager_gets_404_everywhere(client, world):
    advice = advice_give(world)
    stranger = UserFactory(role=Role.CASE_MANAGER, municipality=world.velsen)
    login_staff_in_english(client, stranger)
    give = f"/admin/learners/{world.learner.pk}/advice/"
    assert client.get(give).status_code == 404
    assert client.post(give, _form_data(world)).status_code == 404
    assert client.get(INSPECT.format(world.learner.pk)).status_code == 404
    resend = f"/admin/advice/{advice.pk}/send-again/"
    assert client.post(resend).status_code == 404
    assert Advice.objects.count() == 1 and len(mail.outbox) == 1
    assert LEARNER_EMAIL not in client.get("/admin/").content.decode()


def test_a_contract_manager_reads_the_advice_but_cannot_give_it(client, world):
    advice_give(world)
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    login_staff_in_english(client, manager)
    page = client.get(INSPECT.format(world.learner.pk)).content.decode()
    assert "Advice on courses" in page and LEARNER_EMAIL in page
    assert f"/admin/learners/{world.learner.pk}/advice/" not in page
    give = f"/admin/learners/{world.learner.pk}/advice/"
    assert client.get(give).status_code == 404
    assert client.post(give, _form_data(world)).status_code == 404
    assert "advice-sent-section" not in client.get("/admin/").content.decode()


# --- The home panel ---------------------------------------------------------------------------


def test_the_home_panel_shows_the_klantmanager_the_counts(km, world):
    advice = advice_give(world)
    user = advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    enrolling.duo_loan_choose(
        enrolment=enrolling.enrolment_start(
            user=user, start_moment=world.courses[0].start_moments.get()
        ),
        declaration="DUO",
    )
    advice_give(world, email="tweede@example.org")
    page = km.get("/admin/").content.decode()
    assert 'id="advice-sent-section"' in page
    assert "2 advices sent to gezinsmigranten" in page
    assert "1 opened by the learner" in page
    assert "1 led to an enrolment" in page and "1 on an advised course" in page
    assert INSPECT.format(world.learner.pk) + "#learner-advice" in page


def _panel_queries(user) -> int:
    request = RequestFactory().get("/admin/")
    request.user = user
    with CaptureQueriesContext(connection) as queries:
        AdviceSentPanel().render_html({"request": request})
    return len(queries)


def test_the_home_panel_takes_the_same_queries_however_many_advices(world):
    advice_give(world)
    few = _panel_queries(world.klantmanager)
    for n in range(6):
        advice = advice_give(world, email=f"leerling{n}@example.org")
        advising.advice_account_create(advice=advice, password=PASSWORD, language="nl")
    assert _panel_queries(world.klantmanager) == few == 2
