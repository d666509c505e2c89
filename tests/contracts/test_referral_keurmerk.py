"""No new B1-route or Z-route referral to a lot whose provider's Keurmerk Inburgeren is not valid
on the day (contracts.referrals: ``referral_keurmerk_refusal``, checked under the referral's lock
by ``referral_send``; a draft takes nothing and may be saved); a contract manager's override with
a reason of its own, recorded with the actor; referrals already sent stay; other components are
not affected.
Through the domain functions with injected days, and through the real admin URLs."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone, translation

from contracts import referrals
from contracts.models import Learner, LotPeriodUse, Referral, ReferralState
from portal.accounts.models import Role
from providers.models import SeatClaim, StartMoment
from tests.contracts.factories import LotFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff_in_english
from tests.providers.factories import OfferingFactory, ProviderFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

State = ReferralState
DAY = datetime.timedelta(days=1)
NEW = "/admin/referrals/new/"
NOT_VALID = "is not valid, so this lot takes no new referrals"
SAVE_A_DRAFT = "Save a draft: a contract manager can send it, with a reason."


def detail(referral: Referral) -> str:
    return f"/admin/referrals/{referral.pk}/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def valid_until() -> datetime.date:
    """The last day of the provider's mark: three weeks from today, inside the contract's term."""
    return timezone.localdate() + 21 * DAY


def _provider(*, status: str = "CERTIFIED", valid_until: datetime.date | None):
    return ProviderFactory(
        name="Taalschool Vervalt", keurmerk_status=status, keurmerk_valid_until=valid_until
    )


def _lot(municipality, provider, *, component: str = "B1_ROUTE", **fields):
    return LotFactory(
        contract__provider=provider,
        contract__municipalities=[municipality],
        component=component,
        **fields,
    )


def _learner(municipality, klantmanager=None, **fields) -> Learner:
    today = timezone.localdate()
    values = {
        "first_name": "Amal",
        "last_name": "Haddad",
        "date_of_birth": datetime.date(1990, 5, 17),
        "target_group": "STATUSHOUDER",
        "housing_date": today - 60 * DAY,
        "intake_date": today - 50 * DAY,
        "pip_date": today - 10 * DAY,
        "route": "B1_ROUTE",
    }
    return Learner.objects.create(
        municipality=municipality, klantmanager=klantmanager, **(values | fields)
    )


def _lapse(provider, *, on: datetime.date) -> None:
    """The mark's last day was the day before ``on`` (Blik op Werk did not renew it)."""
    type(provider).objects.filter(pk=provider.pk).update(keurmerk_valid_until=on - DAY)


def _used(lot) -> int:
    return sum(LotPeriodUse.objects.filter(lot=lot).values_list("used", flat=True))


@pytest.fixture
def contract_manager():
    return UserFactory(role=Role.CONTRACT_MANAGER)


# --- The day: valid through its last day, refused from the next ------------------------------


@pytest.mark.parametrize("days_after_last", [-1, 0, 1])
def test_a_draft_takes_nothing_and_is_saved_whatever_the_mark(
    haarlem, klantmanager, valid_until, days_after_last
):
    lot = _lot(haarlem, _provider(valid_until=valid_until))
    on = valid_until + days_after_last * DAY
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=on
    )
    assert (draft.state, draft.sent_at, _used(lot)) == (State.DRAFT, None, 0)


@pytest.mark.parametrize(("days_after_last", "refused"), [(-1, False), (0, False), (1, True)])
def test_sending_is_refused_from_the_day_after_the_mark_ends(
    haarlem, klantmanager, valid_until, days_after_last, refused
):
    lot = _lot(haarlem, _provider(valid_until=valid_until))
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until - 2 * DAY
    )
    on = valid_until + days_after_last * DAY
    if refused:
        with pytest.raises(referrals.KeurmerkNotValid, match=NOT_VALID):
            referrals.referral_send(referral=draft, actor=klantmanager, today=on)
        draft.refresh_from_db()
        assert (draft.state, draft.sent_at, _used(lot)) == (State.DRAFT, None, 0)
    else:
        sent = referrals.referral_send(referral=draft, actor=klantmanager, today=on)
        assert (sent.state, _used(lot)) == (State.SENT, 1)


