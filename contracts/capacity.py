"""Lot capacity: the one place where a placement is counted against a lot's period, or given back.

Each lot has one ``LotPeriodUse`` row per capacity period it was used in. ``used`` changes only by a
conditional ``UPDATE`` (``used < capacity + overrides``), backed by the check constraint
``lotperioduse_used_within_capacity``, so parallel referrals for the last places can never go over
the capacity. Going over needs a contract manager's recorded override, which raises the period's
allowance by one place in the same statement that takes it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from contracts.contracting import lot_period
from contracts.models import Lot, LotPeriodUse
from contracts.refusals import ReferralRefused


class LotFull(ReferralRefused):
    """The lot's capacity for the period starting ``period_start`` is used up.

    The one exception for this condition: ``referral_send`` lets it through as it is (it is also
    ``referrals.LotFull``), so its message is for the person, beside the lot field.
    """

    def __init__(self, *, lot: Lot, period_start: datetime.date) -> None:
        super().__init__(
            _(
                "The lot's capacity for this period is used up. A contract manager can refer "
                "over capacity, with a reason."
            ),
            field="lot",
        )
        self.lot = lot
        self.period_start = period_start


def period_use_for(*, lot: Lot, on: datetime.date) -> LotPeriodUse:
    """The lot's row for the capacity period containing ``on``, made on first use."""
    start, end = lot_period(lot=lot, on=on)
    use, _created = LotPeriodUse.objects.get_or_create(
        lot=lot,
        period_start=start,
        defaults={"period_end": end, "capacity": lot.capacity},
    )
    return use


def capacity_left(*, lot: Lot, on: datetime.date) -> int:
    return capacity_left_per_lot(lots=[lot], on=on)[lot.pk]


def capacity_left_per_lot(*, lots: Iterable[Lot], on: datetime.date) -> dict[int, int]:
    """``capacity_left`` of each lot (by id) in one query: the places left in each lot's own
    capacity period containing ``on`` (a period not used yet has the lot's whole capacity)."""
    lots = list(lots)
    if not lots:
        return {}
    periods = Q()
    for lot in lots:
        periods |= Q(lot_id=lot.pk, period_start=lot_period(lot=lot, on=on)[0])
    uses = {use.lot_id: use for use in LotPeriodUse.objects.filter(periods)}
    left = {}
    for lot in lots:
        use = uses.get(lot.pk)
        left[lot.pk] = (
            lot.capacity if use is None else max(use.capacity + use.overrides - use.used, 0)
        )
    return left


def capacity_take(*, lot: Lot, on: datetime.date, override: bool = False) -> LotPeriodUse:
    """Count one placement in the period containing ``on``, or raise ``LotFull``.

    With ``override`` (a contract manager's decision, recorded by the caller) a full period gets
    one more place instead. Nothing changes when it raises.
    """
    use = period_use_for(lot=lot, on=on)
    with transaction.atomic():
        taken = LotPeriodUse.objects.filter(
            pk=use.pk, used__lt=F("capacity") + F("overrides")
        ).update(used=F("used") + 1)
        if not taken:
            if not override:
                raise LotFull(lot=lot, period_start=use.period_start)
            LotPeriodUse.objects.filter(pk=use.pk).update(
                overrides=F("overrides") + 1, used=F("used") + 1
            )
    use.refresh_from_db()
    return use


def capacity_release(*, period_use: LotPeriodUse) -> None:
    """Give back one place (a referral declined or withdrawn before it started)."""
    LotPeriodUse.objects.filter(pk=period_use.pk, used__gt=0).update(used=F("used") - 1)


def lot_capacity_sync(*, lot: Lot, today: datetime.date) -> None:
    """After a lot's capacity changed: current and future periods get the new capacity, never
    below what they already used (the check constraint would refuse it)."""
    current_start = lot_period(lot=lot, on=today)[0]
    # One UPDATE, so a place taken meanwhile is counted (a read-then-write could undercut it).
    LotPeriodUse.objects.filter(lot=lot, period_start__gte=current_start).update(
        capacity=Greatest(Value(lot.capacity), F("used") - F("overrides"))
    )


def lot_placements_used(*, today: datetime.date) -> dict[int, int]:
    """Places used per lot id in the capacity period containing ``today``."""
    return {
        use.lot_id: use.used
        for use in LotPeriodUse.objects.filter(period_start__lte=today, period_end__gte=today)
    }
