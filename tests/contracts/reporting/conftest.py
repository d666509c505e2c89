"""Fixtures of the figures' tests: the ``world`` of referrals and the self-paid ``market``
(described in ``world``)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

from contracts.models import CapacityPeriod, ExamResult, MonthlyAttendance
from portal.enrolments.models import Enrolment, WaitingListEntry
from portal.payments.models import Payment
from tests.contracts.factories import ContractFactory, LotFactory, MunicipalityFactory
from tests.contracts.reporting.world import D, State, _at, _enrolment, _payment, _referral, _use
from tests.enrolments.factories import learner, start_moment_for_sale
from tests.providers.factories import ProviderFactory


@pytest.fixture
def world():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    alfa = ProviderFactory(name="Alfa Taal")
    beta = ProviderFactory(name="Beta Steun", kind="SUPPORT")
    contract_a = ContractFactory(
        provider=alfa,
        reference="RIJZK-A",
        starts_on=D(2025, 1, 1),
        ends_on=D(2027, 12, 31),
        municipalities=[haarlem, velsen],
    )
    contract_b = ContractFactory(
        provider=beta,
        reference="RIJZK-B",
        starts_on=D(2025, 1, 1),
        ends_on=D(2026, 8, 31),
        municipalities=[haarlem],
    )
    lot_a = LotFactory(contract=contract_a, component="B1_ROUTE", capacity=10)
    lot_b = LotFactory(
        contract=contract_b, component="PVT", capacity=1, capacity_period=CapacityPeriod.QUARTER
    )
    use_a = _use(lot_a, D(2026, 1, 1), D(2026, 12, 31), used=5)
    use_b = _use(lot_b, D(2026, 4, 1), D(2026, 6, 30), used=1)
    use_b_2025 = _use(lot_b, D(2025, 10, 1), D(2025, 12, 31), used=1)

    r = {}
    r[1] = _referral(
        lot_a, haarlem, state=State.COMPLETED, answer_due=D(2026, 3, 4), accepted=D(2026, 3, 4),
        start_due=D(2026, 4, 1), started=D(2026, 3, 16), ended=D(2026, 5, 29), use=use_a,
    )  # fmt: skip
    r[2] = _referral(
        lot_a, haarlem, state=State.STOPPED, accepted=D(2026, 3, 10), start_due=D(2026, 3, 31),
        started=D(2026, 4, 1), ended=D(2026, 5, 1), use=use_a,
    )  # fmt: skip
    r[3] = _referral(lot_a, haarlem, state=State.DECLINED, declined=D(2026, 3, 12), use=use_a)
    r[4] = _referral(lot_a, haarlem, state=State.SENT, use=use_a)
    r[5] = _referral(
        lot_a, haarlem, state=State.ACCEPTED, accepted=D(2026, 3, 3), start_due=D(2026, 3, 31),
        use=use_a,
    )  # fmt: skip
    r[6] = _referral(lot_a, haarlem, state=State.WITHDRAWN, withdrawn=D(2026, 3, 5), use=use_a)
    r[7] = _referral(
        lot_a, velsen, state=State.STARTED, sent=D(2026, 4, 1), answer_due=D(2026, 4, 8),
        accepted=D(2026, 4, 2), start_due=D(2026, 4, 10), started=D(2026, 4, 10), use=use_a,
    )  # fmt: skip
    r[8] = _referral(
        lot_b, haarlem, state=State.ACCEPTED, sent=D(2026, 5, 4), answer_due=D(2026, 5, 11),
        accepted=D(2026, 5, 5), start_due=D(2026, 6, 2), use=use_b,
    )  # fmt: skip
    r[9] = _referral(
        lot_b, haarlem, state=State.COMPLETED, sent=D(2025, 12, 1), answer_due=D(2025, 12, 8),
        accepted=D(2025, 12, 2), start_due=D(2025, 12, 30), started=D(2025, 12, 10),
        ended=D(2026, 1, 31), use=use_b_2025,
    )  # fmt: skip
    r[10] = _referral(lot_a, haarlem, state=State.DRAFT, sent=None)

    for referral, month, offered, attended in (
        (r[1], D(2026, 3, 1), 20, 15),
        (r[1], D(2026, 4, 1), 40, 30),
        (r[2], D(2026, 4, 1), 40, 20),
        (r[7], D(2026, 4, 1), 10, 10),
        (r[7], D(2026, 5, 1), 12, 9),
        (r[9], D(2025, 12, 1), 8, 8),
        (r[9], D(2026, 1, 1), "16", "12.5"),
    ):
        MonthlyAttendance.objects.create(
            referral=referral,
            month=month,
            hours_offered=Decimal(offered),
            hours_attended=Decimal(attended),
        )
    for exam, passed, day in (
        ("READING", True, D(2026, 5, 20)),
        ("KNM", False, D(2026, 5, 21)),
        ("KNM", True, D(2026, 5, 28)),
    ):
        ExamResult.objects.create(referral=r[1], exam=exam, level="B1", passed=passed, taken_on=day)
    return SimpleNamespace(
        haarlem=haarlem,
        velsen=velsen,
        alfa=alfa,
        beta=beta,
        contract_a=contract_a,
        contract_b=contract_b,
        lot_a=lot_a,
        lot_b=lot_b,
        referrals=r,
    )


@pytest.fixture
def market():
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    gamma = start_moment_for_sale(seats=10, price_cents=125_000, duo_loan_eligible=True)
    gamma.offering.provider.name = "Gamma Taal"
    gamma.offering.provider.save()
    delta = start_moment_for_sale(seats=10, price_cents=90_000)
    delta.offering.provider.name = "Delta Taal"
    delta.offering.provider.save()
    delta.location.municipality = velsen
    delta.location.save()
    confirmed = Enrolment.State.CONFIRMED

    e1 = _enrolment(gamma, state=confirmed, confirmed_at=_at(D(2026, 3, 10)))
    _payment(e1, amount=125_000, paid=D(2026, 3, 10))
    e2 = _enrolment(
        gamma,
        state=Enrolment.State.REFUNDED,
        confirmed_at=_at(D(2026, 3, 20)),
        cancelled_at=_at(D(2026, 4, 2)),
    )
    _payment(
        e2,
        amount=125_000,
        paid=D(2026, 3, 20),
        status=Payment.Status.REFUNDED,
        amount_refunded_cents=125_000,
        refunded_at=_at(D(2026, 4, 3)),
    )
    _enrolment(
        gamma,
        state=confirmed,
        confirmed_at=_at(D(2026, 4, 5)),
        payment_method=Enrolment.PaymentMethod.DUO_LOAN,
    )
    _enrolment(gamma, state=Enrolment.State.CANCELLED, cancelled_at=_at(D(2026, 4, 6)))
    _enrolment(gamma, state=Enrolment.State.EXPIRED)
    for day, state in (
        (D(2026, 4, 7), WaitingListEntry.State.WAITING),
        (D(2026, 4, 8), WaitingListEntry.State.LEFT),
    ):
        entry = WaitingListEntry.objects.create(user=learner(), start_moment=gamma, state=state)
        WaitingListEntry.objects.filter(pk=entry.pk).update(created_at=_at(day))
    e6 = _enrolment(delta, state=confirmed, confirmed_at=_at(D(2026, 5, 1)))
    _payment(e6, amount=90_000, paid=D(2026, 5, 1))
    return SimpleNamespace(haarlem=haarlem, velsen=velsen, gamma=gamma, delta=delta)
