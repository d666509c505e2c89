"""Offering changes by providers wait for a contract manager's approval before they are public."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import trans_real
from wagtail.models import Workflow, WorkflowState
from wagtail.test.utils.form_data import querydict_from_html
from wagtail.users.models import UserProfile

from portal.accounts.models import Role
from providers.models import Offering
from providers.workflows import offering_workflow_ensure
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import OfferingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offering():
    offering = OfferingFactory(title="Taal voor ouders")
    offering.save_revision().publish()
    return Offering.objects.get(pk=offering.pk)


@pytest.fixture
def editor(offering):
    return provider_staff(offering.provider, email="docent@example.org", username="docent")


@pytest.fixture
def manager():
    return UserFactory(role=Role.CONTRACT_MANAGER, email="cm@example.org", username="cm")


def _submit(client, offering, **changes):
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data["for_statushouders"] = "on"
    data.update(changes)
    data["action-submit"] = "action-submit"
    return client.post(url, data)


def _act(client, offering, action, comment=""):
    state = WorkflowState.objects.get(object_id=str(offering.pk), status="in_progress")
    task_state = state.current_task_state
    url = (
        f"/admin/snippets/providers/offering/workflow/action/{offering.pk}/{action}/"
        f"{task_state.pk}/"
    )
    return client.post(url, {"comment": comment})


def test_the_offering_workflow_exists_after_migrate_and_is_approved_by_contract_managers():
    workflow = offering_workflow_ensure()
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == ["Contract managers"]
    assert Offering().get_workflow() == workflow


def test_a_submitted_change_stays_private_until_approved(client, offering, editor, manager):
    login_staff(client, editor)
    response = _submit(client, offering, title="Taal voor ouders, nu ook 's avonds")
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Taal voor ouders"
    assert offering.workflow_in_progress
    assert "s avonds" not in client.get("/api/v1/offerings/").content.decode()

    mail.outbox.clear()
    login_staff(client, manager)
    response = _act(client, offering, "approve", comment="Prima")
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Taal voor ouders, nu ook 's avonds"
    assert not offering.workflow_in_progress
    assert "docent@example.org" in [address for m in mail.outbox for address in m.to]


def test_a_rejected_change_never_reaches_the_catalogue_and_the_provider_hears_why(
    client, offering, editor, manager
):
    login_staff(client, editor)
    _submit(client, offering, title="Gratis cursus")
    mail.outbox.clear()
    login_staff(client, manager)
    _act(client, offering, "reject", comment="Prijs klopt niet")
    offering.refresh_from_db()
    assert offering.title == "Taal voor ouders"
    assert WorkflowState.objects.get(object_id=str(offering.pk)).status == "needs_changes"
    rejection = [m for m in mail.outbox if "docent@example.org" in m.to]
    assert rejection
    assert "Prijs klopt niet" in rejection[0].body


def test_provider_staff_cannot_approve_their_own_change(client, offering, editor):
    login_staff(client, editor)
    _submit(client, offering, title="Zelf goedgekeurd")
    _act(client, offering, "approve")
    offering.refresh_from_db()
    assert offering.title == "Taal voor ouders"
    assert offering.workflow_in_progress


def test_every_version_is_kept_and_can_be_compared(client, offering, editor, manager):
    login_staff(client, editor)
    _submit(client, offering, title="Versie twee")
    revisions = list(offering.revisions.order_by("pk").values_list("pk", flat=True))
    assert len(revisions) == 2
    login_staff(client, manager)
    url = (
        f"/admin/snippets/providers/offering/history/{offering.pk}/revisions/compare/"
        f"{revisions[0]}...{revisions[1]}/"
    )
    response = client.get(url)
    assert response.status_code == 200
    assert "Versie twee" in response.content.decode()


def test_a_new_offering_by_a_provider_is_public_only_after_approval(
    client, offering, editor, manager
):
    login_staff(client, editor)
    url = "/admin/snippets/providers/offering/add/"
    data = querydict_from_html(client.get(url).content.decode(), form_id="w-editor-form")
    data.update(
        {
            "title": "Avondcursus Z-route",
            "component": "Z_ROUTE",
            "schedule": "EVENING",
            "hours_total": "300",
            "for_statushouders": "on",
            "action-submit": "action-submit",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302
    new = Offering.objects.get(title="Avondcursus Z-route")
    assert new.provider == offering.provider
    assert not new.live
    assert new.workflow_in_progress
    assert "Avondcursus" not in client.get("/api/v1/offerings/").content.decode()
    assert any("cm@example.org" in m.to for m in mail.outbox)  # the approvers are told

    login_staff(client, manager)
    _act(client, new, "approve")
    new.refresh_from_db()
    assert new.live
    assert "Avondcursus" in client.get("/api/v1/offerings/").content.decode()


def test_the_form_says_when_an_expired_quality_mark_rules_out_a_duo_loan(client, editor):
    provider = editor.provider_memberships.get().provider
    provider.keurmerk_status = "CERTIFIED"
    provider.keurmerk_valid_until = "2020-01-01"
    provider.save()
    offering = OfferingFactory(provider=provider)
    login_staff(client, editor)
    response = client.get(f"/admin/snippets/providers/offering/edit/{offering.pk}/")
    help_text = response.context["form"].fields["duo_loan_eligible"].help_text
    assert provider.name in str(help_text)


# The workflow's and the task's names read in the reader's language ----------------------------

DUTCH_NAMES = {
    "Catalogue changes": "Wijzigingen in het aanbod",
    "Approval by a contract manager": "Goedkeuring door een contractmanager",
}


@pytest.fixture
def dutch_names():
    """The Dutch translations of the two names in the catalogue for the length of a test (the
    translations themselves are added to locale/ with the other new messages)."""
    catalog = trans_real.translation("nl")._catalog
    before = {name: catalog.get(name) for name in DUTCH_NAMES}
    for name, dutch in DUTCH_NAMES.items():
        catalog[name] = dutch
    yield
    for name, old in before.items():
        if old is None:
            catalog._catalogs[0].pop(name, None)  # where ``catalog[name] = …`` put it
        else:
            catalog[name] = old


def test_the_submit_button_and_the_status_name_the_workflow_in_the_admins_language(
    client, offering, editor, dutch_names
):
    login_staff(client, editor)  # the admin speaks Dutch unless the user chose otherwise
    url = f"/admin/snippets/providers/offering/edit/{offering.pk}/"
    page = client.get(url).content.decode()
    assert "Wijzigingen in het aanbod" in page
    assert "Catalogue changes" not in page

    _submit(client, offering, title="Taal voor ouders, ook op zaterdag")
    page = client.get(url).content.decode()
    assert "Goedkeuring door een contractmanager" in page
    assert "Approval by a contract manager" not in page


def test_the_approvers_email_names_the_task_in_each_recipients_language(
    client, offering, editor, manager, dutch_names
):
    english = UserFactory(role=Role.CONTRACT_MANAGER, email="cm-en@example.org", username="en")
    profile = UserProfile.get_for_user(english)
    profile.preferred_language = "en"
    profile.save()
    mail.outbox.clear()
    login_staff(client, editor)
    _submit(client, offering, title="Taal voor ouders, ook op zaterdag")

    to_dutch = [m for m in mail.outbox if "cm@example.org" in m.to]
    to_english = [m for m in mail.outbox if "cm-en@example.org" in m.to]
    assert to_dutch and to_english
    dutch_text = " ".join(f"{m.subject} {m.body}" for m in to_dutch)
    english_text = " ".join(f"{m.subject} {m.body}" for m in to_english)
    assert "Goedkeuring door een contractmanager" in dutch_text
    assert "Approval by a contract manager" not in dutch_text
    assert "Approval by a contract manager" in english_text


def test_the_names_are_stored_as_message_ids_even_when_saved_from_a_dutch_form(dutch_names):
    workflow = offering_workflow_ensure()
    with translation.override("nl"):
        assert str(workflow.name) == "Wijzigingen in het aanbod"
        workflow.name = str(workflow.name)  # what the workflow's edit form posts back
        workflow.save()
    assert Workflow.objects.filter(name="Catalogue changes").exists()
    with translation.override("en"):
        assert str(Workflow.objects.get(pk=workflow.pk).name) == "Catalogue changes"
