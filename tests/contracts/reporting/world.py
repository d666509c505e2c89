"""The small data the tests of the contract manager's figures (contracts.reporting) check by
hand, and the helpers they share; the fixtures ``world`` and ``market`` are in ``conftest``.

"Today" is Monday 15 June 2026 unless a test says otherwise. Two providers:

* Alfa Taal, contract RIJZK-A (2025 to 2027, Haarlem and Velsen), lot A: B1-route, 10 a year;
* Beta Steun, contract RIJZK-B (2025 to 31 August 2026, Haarlem), lot B: PVT, 1 a quarter.

Referrals (sent on Monday 2 March 2026, answer due 9 March, unless said otherwise):

==== ==== ======== ============================================================================
ref  lot  learner  what happened
==== ==== ======== ============================================================================
r1   A    Haarlem  answer due 4 March, accepted 4 March (2 days), start due 1 April, started 16
                   March (14 days), completed 29 May
r2   A    Haarlem  accepted 10 March (8 days, late), start due 31 March, started 1 April (30
                   days, late), stopped 1 May
r3   A    Haarlem  declined 12 March (late)
r4   A    Haarlem  still unanswered (overdue)
r5   A    Haarlem  accepted 3 March (1 day), start due 31 March, not started (overdue)
r6   A    Haarlem  withdrawn 5 March, unanswered
r7   A    Velsen   sent 1 April, answer due 8 April, accepted 2 April (1 day), start due 10
                   April, started 10 April (9 days)
r8   B    Haarlem  sent 4 May, answer due 11 May, accepted 5 May (1 day), start due 2 June, not
                   started (overdue from 3 June)
r9   B    Haarlem  sent 1 December 2025, answer due 8 December, accepted 2 December (1 day),
                   start due 30 December, started 10 December (9 days), completed 31 January 2026
r10  A    Haarlem  a draft, never sent
==== ==== ======== ============================================================================

Lot A counted 5 places in 2026 (r1, r2, r4, r5, r7; r3 and r6 gave theirs back), lot B 1 in the
second quarter of 2026 (r8) and 1 in the fourth of 2025 (r9).
"""

from __future__ import annotations

import datetime

import pandas as pd
from django.utils import timezone

from contracts.models import LotPeriodUse, Referral, ReferralState, ReferralTransition
from contracts.reporting import ReportFilter
from portal.enrolments.models import Enrolment
from portal.payments.models import Payment
from tests.contracts.factories import LearnerFactory
from tests.enrolments.factories import held_enrolment, learner

D = datetime.date
State = ReferralState
TODAY = D(2026, 6, 15)
SENT_ON, ANSWER_DUE = D(2026, 3, 2), D(2026, 3, 9)
YEAR_2026 = ReportFilter(date_from=D(2026, 1, 1), date_until=D(2026, 12, 31))


def _at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _transition(referral, from_state, to_state, day):
    made = ReferralTransition.objects.create(
        referral=referral, from_state=from_state, to_state=to_state
    )
    ReferralTransition.objects.filter(pk=made.pk).update(at=_at(day))


def _referral(
    lot,
    municipality,
    *,
    state,
    sent=SENT_ON,
    answer_due=ANSWER_DUE,
    accepted=None,
    declined=None,
    withdrawn=None,
    start_due=None,
    started=None,
    ended=None,
    use=None,
):
    referral = Referral.objects.create(
        learner=LearnerFactory(municipality=municipality),
        lot=lot,
        state=state,
        sent_at=_at(sent) if sent else None,
        answer_due=answer_due if sent else None,
        accepted_at=_at(accepted) if accepted else None,
        start_due=start_due,
        started_on=started,
        ended_on=ended,
        period_use=use,
    )
    for day, to_state in ((accepted, State.ACCEPTED), (declined, State.DECLINED)):
        if day:
            _transition(referral, State.SENT, to_state, day)
    if withdrawn:
        _transition(referral, State.SENT, State.WITHDRAWN, withdrawn)
    if started:
        _transition(referral, State.ACCEPTED, State.STARTED, started)
    return referral


def _use(lot, start, end, used):
    return LotPeriodUse.objects.create(
        lot=lot, period_start=start, period_end=end, capacity=lot.capacity, used=used
    )


def _by_provider(frame: pd.DataFrame, columns) -> dict:
    """{provider name: (column values…)}; the total row is under "All providers"."""
    return {
        row["provider_name"]: tuple(row[column] for column in columns)
        for _index, row in frame.iterrows()
    }


def _value_type(value: object) -> type:
    """The type of an expected value; for ``pytest.approx(x)``, the type of ``x``."""
    return type(getattr(value, "expected", value))


def _assert_records(frame: pd.DataFrame, expected: list[dict]) -> None:
    """Every column of every row, by value and in order, against records written by hand.

    A column the code forgot to compute comes back from the reindex as NaN (or NA), and NaN
    equals nothing, so it fails here. The Python types are compared as well: ``5 == 5.0``, but a
    count that turned into a float would show as "5.0" in the exports.
    """
    assert expected, "write the expected rows; an empty frame is _assert_empty's"
    assert list(frame.columns) == list(expected[0])
    records = frame.to_dict("records")
    assert records == expected
    assert [{key: type(value) for key, value in row.items()} for row in records] == [
        {key: _value_type(value) for key, value in row.items()} for row in expected
    ]


def _assert_empty(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    """No rows, but the report's columns, each of dtype object as ``frames._frame`` makes them
    (the page and the exports still show the headers)."""
    assert frame.empty
    assert list(frame.columns) == list(columns)
    assert frame.dtypes.tolist() == [object] * len(columns)


def _rows(frame: pd.DataFrame, columns) -> list[tuple]:
    return [tuple(row) for row in frame[list(columns)].itertuples(index=False)]


def _enrolment(moment, **changes):
    enrolment = held_enrolment(moment, user=learner())
    Enrolment.objects.filter(pk=enrolment.pk).update(**changes)
    return enrolment


def _payment(enrolment, *, amount, paid, status=Payment.Status.PAID, **fields):
    return Payment.objects.create(
        enrolment=enrolment,
        checkout_session_id=f"cs_test_{enrolment.pk}",
        checkout_url="https://checkout.example/pay",
        amount_cents=amount,
        destination_account="acct_test",
        status=status,
        expires_at=_at(paid),
        paid_at=_at(paid),
        **fields,
    )