def test_an_aspirant_mark_counts_as_valid_through_its_last_day(haarlem, klantmanager, valid_until):
    lot = _lot(haarlem, _provider(status="ASPIRANT", valid_until=valid_until))
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until
    )
    sent = referrals.referral_send(referral=draft, actor=klantmanager, today=valid_until)
    assert sent.state == State.SENT
    later = referrals.referral_create(
        learner=_learner(haarlem, last_name="Later"),
        lot=lot,
        actor=klantmanager,
        today=valid_until - DAY,
    )
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(referral=later, actor=klantmanager, today=valid_until + DAY)


@pytest.mark.parametrize("component", ["B1_ROUTE", "Z_ROUTE"])
def test_a_provider_without_any_mark_gets_no_new_b1_or_z_referral(haarlem, klantmanager, component):
    lot = _lot(haarlem, _provider(status="NONE", valid_until=None), component=component)
    draft = referrals.referral_create(
        learner=_learner(haarlem, route=component), lot=lot, actor=klantmanager
    )
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(referral=draft, actor=klantmanager)


@pytest.mark.parametrize(
    ("component", "lot_fields", "learner_fields"),
    [
        ("ONDERWIJSROUTE", {"education_level": "MBO4"}, {"route": "ONDERWIJSROUTE"}),
        ("PVT", {}, {}),
        ("MAP", {}, {}),
        ("BRUGKLAS", {}, {}),
        ("PVT", {}, {"target_group": "GEZINSMIGRANT", "route": "", "housing_date": None}),
    ],
)
def test_other_components_are_referred_without_a_mark(
    haarlem, klantmanager, component, lot_fields, learner_fields
):
    lot = _lot(
        haarlem, _provider(status="NONE", valid_until=None), component=component, **lot_fields
    )
    draft = referrals.referral_create(
        learner=_learner(haarlem, **learner_fields), lot=lot, actor=klantmanager
    )
    assert referrals.referral_send(referral=draft, actor=klantmanager).state == State.SENT


# --- Nothing taken by a refusal; what was sent stays ---------------------------------------------


def test_a_refused_send_takes_no_place_and_no_seat(haarlem, klantmanager, valid_until):
    provider = _provider(valid_until=valid_until)
    offering = OfferingFactory(provider=provider)
    lot = _lot(haarlem, provider, offerings=[offering])
    moment = StartMomentFactory(offering=offering, starts_on=valid_until + 30 * DAY, seats=1)
    draft = referrals.referral_create(
        learner=_learner(haarlem),
        lot=lot,
        actor=klantmanager,
        start_moment=moment,
        today=valid_until,
    )
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(referral=draft, actor=klantmanager, today=valid_until + DAY)
    draft.refresh_from_db()
    assert (draft.state, draft.period_use_id, draft.seat_claim_id) == (State.DRAFT, None, None)
    assert draft.transitions.count() == 1
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 0
    assert not SeatClaim.objects.exists()
    assert not LotPeriodUse.objects.filter(lot=lot, used__gt=0).exists()


def test_referrals_already_sent_stay_and_the_provider_still_answers_them(
    haarlem, klantmanager, valid_until
):
    provider = _provider(valid_until=valid_until)
    lot = _lot(haarlem, provider)
    sent = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until
    )
    referrals.referral_send(referral=sent, actor=klantmanager, today=valid_until)
    _lapse(provider, on=timezone.localdate())
    accepted = referrals.referral_accept(referral=sent, actor=provider_staff(provider))
    assert accepted.state == State.ACCEPTED
    assert _used(lot) == 1


