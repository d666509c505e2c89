"""Referrals in the Wagtail admin: a klantmanager refers, the provider answers in its inbox and
records the placement; everybody else gets a 404; e-mails without personal data; audited views."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from contracts import referrals
from contracts.models import (
    AuditEntry,
    ExamResult,
    Learner,
    MonthlyAttendance,
    ProgressReport,
    Referral,
    ReferralState,
)
from portal.accounts.models import Role
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import ProviderFactory

pytestmark = pytest.mark.django_db

State = ReferralState
TODAY = timezone.localdate()
LIST = "/admin/referrals/"
NEW = "/admin/referrals/new/"


def detail(referral) -> str:
    return f"/admin/referrals/{referral.pk}/"


@pytest.fixture
def klantmanager(haarlem):
    return UserFactory(
        role=Role.CASE_MANAGER,
        municipality=haarlem,
        first_name="Kim",
        last_name="Klant",
        email="kim@haarlem.example",
        username="kim@haarlem.example",
    )


def _learner(municipality, klantmanager=None, **fields) -> Learner:
    values = {
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "target_group": "STATUSHOUDER",
        "client_number": "HLM-98765",
        "housing_date": TODAY - datetime.timedelta(days=60),
        "intake_date": TODAY - datetime.timedelta(days=50),
        "pip_date": TODAY - datetime.timedelta(days=10),
        "route": "B1_ROUTE",
    }
    return Learner.objects.create(
        municipality=municipality, klantmanager=klantmanager, **(values | fields)
    )


@pytest.fixture
def learner(haarlem, klantmanager):
    return _learner(haarlem, klantmanager)


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=5, contract__municipalities=[haarlem])


@pytest.fixture
def provider_user(lot):
    return provider_staff(lot.contract.provider, email="sam@school.example")


@pytest.fixture
def km_client(client, klantmanager):
    return login_staff_in_english(client, klantmanager)


@pytest.fixture
def as_user():
    from django.test import Client

    def make(user):
        return login_staff_in_english(Client(), user)

    return make


def _sent(learner, lot, klantmanager) -> Referral:
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    return referrals.referral_send(referral=referral, actor=klantmanager)


def _html(response) -> str:
    return response.content.decode()


# --- The whole flow ---------------------------------------------------------------------------


def test_a_klantmanager_refers_and_the_provider_accepts_and_records_the_start(
    km_client,
    as_user,
    learner,
    lot,
    klantmanager,
    provider_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    inspect = _html(km_client.get(f"/admin/snippets/contracts/learner/inspect/{learner.pk}/"))
    assert f"{NEW}?learner={learner.pk}" in inspect

    form = km_client.get(f"{NEW}?learner={learner.pk}")
    assert form.status_code == 200
    assert lot.contract.provider.name in _html(form)
    with django_capture_on_commit_callbacks(execute=True):
        response = km_client.post(
            f"{NEW}?learner={learner.pk}",
            {"lot": lot.pk, "start_moment": "", "note": "Evening classes", "action": "draft"},
        )
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == detail(referral)
    assert referral.state == State.DRAFT and referral.note == "Evening classes"
    assert mailoutbox == []

    provider = as_user(provider_user)
    assert provider.get(detail(referral)).status_code == 404  # drafts are the klantmanager's
    assert "Haddad" not in _html(provider.get(LIST))

    with django_capture_on_commit_callbacks(execute=True):
        response = km_client.post(detail(referral), {"action": "send"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.answer_due is not None
    assert [mail.to for mail in mailoutbox] == [[provider_user.email]]
    assert mailoutbox[0].subject == "A new referral awaits your answer"

    inbox = _html(provider.get(LIST, {"needs_answer": "on"}))
    assert "Amal Haddad" in inbox and "Referral inbox" in inbox
    page = provider.get(detail(referral))
    assert page.status_code == 200
    html = _html(page)
    assert "Amal" in html and "Haddad" in html and "kim@haarlem.example" in html
    assert "HLM-98765" not in html
    assert 'value="accept"' in html and 'value="decline"' in html
    assert 'value="withdraw"' not in html

    with django_capture_on_commit_callbacks(execute=True):
        assert provider.post(detail(referral), {"action": "accept"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED and referral.start_due is not None
    assert mailoutbox[-1].to == [klantmanager.email]

    with django_capture_on_commit_callbacks(execute=True):
        response = provider.post(
            detail(referral), {"action": "start", "start-started_on": TODAY.isoformat()}
        )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.started_on) == (State.STARTED, TODAY)
    assert [t.to_state for t in referral.transitions.all()] == [
        State.DRAFT,
        State.SENT,
        State.ACCEPTED,
        State.STARTED,
    ]
    # The klantmanager sees the same history on the referral and the learner's page.
    assert "Started" in _html(km_client.get(detail(referral)))
    assert detail(referral) in _html(
        km_client.get(f"/admin/snippets/contracts/learner/inspect/{learner.pk}/")
    )


def test_sending_from_the_refer_form_sends_at_once(km_client, learner, lot, provider_user):
    response = km_client.post(
        f"{NEW}?learner={learner.pk}", {"lot": lot.pk, "note": "", "action": "send"}
    )
    assert response.status_code == 302
    assert Referral.objects.get().state == State.SENT


def test_only_referable_lots_are_offered(km_client, haarlem, learner, lot):
    z_route = LotFactory(component="Z_ROUTE", contract__municipalities=[haarlem])
    elsewhere = LotFactory(contract__municipalities=[MunicipalityFactory()])
    choices = km_client.get(f"{NEW}?learner={learner.pk}").context["choices"]
    offered = {choice.lot.pk for choice in choices}
    assert lot.pk in offered and z_route.pk not in offered and elsewhere.pk not in offered
    response = km_client.post(f"{NEW}?learner={learner.pk}", {"lot": z_route.pk, "action": "send"})
    assert response.status_code == 200 and response.context["form"].errors["lot"]
    assert not Referral.objects.exists()


# --- Recording the placement ------------------------------------------------------------------


def test_the_provider_records_attendance_progress_and_exams(
    as_user, learner, lot, klantmanager, provider_user
):
    referral = _sent(learner, lot, klantmanager)
    referrals.referral_accept(referral=referral, actor=provider_user)
    referrals.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    provider = as_user(provider_user)
    month = TODAY.strftime("%Y-%m")
    bad = provider.post(
        detail(referral),
        {
            "action": "attendance",
            "attendance-month": month,
            "attendance-hours_offered": "20",
            "attendance-hours_attended": "16",
            "attendance-absence_reason": "NONE",
        },
    )
    assert bad.status_code == 200
    assert "Give the main reason for the hours missed." in _html(bad)
    assert not MonthlyAttendance.objects.exists()
    good = provider.post(
        detail(referral),
        {
            "action": "attendance",
            "attendance-month": month,
            "attendance-hours_offered": "20",
            "attendance-hours_attended": "16",
            "attendance-absence_reason": "ILLNESS",
        },
    )
    assert good.status_code == 302
    assert MonthlyAttendance.objects.get().hours_attended == 16
    empty = provider.post(detail(referral), {"action": "progress", "progress-summary": " "})
    assert "Describe the progress." in _html(empty)
    provider.post(
        detail(referral),
        {
            "action": "progress",
            "progress-summary": "Reads short texts",
            "progress-level_reached": "A2",
            "progress-afschalen": "NOT_NEEDED",
        },
    )
    provider.post(
        detail(referral),
        {
            "action": "exam",
            "exam-exam": "READING",
            "exam-level": "B1",
            "exam-passed": "on",
            "exam-taken_on": TODAY.isoformat(),
        },
    )
    assert ProgressReport.objects.get().level_reached == "A2"
    assert ExamResult.objects.get().passed is True
    html = _html(provider.get(detail(referral)))
    assert "Reads short texts" in html and "Reading" in html


# --- Who sees what ----------------------------------------------------------------------------


def test_a_provider_that_was_not_referred_to_gets_a_404(as_user, learner, lot, klantmanager):
    referral = _sent(learner, lot, klantmanager)
    stranger = as_user(provider_staff(ProviderFactory()))
    assert stranger.get(detail(referral)).status_code == 404
    assert stranger.post(detail(referral), {"action": "accept"}).status_code == 404
    listing = stranger.get(LIST)
    assert listing.status_code == 200 and "Haddad" not in _html(listing)
    referral.refresh_from_db()
    assert referral.state == State.SENT


def test_a_klantmanager_of_another_municipality_gets_a_404(as_user, learner, lot, klantmanager):
    referral = _sent(learner, lot, klantmanager)
    other = as_user(UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory()))
    assert other.get(detail(referral)).status_code == 404
    assert other.get(f"{NEW}?learner={learner.pk}").status_code == 404
    assert "Haddad" not in _html(other.get(LIST))


def test_providers_never_see_the_client_number(as_user, learner, lot, klantmanager, provider_user):
    referral = _sent(learner, lot, klantmanager)
    provider = as_user(provider_user)
    for url in (LIST, detail(referral)):
        assert "HLM-98765" not in _html(provider.get(url))
    assert "HLM-98765" in _html(as_user(klantmanager).get(detail(referral)))


def test_drafts_are_invisible_to_providers(as_user, learner, lot, klantmanager, provider_user):
    draft = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    provider = as_user(provider_user)
    assert provider.get(detail(draft)).status_code == 404
    assert "Haddad" not in _html(provider.get(LIST))
    assert "Your inbox is empty" in _html(provider.get(LIST))


def test_opening_a_referral_is_audited_as_a_view_of_the_learner(
    as_user, learner, lot, klantmanager, provider_user
):
    referral = _sent(learner, lot, klantmanager)
    as_user(provider_user).get(detail(referral))
    as_user(klantmanager).get(detail(referral))
    entries = list(
        AuditEntry.objects.filter(learner=learner).order_by("pk").values_list("action", "actor")
    )
    assert entries == [("view", provider_user.pk), ("view", klantmanager.pk)]


# --- Refusals ---------------------------------------------------------------------------------


def test_declining_without_a_reason_is_refused_and_changes_nothing(
    as_user, learner, lot, klantmanager, provider_user, mailoutbox
):
    referral = _sent(learner, lot, klantmanager)
    provider = as_user(provider_user)
    response = provider.post(detail(referral), {"action": "decline", "decline-reason": " "})
    assert response.status_code == 200
    assert "Give a reason." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.transitions.count() == 2
    assert mailoutbox == []
    response = provider.post(
        detail(referral), {"action": "decline", "decline-reason": "No group this period"}
    )
    referral.refresh_from_db()
    assert referral.state == State.DECLINED
    assert referral.transitions.last().reason == "No group this period"


def test_an_action_of_the_other_side_is_refused(as_user, learner, lot, klantmanager):
    referral = _sent(learner, lot, klantmanager)
    response = as_user(klantmanager).post(detail(referral), {"action": "accept"}, follow=True)
    assert "This cannot be done to the referral now." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.SENT


def test_a_full_lot_is_refused_and_a_contract_manager_refers_over_capacity(
    km_client, as_user, haarlem, klantmanager, provider_user
):
    lot = LotFactory(capacity=1, contract__municipalities=[haarlem])
    _sent(_learner(haarlem, klantmanager, client_number="HLM-1"), lot, klantmanager)
    learner = _learner(haarlem, klantmanager, client_number="HLM-2", last_name="Late")
    page = km_client.get(f"{NEW}?learner={learner.pk}")
    assert "full for the current period" in _html(page)
    response = km_client.post(f"{NEW}?learner={learner.pk}", {"lot": lot.pk, "action": "send"})
    assert response.status_code == 200
    assert "capacity for this period is used up" in str(response.context["form"].errors["lot"])
    assert not Referral.objects.filter(learner=learner).exists()  # nothing saved

    km_client.post(f"{NEW}?learner={learner.pk}", {"lot": lot.pk, "action": "draft"})
    draft = Referral.objects.get(learner=learner)
    assert 'value="override"' not in _html(km_client.get(detail(draft)))

    manager = as_user(UserFactory(role=Role.CONTRACT_MANAGER))
    html = _html(manager.get(detail(draft)))
    assert "Refer over capacity" in html and "capacity for this period is used up" in html
    refused = manager.post(detail(draft), {"action": "override", "override-override_reason": ""})
    assert refused.status_code == 200
    draft.refresh_from_db()
    assert draft.state == State.DRAFT
    manager.post(
        detail(draft), {"action": "override", "override-override_reason": "Urgent: moved in"}
    )
    draft.refresh_from_db()
    assert draft.state == State.SENT
    assert draft.capacity_override_reason == "Urgent: moved in"


# --- E-mails ----------------------------------------------------------------------------------


def test_the_emails_hold_no_personal_data(
    as_user,
    learner,
    lot,
    klantmanager,
    provider_user,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    colleague = provider_staff(lot.contract.provider)
    draft = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(klantmanager).post(detail(draft), {"action": "send"})
    with django_capture_on_commit_callbacks(execute=True):
        as_user(provider_user).post(detail(draft), {"action": "decline", "decline-reason": "Full"})
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [provider_user.email, colleague.email, klantmanager.email]
    )
    for mail in mailoutbox:
        text = mail.subject + mail.body
        for personal in ("Amal", "Haddad", "HLM-98765", "1990", "17 May"):
            assert personal not in text
        assert "Haarlem" in text and detail(draft) in text
    assert "declined" in mailoutbox[-1].subject


# --- The listing ------------------------------------------------------------------------------


def test_the_listing_filters_and_flags_the_sla(as_user, haarlem, lot, klantmanager, provider_user):
    late = _sent(_learner(haarlem, klantmanager, last_name="Laat"), lot, klantmanager)
    Referral.objects.filter(pk=late.pk).update(answer_due=TODAY - datetime.timedelta(days=2))
    _sent(_learner(haarlem, klantmanager, last_name="Optijd"), lot, klantmanager)
    provider = as_user(provider_user)
    html = _html(provider.get(LIST))
    assert "answer overdue" in html and "Laat" in html and "Optijd" in html
    breached = _html(provider.get(LIST, {"sla": "on"}))
    assert "Laat" in breached and "Optijd" not in breached
    accepted = _html(provider.get(LIST, {"state": "accepted"}))
    assert "No referrals match these filters." in accepted


@pytest.mark.parametrize("role", ["provider", "klantmanager"])
def test_the_listing_takes_a_fixed_number_of_queries(
    as_user, haarlem, lot, klantmanager, provider_user, django_assert_max_num_queries, role
):
    user = provider_user if role == "provider" else klantmanager
    client = as_user(user)
    _sent(_learner(haarlem, klantmanager, client_number="Q-0"), lot, klantmanager)
    client.get(LIST)  # warm caches (site, profile)
    with django_assert_max_num_queries(15) as few:
        client.get(LIST)
    for number in range(1, 4):
        other = _learner(haarlem, klantmanager, client_number=f"Q-{number}")
        _sent(other, lot, klantmanager)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 4


def test_the_confirmation_speaks_the_users_admin_language(
    as_user, learner, lot, klantmanager, provider_user
):
    referral = _sent(learner, lot, klantmanager)
    response = as_user(provider_user).post(detail(referral), {"action": "accept"}, follow=True)
    assert "The referral is accepted." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED


# --- Withdrawing, completing, stopping ---------------------------------------------------------


def _started(learner, lot, klantmanager, provider_user) -> Referral:
    referral = referrals.referral_accept(
        referral=_sent(learner, lot, klantmanager), actor=provider_user
    )
    return referrals.referral_start(
        referral=referral, actor=provider_user, started_on=TODAY - datetime.timedelta(days=30)
    )


def test_the_klantmanager_withdraws_with_a_reason_and_the_place_is_given_back(
    km_client, learner, lot, klantmanager, provider_user
):
    referral = _sent(learner, lot, klantmanager)
    assert 'value="withdraw"' in _html(km_client.get(detail(referral)))
    response = km_client.post(detail(referral), {"action": "withdraw", "withdraw-reason": ""})
    assert response.status_code == 200 and "Give a reason." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.SENT and referral.period_use.used == 1

    response = km_client.post(
        detail(referral), {"action": "withdraw", "withdraw-reason": "Moved to Leiden"}, follow=True
    )
    assert "The referral is withdrawn." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.WITHDRAWN and referral.period_use.used == 0
    assert referral.transitions.last().reason == "Moved to Leiden"
    assert referral.transitions.last().actor == klantmanager


def test_the_history_names_the_systems_reasons_in_words_and_a_persons_as_written(
    km_client, learner, lot, klantmanager
):
    referral = _sent(learner, lot, klantmanager)
    referrals.referral_withdraw(referral=referral, actor=klantmanager, reason="Moved to Leiden")
    page = _html(km_client.get(detail(referral)))
    history = page[page.index('id="referral-history"') :]
    assert "<td>Referral made</td>" in history
    assert "<td>Moved to Leiden</td>" in history
    assert "<td>created</td>" not in history
    assert referral.transitions.first().reason == "created"  # stored as its code


def test_a_started_placement_can_no_longer_be_withdrawn(
    km_client, learner, lot, klantmanager, provider_user
):
    referral = _started(learner, lot, klantmanager, provider_user)
    assert 'value="withdraw"' not in _html(km_client.get(detail(referral)))
    response = km_client.post(
        detail(referral), {"action": "withdraw", "withdraw-reason": "Too late"}, follow=True
    )
    assert "This cannot be done to the referral now." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.STARTED


def test_the_provider_completes_a_placement(as_user, learner, lot, klantmanager, provider_user):
    referral = _started(learner, lot, klantmanager, provider_user)
    provider = as_user(provider_user)
    assert 'value="end"' in _html(provider.get(detail(referral)))
    response = provider.post(
        detail(referral),
        {"action": "end", "end-outcome": State.COMPLETED, "end-ended_on": TODAY.isoformat()},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.ended_on) == (State.COMPLETED, TODAY)
    assert 'value="end"' not in _html(provider.get(detail(referral)))


def test_stopping_needs_a_reason_and_an_end_after_the_start(
    as_user, learner, lot, klantmanager, provider_user
):
    referral = _started(learner, lot, klantmanager, provider_user)
    provider = as_user(provider_user)
    stop = {"action": "end", "end-outcome": State.STOPPED, "end-ended_on": TODAY.isoformat()}
    response = provider.post(detail(referral), stop | {"end-reason": ""})
    assert response.status_code == 200 and "Give a reason." in _html(response)
    too_early = (TODAY - datetime.timedelta(days=31)).isoformat()
    response = provider.post(
        detail(referral), stop | {"end-ended_on": too_early, "end-reason": "Moved away"}
    )
    assert response.status_code == 200
    assert "The end cannot be before the start." in _html(response)
    referral.refresh_from_db()
    assert referral.state == State.STARTED and referral.ended_on is None

    response = provider.post(detail(referral), stop | {"end-reason": "Found full-time work"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.state, referral.ended_on) == (State.STOPPED, TODAY)
    assert referral.transitions.last().reason == "Found full-time work"


def test_a_closed_case_offers_no_referral_and_the_form_is_refused(km_client, learner, lot):
    inspect = f"/admin/snippets/contracts/learner/inspect/{learner.pk}/"
    assert f"{NEW}?learner={learner.pk}" in _html(km_client.get(inspect))
    Learner.objects.filter(pk=learner.pk).update(closed_at=timezone.now())
    assert f"{NEW}?learner={learner.pk}" not in _html(km_client.get(inspect))
    response = km_client.post(
        f"{NEW}?learner={learner.pk}", {"lot": lot.pk, "note": "", "action": "send"}
    )
    assert response.status_code in {302, 403}
    assert not Referral.objects.exists()
