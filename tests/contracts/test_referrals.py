"""Referrals: what may be referred, every transition (legal and not), capacity and its override,
seats, the SLA, and the record of every change (contracts.referrals, contracts.capacity)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from contracts import capacity, referrals
from contracts.models import Learner, LotPeriodUse, ReferralState
from portal.accounts.models import Role
from providers.models import StartMoment
from tests.contracts.factories import LotFactory, MunicipalityFactory
from tests.portal.factories import UserFactory, provider_staff
from tests.providers.factories import OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db

State = ReferralState
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _learner(municipality, **fields) -> Learner:
    values = {
        "first_name": "Amal",
        "last_name": "Test",
        "date_of_birth": datetime.date(1990, 5, 1),
        "target_group": "STATUSHOUDER",
        "housing_date": TODAY - datetime.timedelta(days=60),
        "pip_date": TODAY - datetime.timedelta(days=10),
        "route": "B1_ROUTE",
    }
    return Learner.objects.create(municipality=municipality, **(values | fields))


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=3, contract__municipalities=[haarlem])


@pytest.fixture
def provider_user(lot):
    return provider_staff(lot.contract.provider)


def _sent(lot, klantmanager, municipality, **kwargs):
    referral = referrals.referral_create(
        learner=_learner(municipality), lot=lot, actor=klantmanager, **kwargs
    )
    return referrals.referral_send(referral=referral, actor=klantmanager)


def _used(lot) -> int:
    use = LotPeriodUse.objects.filter(lot=lot).first()
    return use.used if use else 0


def test_sending_takes_a_place_and_sets_the_answer_due_in_working_days(lot, klantmanager, haarlem):
    referral = _sent(lot, klantmanager, haarlem)
    assert referral.state == State.SENT
    assert _used(lot) == 1
    assert referral.answer_due == referrals.lot_answer_deadline(lot=lot, referred_on=TODAY)
    assert referral.answer_due.weekday() < 5


def test_the_full_flow_records_every_change_with_actor_and_reason(
    lot, klantmanager, provider_user, haarlem
):
    referral = _sent(lot, klantmanager, haarlem)
    referrals.referral_accept(referral=referral, actor=provider_user)
    referrals.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    referrals.referral_end(referral=referral, actor=provider_user, completed=True, ended_on=TODAY)
    history = list(referral.transitions.values_list("from_state", "to_state", "actor"))
    assert history == [
        ("", State.DRAFT, klantmanager.pk),
        (State.DRAFT, State.SENT, klantmanager.pk),
        (State.SENT, State.ACCEPTED, provider_user.pk),
        (State.ACCEPTED, State.STARTED, provider_user.pk),
        (State.STARTED, State.COMPLETED, provider_user.pk),
    ]
    referral.refresh_from_db()
    assert referral.start_due == TODAY + datetime.timedelta(weeks=lot.start_within_weeks)
    assert _used(lot) == 1  # a completed placement keeps its place in the period


@pytest.mark.parametrize(
    "illegal",
    ["accept_draft", "start_sent", "complete_accepted", "withdraw_started", "accept_declined"],
)
def test_illegal_transitions_are_refused_with_a_message_and_change_nothing(
    lot, klantmanager, provider_user, haarlem, illegal
):
    referral = referrals.referral_create(learner=_learner(haarlem), lot=lot, actor=klantmanager)
    steps = {
        "accept_draft": lambda: referrals.referral_accept(referral=referral, actor=provider_user),
        "start_sent": lambda: referrals.referral_start(
            referral=referral, actor=provider_user, started_on=TODAY
        ),
        "complete_accepted": lambda: referrals.referral_end(
            referral=referral, actor=provider_user, completed=True, ended_on=TODAY
        ),
        "withdraw_started": lambda: referrals.referral_withdraw(
            referral=referral, actor=klantmanager, reason="moved"
        ),
        "accept_declined": lambda: referrals.referral_accept(
            referral=referral, actor=provider_user
        ),
    }
    if illegal != "accept_draft":
        referrals.referral_send(referral=referral, actor=klantmanager)
    if illegal == "complete_accepted":
        referrals.referral_accept(referral=referral, actor=provider_user)
    if illegal == "withdraw_started":
        referrals.referral_accept(referral=referral, actor=provider_user)
        referrals.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    if illegal == "accept_declined":
        referrals.referral_decline(referral=referral, actor=provider_user, reason="no teacher")
    referral.refresh_from_db()
    before = (referral.state, referral.transitions.count())
    with pytest.raises(referrals.ReferralRefused, match="cannot become"):
        steps[illegal]()
    referral.refresh_from_db()
    assert (referral.state, referral.transitions.count()) == before


@pytest.mark.parametrize("how", ["decline", "withdraw"])
def test_declining_or_withdrawing_needs_a_reason_and_gives_the_place_back(
    lot, klantmanager, provider_user, haarlem, how
):
    referral = _sent(lot, klantmanager, haarlem)
    act = {
        "decline": lambda reason: referrals.referral_decline(
            referral=referral, actor=provider_user, reason=reason
        ),
        "withdraw": lambda reason: referrals.referral_withdraw(
            referral=referral, actor=klantmanager, reason=reason
        ),
    }[how]
    with pytest.raises(referrals.ReferralRefused, match="reason"):
        act("  ")
    assert _used(lot) == 1
    act("the learner moved")
    referral.refresh_from_db()
    assert referral.state in {State.DECLINED, State.WITHDRAWN}
    assert referral.transitions.last().reason == "the learner moved"
    assert _used(lot) == 0


def test_a_full_lot_refuses_the_referral_and_a_contract_manager_may_override(
    lot, klantmanager, haarlem
):
    for _ in range(3):
        _sent(lot, klantmanager, haarlem)
    late = referrals.referral_create(learner=_learner(haarlem), lot=lot, actor=klantmanager)
    with pytest.raises(referrals.LotFull):
        referrals.referral_send(referral=late, actor=klantmanager)
    late.refresh_from_db()
    assert (late.state, _used(lot)) == (State.DRAFT, 3)
    with pytest.raises(referrals.ReferralRefused, match="contract manager"):
        referrals.referral_send(referral=late, actor=klantmanager, override_reason="urgent")
    manager = UserFactory(role=Role.CONTRACT_MANAGER)
    referrals.referral_send(referral=late, actor=manager, override_reason="urgent: moved in")
    late.refresh_from_db()
    assert late.state == State.SENT
    assert (late.capacity_override_by, late.capacity_override_reason) == (
        manager,
        "urgent: moved in",
    )
    use = LotPeriodUse.objects.get(lot=lot)
    assert (use.used, use.capacity, use.overrides) == (4, 3, 1)
    assert capacity.capacity_left(lot=lot, on=TODAY) == 0


def test_a_referral_to_a_start_date_takes_a_seat_and_gives_it_back(
    lot, klantmanager, provider_user, haarlem
):
    offering = OfferingFactory(provider=lot.contract.provider)
    lot.offerings.add(offering)
    moment = StartMomentFactory(offering=offering, seats=1)
    referral = _sent(lot, klantmanager, haarlem, start_moment=moment)
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 1
    second = referrals.referral_create(
        learner=_learner(haarlem), lot=lot, actor=klantmanager, start_moment=moment
    )
    with pytest.raises(referrals.ReferralRefused, match="start date is full"):
        referrals.referral_send(referral=second, actor=klantmanager)
    assert _used(lot) == 1  # the place taken for the refused one was rolled back
    referrals.referral_decline(referral=referral, actor=provider_user, reason="group cancelled")
    assert StartMoment.objects.get(pk=moment.pk).seats_taken == 0


@pytest.mark.parametrize(
    ("target_group", "route", "component", "allowed"),
    [
        ("STATUSHOUDER", "B1_ROUTE", "B1_ROUTE", True),
        ("STATUSHOUDER", "Z_ROUTE", "B1_ROUTE", False),
        ("STATUSHOUDER", "", "B1_ROUTE", False),
        ("STATUSHOUDER", "B1_ROUTE", "BRUGKLAS", True),
        ("STATUSHOUDER", "B1_ROUTE", "PVT", True),
        ("STATUSHOUDER", "B1_ROUTE", "MAP", True),
        ("GEZINSMIGRANT", "", "PVT", True),
        ("GEZINSMIGRANT", "", "MAP", True),
        ("GEZINSMIGRANT", "", "B1_ROUTE", False),
        ("GEZINSMIGRANT", "", "BRUGKLAS", False),
    ],
)
def test_what_may_be_referred_follows_table_1(
    haarlem, klantmanager, target_group, route, component, allowed
):
    lot = LotFactory(component=component, contract__municipalities=[haarlem])
    learner = _learner(haarlem, target_group=target_group, route=route)
    refusal = referrals.referable_refusal(learner=learner, lot=lot, on=TODAY)
    assert (refusal is None) is allowed, refusal


def test_a_klantmanager_of_another_municipality_cannot_refer(lot, haarlem):
    other = UserFactory(role=Role.CASE_MANAGER, municipality=MunicipalityFactory())
    with pytest.raises(referrals.ReferralRefused, match="municipality"):
        referrals.referral_create(learner=_learner(haarlem), lot=lot, actor=other)


def test_only_the_referred_provider_answers(lot, klantmanager, haarlem):
    referral = _sent(lot, klantmanager, haarlem)
    stranger = provider_staff(OfferingFactory().provider)
    with pytest.raises(referrals.ReferralRefused, match="provider"):
        referrals.referral_accept(referral=referral, actor=stranger)


def test_a_contract_that_does_not_cover_the_municipality_is_refused(klantmanager, haarlem):
    lot = LotFactory(contract__municipalities=[MunicipalityFactory()])
    with pytest.raises(referrals.ReferralRefused, match="cover"):
        referrals.referral_create(learner=_learner(haarlem), lot=lot, actor=klantmanager)


@pytest.mark.parametrize(("days_after_due", "breached"), [(-1, False), (0, False), (1, True)])
def test_the_answer_sla_is_breached_the_day_after_it_is_due(
    lot, klantmanager, haarlem, days_after_due, breached
):
    referral = _sent(lot, klantmanager, haarlem)
    today = referral.answer_due + datetime.timedelta(days=days_after_due)
    sla = referrals.referral_sla(referral, today=today)
    assert (sla.answer_overdue, sla.breached) == (breached, breached)


@pytest.mark.parametrize(("days_after_due", "breached"), [(0, False), (1, True)])
def test_the_start_sla_is_breached_the_day_after_it_is_due(
    lot, klantmanager, provider_user, haarlem, days_after_due, breached
):
    referral = referrals.referral_accept(
        referral=_sent(lot, klantmanager, haarlem), actor=provider_user
    )
    today = referral.start_due + datetime.timedelta(days=days_after_due)
    assert referrals.referral_sla(referral, today=today).start_overdue is breached


def test_a_started_route_placement_meets_the_route_start_deadline(
    lot, klantmanager, provider_user, haarlem
):
    from contracts import learners, rules

    referral = _sent(lot, klantmanager, haarlem)
    learner = referral.learner

    def route_start():
        deadlines = learners.learner_deadline_list(learner=learner, today=TODAY)
        return next(d for d in deadlines if d.rule == rules.Rule.ROUTE_START)

    assert route_start().done_on is None
    referrals.referral_accept(referral=referral, actor=provider_user)
    referrals.referral_start(referral=referral, actor=provider_user, started_on=TODAY)
    assert (route_start().done_on, route_start().status) == (TODAY, rules.DeadlineStatus.MET)


# --- The lots and learners the refer form offers ------------------------------------------------


def test_the_referable_lots_are_exactly_those_referable_refusal_lets_through(haarlem, velsen):
    """``referable_lots`` (one query) and ``referable_refusal`` (per lot) state one rule: for
    every learner and every kind of lot they agree."""
    from contracts.models import ContractStatus, LotStatus

    ago, ahead = TODAY - datetime.timedelta(days=400), TODAY - datetime.timedelta(days=1)
    lots = [
        LotFactory(component=component, contract__municipalities=[haarlem])
        for component in ("B1_ROUTE", "Z_ROUTE", "ONDERWIJSROUTE", "BRUGKLAS", "PVT", "MAP", "KNM")
        if component != "ONDERWIJSROUTE"
    ]
    lots += [
        LotFactory(
            component="ONDERWIJSROUTE", education_level="MBO2", contract__municipalities=[haarlem]
        ),
        LotFactory(contract__municipalities=[velsen]),
        LotFactory(contract__municipalities=[velsen, haarlem]),
        LotFactory(status=LotStatus.INACTIVE, contract__municipalities=[haarlem]),
        LotFactory(contract__status=ContractStatus.ENDED, contract__municipalities=[haarlem]),
        LotFactory(
            contract__starts_on=ago, contract__ends_on=ahead, contract__municipalities=[haarlem]
        ),
    ]
    learners = [
        _learner(haarlem, route="B1_ROUTE"),
        _learner(haarlem, route="Z_ROUTE"),
        _learner(haarlem, route="ONDERWIJSROUTE"),
        _learner(haarlem, route=""),
        _learner(haarlem, target_group="GEZINSMIGRANT", route=""),
        _learner(haarlem, closed_at=timezone.now()),
        _learner(velsen),
    ]
    for learner in learners:
        expected = {
            lot.pk
            for lot in lots
            if referrals.referable_refusal(learner=learner, lot=lot, on=TODAY) is None
        }
        found = referrals.referable_lots(learner=learner, on=TODAY)
        assert sorted(found.values_list("pk", flat=True)) == sorted(expected), learner.route
    # B1 (Haarlem's and the shared one), brugklas, PVT and MAP; not the Velsen-only lot, the
    # inactive one, nor those of the ended or the lapsed contract.
    assert referrals.referable_lots(learner=learners[0], on=TODAY).count() == 5


def test_the_lot_choices_carry_places_left_and_the_lots_own_start_dates(
    haarlem, klantmanager, django_assert_num_queries
):
    offering = OfferingFactory()
    other_offering = OfferingFactory()
    b1 = LotFactory(capacity=2, contract__municipalities=[haarlem], offerings=[offering])
    pvt = LotFactory(
        component="PVT", contract__municipalities=[haarlem], offerings=[other_offering]
    )
    later = StartMomentFactory(offering=offering, starts_on=TODAY + datetime.timedelta(days=40))
    sooner = StartMomentFactory(offering=offering, starts_on=TODAY + datetime.timedelta(days=9))
    StartMomentFactory(offering=offering, seats=3, seats_taken=3)  # full
    StartMomentFactory(offering=offering, starts_on=TODAY)  # starts today: too late
    StartMomentFactory(offering=OfferingFactory(live=False))  # not published, no lot anyway
    pvt_date = StartMomentFactory(offering=other_offering)
    _sent(b1, klantmanager, haarlem)
    learner = _learner(haarlem)
    with django_assert_num_queries(3):
        choices = referrals.referral_lot_choices(learner=learner, on=TODAY)
    by_lot = {choice.lot.pk: choice for choice in choices}
    assert set(by_lot) == {b1.pk, pvt.pk}
    assert by_lot[b1.pk].capacity_left == 1 and not by_lot[b1.pk].full
    assert by_lot[b1.pk].start_dates == [sooner, later]
    assert by_lot[pvt.pk].start_dates == [pvt_date]
    _sent(b1, klantmanager, haarlem)
    assert referrals.referral_lot_choices(learner=learner, on=TODAY)[0].full


def test_the_learners_to_refer_are_the_users_open_cases_without_a_referral_in_progress(
    haarlem, velsen, klantmanager, lot
):
    colleague = UserFactory(role=Role.CASE_MANAGER, municipality=haarlem)
    waiting = _learner(haarlem, klantmanager=klantmanager, last_name="Wacht")
    referred = _learner(haarlem, klantmanager=klantmanager, last_name="Verwezen")
    referrals.referral_create(learner=referred, lot=lot, actor=klantmanager)
    declined_once = _learner(haarlem, klantmanager=klantmanager, last_name="Opnieuw")
    referral = _sent(lot, klantmanager, haarlem)
    Learner.objects.filter(pk=referral.learner_id).update(
        klantmanager=klantmanager, last_name="Afgewezen"
    )
    referrals.referral_decline(
        referral=referral, actor=provider_staff(lot.contract.provider), reason="Full"
    )
    _learner(haarlem, klantmanager=klantmanager, last_name="Dicht", closed_at=timezone.now())
    theirs = _learner(haarlem, klantmanager=colleague, last_name="Collega")
    _learner(velsen, last_name="Elders")

    def names(**kwargs) -> list[str]:
        found = referrals.referral_learners(user=klantmanager, **kwargs)
        return [learner.last_name for learner in found]

    assert names() == ["Afgewezen", "Opnieuw", "Wacht"]
    assert names(mine=False) == ["Afgewezen", "Collega", "Opnieuw", "Wacht"]
    assert names(in_progress=True) == ["Afgewezen", "Opnieuw", "Verwezen", "Wacht"]
    assert names(search="wac") == ["Wacht"]
    assert names(search="amal opn") == ["Opnieuw"]
    Learner.objects.filter(pk=waiting.pk).update(client_number="HLM-42")
    assert names(search="hlm-42") == ["Wacht"]
    assert names(search="elders", mine=False) == []
    assert theirs.pk and declined_once.pk
    assert referrals.referral_learners(user=provider_staff(lot.contract.provider)).count() == 0
