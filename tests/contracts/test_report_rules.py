"""The rules the reports count with, each in one place and in two forms (Python for one object,
a queryset condition for the reports): both forms must agree (contracts.referrals,
contracts.contracting)."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone, translation

from contracts import contracting, referrals
from contracts.models import Learner, LotPeriodUse, Referral, ReferralState, ReferralTransition
from tests.contracts.factories import ContractFactory, LotFactory
from tests.portal.factories import provider_staff

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
State = ReferralState
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def lot(haarlem):
    return LotFactory(capacity=20, contract__municipalities=[haarlem])


@pytest.fixture
def staff(lot):
    return provider_staff(lot.contract.provider)


def _sent(lot, klantmanager, haarlem) -> Referral:
    learner = Learner.objects.create(
        municipality=haarlem,
        first_name="Amal",
        last_name="Test",
        date_of_birth=D(1990, 5, 1),
        target_group="STATUSHOUDER",
        pip_date=TODAY - datetime.timedelta(days=10),
        route="B1_ROUTE",
    )
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    return referrals.referral_send(referral=referral, actor=klantmanager)


def test_the_referrals_counted_against_capacity_are_the_places_the_lot_used(
    lot, klantmanager, staff, haarlem
):
    flows = {
        "sent": lambda r: r,
        "accepted": lambda r: referrals.referral_accept(referral=r, actor=staff),
        "declined": lambda r: referrals.referral_decline(referral=r, actor=staff, reason="vol"),
        "withdrawn": lambda r: referrals.referral_withdraw(
            referral=r, actor=klantmanager, reason="moved"
        ),
        "withdrawn_after_accepting": lambda r: referrals.referral_withdraw(
            referral=referrals.referral_accept(referral=r, actor=staff),
            actor=klantmanager,
            reason="moved",
        ),
        "completed": lambda r: referrals.referral_end(
            referral=referrals.referral_start(
                referral=referrals.referral_accept(referral=r, actor=staff),
                actor=staff,
                started_on=TODAY,
            ),
            actor=staff,
            completed=True,
            ended_on=TODAY,
        ),
        "stopped": lambda r: referrals.referral_end(
            referral=referrals.referral_start(
                referral=referrals.referral_accept(referral=r, actor=staff),
                actor=staff,
                started_on=TODAY,
            ),
            actor=staff,
            completed=False,
            ended_on=TODAY,
            reason="ill",
        ),
    }
    for flow in flows.values():
        flow(_sent(lot, klantmanager, haarlem))
    referrals.referral_create(
        learner=Learner.objects.first(), lot=lot, actor=klantmanager
    )  # a draft takes no place

    counted = Referral.objects.filter(state__in=referrals.COUNTS_AGAINST_CAPACITY).count()
    assert counted == LotPeriodUse.objects.get(lot=lot).used == 4


def _referral(lot, haarlem, **fields) -> Referral:
    learner = Learner.objects.create(
        municipality=haarlem,
        first_name="Amal",
        last_name="Test",
        date_of_birth=D(1990, 5, 1),
        target_group="STATUSHOUDER",
    )
    return Referral.objects.create(learner=learner, lot=lot, **fields)


def test_the_overdue_conditions_agree_with_referral_sla(lot, haarlem):
    due = D(2026, 3, 9)
    made = []
    for state, answer_due, start_due in itertools.product(State.values, (None, due), (None, due)):
        made.append(
            _referral(lot, haarlem, state=state, answer_due=answer_due, start_due=start_due)
        )
    for today in (due - datetime.timedelta(days=1), due, due + datetime.timedelta(days=1)):
        rules = referrals.referral_sla_conditions(today=today)
        for name in ("answer_overdue", "start_overdue"):
            in_sql = set(Referral.objects.filter(getattr(rules, name)).values_list("pk", flat=True))
            in_python = {
                r.pk for r in made if getattr(referrals.referral_sla(r, today=today), name)
            }
            assert in_sql == in_python, (name, today)
    late = referrals.referral_sla_conditions(today=due + datetime.timedelta(days=1))
    # Sent with an answer due, and accepted with a start due (each with and without the other).
    assert Referral.objects.filter(late.answer_overdue).count() == 2
    assert Referral.objects.filter(late.start_overdue).count() == 2


def _local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_late_answers_and_late_starts_agree_in_both_forms(lot, haarlem):
    due = D(2026, 3, 9)
    # The answer's day is the day in Amsterdam: 23:30 on the due day is on time although UTC
    # says 22:30; 00:30 the next day is late although UTC still says the due day.
    answers = {
        "accepted late evening on the due day": (State.ACCEPTED, _local(due, 23, 30)),
        "accepted just after midnight": (State.ACCEPTED, _local(due + DAY, 0, 30)),
        "accepted, later withdrawn": (State.WITHDRAWN, _local(due + 2 * DAY, 10)),
        "declined a day early": (State.DECLINED, _local(due - DAY, 10)),
        "declined just after midnight": (State.DECLINED, _local(due + DAY, 0, 30)),
        "declined a week late": (State.DECLINED, _local(due + 7 * DAY, 10)),
    }
    made = {}
    for name, (state, at) in answers.items():
        accepted = state != State.DECLINED
        referral = _referral(
            lot, haarlem, state=state, answer_due=due, accepted_at=at if accepted else None
        )
        if not accepted:
            transition = ReferralTransition.objects.create(
                referral=referral, from_state=State.SENT, to_state=State.DECLINED
            )
            ReferralTransition.objects.filter(pk=transition.pk).update(at=at)
        made[name] = referral
    unanswered = _referral(lot, haarlem, state=State.WITHDRAWN, answer_due=due)
    ReferralTransition.objects.create(
        referral=unanswered, from_state=State.SENT, to_state=State.WITHDRAWN
    )
    starts = {"on the due day": due, "a day late": due + DAY, "not yet": None}
    for name, started_on in starts.items():
        made[f"start {name}"] = _referral(
            lot,
            haarlem,
            state=State.STARTED if started_on else State.ACCEPTED,
            start_due=due,
            started_on=started_on,
        )

    history = {r.pk: referrals.referral_sla_history(r) for r in Referral.objects.all()}
    rules = referrals.referral_sla_conditions(today=due)
    answered_late = set(
        Referral.objects.filter(rules.accepted_late).values_list("pk", flat=True)
    ) | set(
        referrals.referral_declines()
        .filter(rules.declined_late)
        .values_list("referral_id", flat=True)
    )
    started_late = set(Referral.objects.filter(rules.started_late).values_list("pk", flat=True))

    assert answered_late == {pk for pk, h in history.items() if h.answered_late}
    assert started_late == {pk for pk, h in history.items() if h.started_late}
    assert answered_late == {
        made[name].pk
        for name in (
            "accepted just after midnight",
            "accepted, later withdrawn",
            "declined just after midnight",
            "declined a week late",
        )
    }
    assert started_late == {made["start a day late"].pk}
    assert {pk for pk, h in history.items() if h.answered_on} == {made[name].pk for name in answers}
    assert history[made["declined a day early"].pk].answered_on == due - DAY
    assert history[unanswered.pk].answered_on is None


@pytest.mark.parametrize(("used", "listed"), [(7, False), (8, True), (12, True)])
def test_the_reports_and_the_start_page_share_the_80_percent_rule(used, listed):
    lot = LotFactory(
        capacity=10,
        contract=ContractFactory(
            starts_on=TODAY - datetime.timedelta(days=30),
            ends_on=TODAY + datetime.timedelta(days=365),
        ),
    )
    on_start_page = bool(contracting.lots_above_threshold(today=TODAY, used={lot.pk: used}))
    assert contracting.utilisation_reaches_threshold(used=used, capacity=10) is listed
    assert on_start_page is listed
