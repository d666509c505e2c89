"""The enrolment state machine: the allowed transitions, and the one function that makes one.

    held ──► awaiting payment (delayed method) ──► confirmed ──► cancelled ──► refunded
      │            │                                   ▲             ▲
      ├────────────┴──► expired (hold lapsed, payment failed) ───────┤ (a late payment: kept, or
      └──► confirmed (paid, or DUO loan)                             │  refunded when the seat went)
      └──► cancelled (given up, or refunded from Stripe's dashboard)

Every change is recorded as an ``EnrolmentTransition`` (from, to, actor, reason, time); a change
the table does not allow raises ``IllegalTransition`` and changes nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.enrolments.models import Enrolment, EnrolmentTransition

State = Enrolment.State

TRANSITIONS: dict[str, frozenset[str]] = {
    State.HELD: frozenset(
        {State.AWAITING_PAYMENT, State.CONFIRMED, State.CANCELLED, State.EXPIRED}
    ),
    State.AWAITING_PAYMENT: frozenset({State.CONFIRMED, State.EXPIRED, State.CANCELLED}),
    State.CONFIRMED: frozenset({State.CANCELLED}),
    State.CANCELLED: frozenset({State.REFUNDED}),
    # A payment can still arrive for a lapsed hold: it is kept if a seat is free, else refunded.
    State.EXPIRED: frozenset({State.AWAITING_PAYMENT, State.CONFIRMED, State.CANCELLED}),
    State.REFUNDED: frozenset(),
}


class IllegalTransition(Exception):
    def __init__(self, enrolment: Enrolment, to_state: str) -> None:
        self.message = _("An enrolment that is %(state)s cannot become %(to)s.") % {
            "state": State(enrolment.state).label.lower(),
            "to": State(to_state).label.lower(),
        }
        super().__init__(self.message)


def may_become(enrolment: Enrolment, to_state: str) -> bool:
    return to_state in TRANSITIONS[enrolment.state]


def enrolment_transition(
    *,
    enrolment: Enrolment,
    to_state: str,
    actor: User | None = None,
    reason: str = "",
    **changes: object,
) -> Enrolment:
    """Move ``enrolment`` to ``to_state`` with ``changes`` to its other fields, saved together
    with the record of the change. Call it inside the caller's transaction, with the row locked."""
    if not may_become(enrolment, to_state):
        raise IllegalTransition(enrolment, to_state)
    EnrolmentTransition.record_move(
        enrolment, to_state=to_state, actor=actor, reason=reason, **changes
    )
    return enrolment


def enrolment_created(*, enrolment: Enrolment, actor: User | None, reason: str) -> None:
    EnrolmentTransition.record_start(enrolment, actor=actor, reason=reason)


def holds_lapsed(*, enrolments: QuerySet[Enrolment], reason: str) -> int:
    """Mark held enrolments whose seats the seat module released as expired, in bulk."""
    ids = list(enrolments.filter(state=State.HELD).values_list("pk", flat=True))
    Enrolment.objects.filter(pk__in=ids).update(state=State.EXPIRED)
    EnrolmentTransition.objects.bulk_create(
        EnrolmentTransition(
            enrolment_id=pk, from_state=State.HELD, to_state=State.EXPIRED, reason=reason
        )
        for pk in ids
    )
    return len(ids)