def test_the_mark_is_read_under_the_lock_not_from_the_referral_handed_in(
    haarlem, klantmanager, valid_until
):
    provider = _provider(valid_until=valid_until)
    lot = _lot(haarlem, provider)
    first = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until
    )
    second = referrals.referral_create(
        learner=_learner(haarlem, last_name="Tweede"),
        lot=lot,
        actor=klantmanager,
        today=valid_until,
    )
    stale_valid = Referral.objects.select_related("lot__contract__provider").get(pk=first.pk)
    # Recorded after the referral was read: the mark lapsed a week before the day of sending.
    _lapse(provider, on=valid_until - 6 * DAY)
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(referral=stale_valid, actor=klantmanager, today=valid_until)
    stale_lapsed = Referral.objects.select_related("lot__contract__provider").get(pk=second.pk)
    # ... and then renewed for a year.
    type(provider).objects.filter(pk=provider.pk).update(
        keurmerk_valid_until=valid_until + 365 * DAY
    )
    sent = referrals.referral_send(referral=stale_lapsed, actor=klantmanager, today=valid_until)
    assert sent.state == State.SENT


# --- The contract manager's override -----------------------------------------------------------


def test_a_contract_manager_refers_anyway_with_a_reason_which_is_recorded(
    haarlem, klantmanager, contract_manager, valid_until
):
    lot = _lot(haarlem, _provider(valid_until=valid_until))
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until
    )
    after = valid_until + DAY
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(referral=draft, actor=contract_manager, today=after)
    # The capacity override is another decision: its reason does not pass the mark.
    with pytest.raises(referrals.KeurmerkNotValid):
        referrals.referral_send(
            referral=draft, actor=contract_manager, override_reason="urgent", today=after
        )
    with pytest.raises(referrals.ReferralRefused, match="Only a contract manager") as refused:
        referrals.referral_send(
            referral=draft, actor=klantmanager, keurmerk_override_reason="urgent", today=after
        )
    assert refused.value.field == "keurmerk_override_reason"
    draft.refresh_from_db()
    assert (draft.state, _used(lot)) == (State.DRAFT, 0)

    sent = referrals.referral_send(
        referral=draft,
        actor=contract_manager,
        keurmerk_override_reason="  Renewal applied for; group starts Monday  ",
        today=after,
    )
    assert (sent.state, _used(lot)) == (State.SENT, 1)
    change = sent.transitions.get(to_state=State.SENT)
    assert (change.from_state, change.actor, change.reason) == (
        State.DRAFT,
        contract_manager,
        "Renewal applied for; group starts Monday",
    )
    sent.refresh_from_db()
    assert (sent.capacity_override_reason, sent.capacity_override_by) == ("", None)


def test_an_override_reason_is_not_recorded_when_the_mark_is_valid(
    haarlem, klantmanager, contract_manager, valid_until
):
    lot = _lot(haarlem, _provider(valid_until=valid_until))
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, today=valid_until
    )
    sent = referrals.referral_send(
        referral=draft,
        actor=contract_manager,
        keurmerk_override_reason="just in case",
        today=valid_until,
    )
    assert sent.transitions.get(to_state=State.SENT).reason == ""


def test_a_full_lot_without_a_valid_mark_needs_both_reasons(
    haarlem, klantmanager, contract_manager, valid_until
):
    lot = _lot(haarlem, _provider(valid_until=valid_until), capacity=1)
    for last_name in ("Eerste", "Tweede"):
        referral = referrals.referral_create(
            learner=_learner(haarlem, last_name=last_name),
            lot=lot,
            actor=klantmanager,
            today=valid_until,
        )
    referrals.referral_send(referral=referral, actor=klantmanager, today=valid_until)
    late = Referral.objects.get(learner__last_name="Eerste")
    after = valid_until + DAY
    with pytest.raises(referrals.LotFull):
        referrals.referral_send(
            referral=late, actor=contract_manager, keurmerk_override_reason="renewal", today=after
        )
    sent = referrals.referral_send(
        referral=late,
        actor=contract_manager,
        override_reason="moved in",
        keurmerk_override_reason="renewal",
        today=after,
    )
    assert sent.transitions.get(to_state=State.SENT).reason == "moved in\nrenewal"
    assert (sent.capacity_override_reason, sent.capacity_override_by) == (
        "moved in",
        contract_manager,
    )
    assert _used(lot) == 2


