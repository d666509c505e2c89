"""The rules of buying and cancelling a self-paid place, in one module.

- A start moment is for sale online when its offering is published, has a price, is open to
  gezinsmigranten, is of a component sold to them (not the brugklas, which is for statushouders
  only: ``providers.offerings.component_for_self_payers``), and its enrolment deadline (else its
  start date) has not passed.
- Paying by DUO loan is possible only for DUO-eligible offerings of a provider whose Keurmerk is
  valid that day (DUO pays only mark holders; ``providers.keurmerk``).
- Cancelling: within ``ENROLMENT_COOLING_OFF_DAYS`` (14) days of enrolling and before the start
  date, the whole price is refunded (the statutory cooling-off period for distance contracts);
  later, the provider's stated share (``late_refund_percent``, 0 by default). The 14 days are
  counted as the law counts them (art. 6:230o BW: for a service the period starts on the day
  after the contract), in whole days in the Netherlands: enrolling on 2 March at any hour, the
  learner may cancel until the end of 16 March (``cooling_off_last_day``).
- A learner holds seats on at most ``ENROLMENT_MAX_ACTIVE_HOLDS`` (3) start dates at a time, so one
  account cannot block a whole course (see ``active_holds``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.enrolments.models import Enrolment
from providers import keurmerk
from providers.models import Offering, StartMoment
from providers.offerings import component_for_self_payers
from providers.selectors import offering_is_published

if TYPE_CHECKING:
    from collections.abc import Sequence

    from portal.accounts.models import User


def last_enrolment_day(start_moment: StartMoment) -> datetime.date:
    """The last day to enrol (the rule is the start moment's own)."""
    return start_moment.last_enrolment_day


def sale_refusal(start_moment: StartMoment, *, today: datetime.date | None = None) -> str | None:
    """Why a learner cannot buy a place on this start moment, or None when they can."""
    today = today or timezone.localdate()
    if refusal := offering_sale_refusal(start_moment.offering):
        return refusal
    if today > last_enrolment_day(start_moment):
        return _("Enrolment for this start date has closed.")
    return None


def offering_sale_refusal(offering: Offering) -> str | None:
    """Why no start date of this offering can be bought online, whatever its dates, or None
    (a start date can still have closed: ``sale_refusal``)."""
    if not offering_is_published(offering):
        return _("This course is not offered at the moment.")
    if not component_for_self_payers(offering.component):
        return _(
            "%(component)s is only for statushouders: it cannot be bought by self-paying learners."
        ) % {"component": offering.get_component_display()}
    if offering.price_cents is None:
        return _("This course cannot be bought: the provider has not set a price for self-payers.")
    if not offering.for_gezinsmigranten:
        return _("This course is not open to self-paying learners.")
    return None


def active_holds(*, user: User, now: datetime.datetime | None = None) -> QuerySet[Enrolment]:
    """The learner's seats taken but not bought, oldest first; what the hold limit counts.

    - A held place counts until its hold ends (``hold_expires_at``); one whose time has passed
      does not, even before the clock job has expired it: its seat is free for others already.
    - A seat offered from the waiting list is a held place like any other: the learner pays for
      it or gives it up, and it blocks a seat for others for ``WAITING_LIST_HOLD_HOURS``.
    - A place awaiting a delayed payment (SEPA) counts until the money arrives or the debit fails:
      the seat is kept for days with no money in, so leaving it out would let one account stack
      unpaid seats; a learner paying by SEPA can still hold the remaining ones.

    Confirmed places (paid, or the DUO loan) are bought, not held, and never count.
    """
    now = now or timezone.now()
    return (
        Enrolment.objects.filter(user_id=user.pk)
        .filter(
            Q(state=Enrolment.State.HELD, hold_expires_at__gt=now)
            | Q(state=Enrolment.State.AWAITING_PAYMENT)
        )
        .order_by("created_at", "pk")
    )


def hold_limit_refusal(holds: Sequence[Enrolment]) -> str | None:
    """Why the learner with these ``active_holds`` cannot hold another seat, or None.

    The message says how to make room: pay for or give up a held place, or wait for the first
    hold to end.
    """
    limit = settings.ENROLMENT_MAX_ACTIVE_HOLDS
    if len(holds) < limit:
        return None
    sentences = [
        ngettext(
            "You already hold a seat on %(count)d start date.",
            "You already hold seats on %(count)d start dates.",
            len(holds),
        )
        % {"count": len(holds)},
        ngettext(
            "You can hold a seat on at most %(limit)d start date at a time.",
            "You can hold seats on at most %(limit)d start dates at a time.",
            limit,
        )
        % {"limit": limit},
    ]
    hold_ends = [
        hold.hold_expires_at
        for hold in holds
        if hold.state == Enrolment.State.HELD and hold.hold_expires_at is not None
    ]
    if hold_ends:
        sentences.append(
            _(
                "To hold another seat, first pay for one of them or give it up, or wait until "
                "%(time)s, when your first hold ends."
            )
            % {"time": date_format(timezone.localtime(min(hold_ends)), "j F, H:i")}
        )
    else:
        sentences.append(
            _(
                "Your payments are still being processed. You can hold another seat as soon as "
                "one of them has been confirmed."
            )
        )
    return " ".join(sentences)


def duo_loan_refusal(enrolment: Enrolment, *, on: datetime.date | None = None) -> str | None:
    """Why this place cannot be paid with a DUO loan ``on`` that day (today), or None.

    The stored ``duo_loan_eligible`` says the provider takes the loan; DUO pays only schools whose
    Keurmerk Inburgeren is valid, so a mark that lapsed since rules it out as well.
    """
    offering = enrolment.start_moment.offering
    if not offering.duo_loan_eligible:
        return _("This course cannot be paid with a DUO loan.")
    provider = offering.provider
    if not keurmerk.is_valid(
        status=provider.keurmerk_status, valid_until=provider.keurmerk_valid_until, on=on
    ):
        return _(
            "This course cannot be paid with a DUO loan: DUO only pays schools with a valid "
            "Keurmerk Inburgeren, and %(provider)s has none that is valid today."
        ) % {"provider": provider.name}
    return None


def duo_loan_possible(enrolment: Enrolment, *, on: datetime.date | None = None) -> bool:
    return duo_loan_refusal(enrolment, on=on) is None


def cooling_off_last_day(enrolment: Enrolment) -> datetime.date:
    """The last day of the cooling-off period: the 14th day after the day of enrolling (in the
    Netherlands), to its end."""
    enrolled_on = timezone.localdate(enrolment.created_at)
    return enrolled_on + datetime.timedelta(days=settings.ENROLMENT_COOLING_OFF_DAYS)


def in_cooling_off(enrolment: Enrolment, *, now: datetime.datetime | None = None) -> bool:
    """Cancelling at ``now`` refunds the whole price: within the cooling-off period and before
    the start date."""
    today = timezone.localdate(now or timezone.now())
    return today <= cooling_off_last_day(enrolment) and today < enrolment.starts_on


@dataclass(frozen=True)
class CancellationQuote:
    """What cancelling now means for the learner."""

    full_refund: bool
    refund_cents: int
    paid_cents: int


def cancellation_quote(
    enrolment: Enrolment, *, now: datetime.datetime | None = None
) -> CancellationQuote:
    """The refund for cancelling ``enrolment`` at ``now``; nothing is refunded for unpaid places
    (DUO loan or not yet paid)."""
    now = now or timezone.now()
    paid = enrolment.price_cents if _paid_online(enrolment) else 0
    if in_cooling_off(enrolment, now=now):
        return CancellationQuote(full_refund=True, refund_cents=paid, paid_cents=paid)
    refund = paid * enrolment.late_refund_percent // 100
    return CancellationQuote(full_refund=refund == paid, refund_cents=refund, paid_cents=paid)


# The places a learner can cancel online: held or confirmed (one awaiting a payment waits for it).
CANCELLABLE_STATES: frozenset[str] = frozenset({Enrolment.State.HELD, Enrolment.State.CONFIRMED})
# The places given up: cancelled, and perhaps refunded since.
GIVEN_UP_STATES: frozenset[str] = frozenset({Enrolment.State.CANCELLED, Enrolment.State.REFUNDED})


def cancellation_refusal(enrolment: Enrolment) -> str | None:
    """Why the learner cannot cancel online now, or None."""
    if enrolment.state == Enrolment.State.AWAITING_PAYMENT:
        return _(
            "Your payment is still being processed. You can cancel once it has been confirmed."
        )
    if enrolment.state not in CANCELLABLE_STATES:
        return _("This enrolment can no longer be cancelled.")
    if timezone.localdate() > enrolment.start_moment.ends_on:
        return _("This course has ended.")
    return None


def _paid_online(enrolment: Enrolment) -> bool:
    return (
        enrolment.state == Enrolment.State.CONFIRMED
        and enrolment.payment_method == Enrolment.PaymentMethod.STRIPE
    )