def test_a_contract_manager_may_draft_what_only_they_can_send(
    haarlem, contract_manager, valid_until
):
    lot = _lot(haarlem, _provider(valid_until=valid_until))
    draft = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=contract_manager, today=valid_until + DAY
    )
    assert draft.state == State.DRAFT


# --- Through the admin -----------------------------------------------------------------------


@pytest.fixture
def as_user():
    def make(user) -> Client:
        return login_staff_in_english(Client(), user)

    return make


@pytest.fixture
def lapsed_lot(haarlem):
    """A B1-route lot whose provider's mark ended yesterday."""
    return _lot(haarlem, _provider(valid_until=timezone.localdate() - DAY))


def test_the_klantmanagers_send_is_refused_beside_the_lot_and_nothing_is_stored(
    as_user, haarlem, klantmanager, lapsed_lot
):
    learner = _learner(haarlem, klantmanager)
    client = as_user(klantmanager)
    page = client.get(f"{NEW}?learner={learner.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="keurmerk-lots"' in html and "quality mark not valid" in html
    response = client.post(f"{NEW}?learner={learner.pk}", {"lot": lapsed_lot.pk, "action": "send"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["lot"]
    assert NOT_VALID in errors["lot"][0] and "Taalschool Vervalt" in errors["lot"][0]
    assert SAVE_A_DRAFT in errors["lot"][0]
    assert 'id="refer-lot-error"' in response.content.decode()
    assert not Referral.objects.filter(learner=learner).exists()
    assert not LotPeriodUse.objects.filter(lot=lapsed_lot).exists()


def test_the_klantmanagers_draft_is_sent_by_a_contract_manager_with_a_reason(
    as_user, haarlem, klantmanager, contract_manager, lapsed_lot
):
    """The whole way through the admin: the klantmanager saves a draft to a lot whose mark has
    lapsed, cannot send it, and a contract manager sends it with a recorded reason."""
    learner = _learner(haarlem, klantmanager)
    client = as_user(klantmanager)
    saved = client.post(f"{NEW}?learner={learner.pk}", {"lot": lapsed_lot.pk, "action": "draft"})
    assert saved.status_code == 302
    draft = Referral.objects.get(learner=learner)
    assert (draft.state, _used(lapsed_lot)) == (State.DRAFT, 0)
    html = client.get(detail(draft)).content.decode()
    assert 'id="keurmerk-warning"' in html and 'value="keurmerk_override"' not in html
    refused = client.post(detail(draft), {"action": "send"}, follow=True)
    assert NOT_VALID in refused.content.decode()
    draft.refresh_from_db()
    assert (draft.state, _used(lapsed_lot)) == (State.DRAFT, 0)

    manager = as_user(contract_manager)
    assert 'value="keurmerk_override"' in manager.get(detail(draft)).content.decode()
    sent = manager.post(
        detail(draft),
        {"action": "keurmerk_override", "keurmerk_override-keurmerk_override_reason": "Urgent"},
    )
    assert sent.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, _used(lapsed_lot)) == (State.SENT, 1)
    change = draft.transitions.get(to_state=State.SENT)
    assert (change.actor, change.reason) == (contract_manager, "Urgent")


def test_the_klantmanagers_send_of_a_draft_made_before_the_lapse_is_refused(
    as_user, haarlem, klantmanager, valid_until
):
    provider = _provider(valid_until=valid_until)
    offering = OfferingFactory(provider=provider)
    lot = _lot(haarlem, provider, offerings=[offering])
    moment = StartMomentFactory(offering=offering, seats=2)
    draft = referrals.referral_create(
        learner=_learner(haarlem, klantmanager), lot=lot, actor=klantmanager, start_moment=moment
    )
    _lapse(provider, on=timezone.localdate())
    client = as_user(klantmanager)
    html = client.get(detail(draft)).content.decode()
    assert 'id="keurmerk-warning"' in html and 'value="keurmerk_override"' not in html
    response = client.post(detail(draft), {"action": "send"}, follow=True)
    assert NOT_VALID in response.content.decode()
    draft.refresh_from_db()
    assert (draft.state, draft.period_use_id, draft.seat_claim_id) == (State.DRAFT, None, None)
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 0
    assert _used(lot) == 0
    refused = client.post(
        detail(draft),
        {"action": "keurmerk_override", "keurmerk_override-keurmerk_override_reason": "urgent"},
        follow=True,
    )
    assert "This cannot be done to the referral now." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.state == State.DRAFT


def test_the_contract_manager_refers_anyway_only_with_a_reason(
    as_user, haarlem, klantmanager, contract_manager, valid_until
):
    provider = _provider(valid_until=valid_until)
    lot = _lot(haarlem, provider)
    draft = referrals.referral_create(
        learner=_learner(haarlem, klantmanager), lot=lot, actor=klantmanager
    )
    manager = as_user(contract_manager)
    assert 'value="keurmerk_override"' not in manager.get(detail(draft)).content.decode()
    _lapse(provider, on=timezone.localdate())
    html = manager.get(detail(draft)).content.decode()
    assert 'value="keurmerk_override"' in html and "Refer without a valid quality mark" in html
    assert 'name="keurmerk_override-override_reason"' not in html  # the lot is not full

    capacity_only = manager.post(
        detail(draft), {"action": "override", "override-override_reason": "urgent"}
    )
    assert capacity_only.status_code == 200
    forms = {action["name"]: action["form"] for action in capacity_only.context["actions"]}
    assert NOT_VALID in " ".join(forms["override"].non_field_errors())
    no_reason = manager.post(
        detail(draft),
        {"action": "keurmerk_override", "keurmerk_override-keurmerk_override_reason": "  "},
    )
    assert no_reason.status_code == 200
    assert 'id="id_keurmerk_override-keurmerk_override_reason-error"' in (
        no_reason.content.decode()
    )
    draft.refresh_from_db()
    assert (draft.state, _used(lot)) == (State.DRAFT, 0)

    done = manager.post(
        detail(draft),
        {
            "action": "keurmerk_override",
            "keurmerk_override-keurmerk_override_reason": "Renewal applied for",
        },
    )
    assert done.status_code == 302
    draft.refresh_from_db()
    assert (draft.state, _used(lot)) == (State.SENT, 1)
    change = draft.transitions.get(to_state=State.SENT)
    assert (change.actor, change.reason) == (contract_manager, "Renewal applied for")
    history = manager.get(detail(draft)).content.decode()
    assert "Renewal applied for" in history and 'id="keurmerk-warning"' not in history


def test_the_contract_managers_one_form_takes_both_reasons_for_a_full_lot(
    as_user, haarlem, klantmanager, contract_manager, valid_until
):
    provider = _provider(valid_until=valid_until)
    lot = _lot(haarlem, provider, capacity=1)
    first = referrals.referral_create(
        learner=_learner(haarlem, klantmanager), lot=lot, actor=klantmanager
    )
    referrals.referral_send(referral=first, actor=klantmanager)
    draft = referrals.referral_create(
        learner=_learner(haarlem, klantmanager, last_name="Laat"), lot=lot, actor=klantmanager
    )
    _lapse(provider, on=timezone.localdate())
    manager = as_user(contract_manager)
    assert 'name="keurmerk_override-override_reason"' in (
        manager.get(detail(draft)).content.decode()
    )
    manager.post(
        detail(draft),
        {
            "action": "keurmerk_override",
            "keurmerk_override-keurmerk_override_reason": "Renewal applied for",
            "keurmerk_override-override_reason": "Moved in",
        },
    )
    draft.refresh_from_db()
    assert (draft.state, draft.capacity_override_reason, _used(lot)) == (
        State.SENT,
        "Moved in",
        2,
    )
    assert draft.transitions.get(to_state=State.SENT).reason == "Moved in\nRenewal applied for"
