"""Contracts and lots: the rules contract managers work by, in one module.

The admin (model ``clean()``, the forms, the start-page panel) and, later, the referral and
placement modules call these functions; none of them holds a rule of its own.

1. The Keurmerk rule (domain notes, "What gezinsmigranten use today"): municipalities may buy
   trajectories for statushouders only from language providers that hold a valid Blik op Werk
   Keurmerk Inburgeren; the onderwijsroute is supervised by the education inspectorate instead. A
   B1-route or Z-route lot cannot be made active without a valid mark (``lot_validate``), and an
   active one whose mark lapsed, or lapses before the contract ends, is flagged
   (``lots_with_keurmerk_at_risk``).
2. Contracts ending soon (``contracts_ending_soon``): the start page warns 90 days ahead, in time to
   use an extension option or to buy again.
3. Lot utilisation (``lots_above_threshold``): placements in the lot's current period against its
   capacity.
4. Periods and SLA deadlines (``lot_period``, ``working_days_after``, ``lot_answer_deadline``,
   ``lot_start_deadline``), which the referral module uses for its deadlines.
"""

from __future__ import annotations

import calendar
import datetime
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.models import CapacityPeriod, Contract, ContractStatus, Lot, LotStatus
from providers import keurmerk
from providers.choices import Component, KeurmerkStatus
from providers.models import Provider

KEURMERK_COMPONENTS = frozenset({Component.B1_ROUTE, Component.Z_ROUTE})
"""The components a municipality may buy only from holders of the Keurmerk Inburgeren.

Only the two learning routes that the mark covers. The onderwijsroute is supervised by the
education inspectorate, not by Blik op Werk. The brugklas is not a learning route but a six-week
orientation between the brede intake and the PIP (and not a legal duty); PVT and MAP are the
municipality's own modules, run by support and participation organisations that the mark does not
cover (Blik op Werk certifies integration schools); KNM and literacy are bought as part of a route.
So a brugklas, PVT, MAP, KNM or literacy lot is not refused for want of a mark, even when the same
language school delivers it.
"""

ENDING_SOON_DAYS = 90
UTILISATION_THRESHOLD = Decimal("0.8")
WORKING_DAYS = frozenset(range(5))  # Monday (0) to Friday (4)

# Contracts whose lots count: signed or about to be. Ended and terminated ones are history.
_OPEN_CONTRACT_STATUSES = (ContractStatus.DRAFT, ContractStatus.ACTIVE)


def _date(day: datetime.date) -> str:
    return date_format(day, "DATE_FORMAT")


# --- 1. The Keurmerk rule ---------------------------------------------------------------------


def component_needs_keurmerk(*, component: str) -> bool:
    return component in KEURMERK_COMPONENTS


def keurmerk_refusal(*, provider: Provider, component: str, on: datetime.date) -> str | None:
    """Why a lot for ``component`` may not be active with ``provider`` on ``on``; None if it may."""
    if not component_needs_keurmerk(component=component):
        return None
    if keurmerk.is_valid(
        status=provider.keurmerk_status, valid_until=provider.keurmerk_valid_until, on=on
    ):
        return None
    if provider.keurmerk_valid_until and provider.keurmerk_status != KeurmerkStatus.NONE:
        state = _("its quality mark expired on %(date)s") % {
            "date": _date(provider.keurmerk_valid_until)
        }
    else:
        state = _("it has no quality mark")
    return _(
        "This lot cannot be active: %(provider)s has no valid Keurmerk Inburgeren (%(state)s). "
        "Municipalities may buy B1-route and Z-route trajectories for statushouders only from "
        "holders of the mark. Save the lot as inactive until Blik op Werk's register shows a "
        "valid mark."
    ) % {"provider": provider.name, "state": state}


class KeurmerkRisk(enum.Enum):
    NO_MARK = _("No quality mark")
    EXPIRED = _("Quality mark expired")
    LAPSES_DURING_CONTRACT = _("Quality mark lapses before the contract ends")

    @property
    def label(self) -> str:
        return str(self.value)


@dataclass(frozen=True)
class KeurmerkFlag:
    """An active B1/Z lot whose provider's mark is not valid today or lapses during the contract."""

    lot: Lot
    risk: KeurmerkRisk
    valid_until: datetime.date | None

    @property
    def provider(self) -> Provider:
        return self.lot.contract.provider

    @property
    def reason(self) -> str:
        if self.risk == KeurmerkRisk.NO_MARK:
            return _("%(provider)s has no Keurmerk Inburgeren.") % {"provider": self.provider}
        if self.risk == KeurmerkRisk.EXPIRED:
            return _("The Keurmerk Inburgeren of %(provider)s expired on %(date)s.") % {
                "provider": self.provider,
                "date": _date(self.valid_until),
            }
        return _(
            "The Keurmerk Inburgeren of %(provider)s is valid until %(date)s; the contract runs "
            "until %(end)s."
        ) % {
            "provider": self.provider,
            "date": _date(self.valid_until),
            "end": _date(self.lot.contract.ends_on),
        }


def lots_with_keurmerk_at_risk(*, today: datetime.date) -> list[KeurmerkFlag]:
    """Active B1/Z lots of open contracts (draft or active, not yet ended) whose provider's mark is
    not valid ``today`` or expires before the contract's last day, each with the reason.

    A mark valid until the contract's last day itself is enough (it is valid on that day).
    """
    provider = "contract__provider__"
    lots = (
        Lot.objects.filter(
            status=LotStatus.ACTIVE,
            component__in=KEURMERK_COMPONENTS,
            contract__status__in=_OPEN_CONTRACT_STATUSES,
            contract__ends_on__gte=today,
        )
        .filter(
            ~keurmerk.valid_q(prefix=provider, on=today)
            | Q(contract__provider__keurmerk_valid_until__lt=F("contract__ends_on"))
        )
        .select_related("contract__provider")
        .order_by("contract__provider__keurmerk_valid_until", "contract__reference", "pk")
    )
    flags = []
    for lot in lots:
        mark = lot.contract.provider
        valid_until = mark.keurmerk_valid_until
        if not keurmerk.is_valid(status=mark.keurmerk_status, valid_until=valid_until, on=today):
            risk = (
                KeurmerkRisk.NO_MARK
                if mark.keurmerk_status == KeurmerkStatus.NONE
                else KeurmerkRisk.EXPIRED
            )
        else:
            risk = KeurmerkRisk.LAPSES_DURING_CONTRACT
        flags.append(KeurmerkFlag(lot=lot, risk=risk, valid_until=valid_until))
    return flags


# --- Validation (called by the models' clean()) -----------------------------------------------


def contract_validate(*, contract: Contract) -> None:
    """Raise ``ValidationError`` (per field) for a contract that may not be saved as it is."""
    errors: dict[str, str] = {}
    if contract.starts_on and contract.ends_on and contract.ends_on <= contract.starts_on:
        errors["ends_on"] = _("The end date must be after the start date.")
    if contract.pk and contract.provider_id:
        before = Contract.objects.filter(pk=contract.pk).values_list("provider_id", flat=True)
        previous_provider = before.first()
        if (
            previous_provider is not None
            and previous_provider != contract.provider_id
            and contract.lots.exists()
        ):
            errors["provider"] = _(
                "This contract already has lots, which referrals will point at: its provider "
                "cannot change. End or terminate it and make a new contract instead."
            )
    if errors:
        raise ValidationError(errors)


def lot_validate(*, lot: Lot, today: datetime.date | None = None) -> None:
    """Raise ``ValidationError`` (per field) for a lot that may not be saved as it is.

    The Keurmerk rule is checked when a lot *becomes* an active B1/Z lot (new, reactivated, or its
    component changed): a lot that was active before its provider's mark lapsed can still be edited
    (its tariff, say); ``lots_with_keurmerk_at_risk`` flags it on the start page.
    """
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    if lot.component == Component.ONDERWIJSROUTE and not lot.education_level:
        errors["education_level"] = _(
            "Choose the level this education route prepares for (MBO 2, 3, 4, HBO or WO)."
        )
    elif lot.component and lot.component != Component.ONDERWIJSROUTE and lot.education_level:
        errors["education_level"] = _("Only an education-route lot has a level; leave it empty.")

    previous = None
    if lot.pk:
        previous = (
            Lot.objects.filter(pk=lot.pk).values("contract_id", "status", "component").first()
        )
    if previous and lot.contract_id and previous["contract_id"] != lot.contract_id:
        errors["contract"] = _("A lot stays with the contract it was made for.")

    contract = lot.contract if lot.contract_id else None
    if contract is not None and lot.status == LotStatus.ACTIVE:
        was_active_keurmerk_lot = (
            previous is not None
            and previous["status"] == LotStatus.ACTIVE
            and component_needs_keurmerk(component=previous["component"])
        )
        if not was_active_keurmerk_lot:
            refusal = keurmerk_refusal(
                provider=contract.provider, component=lot.component, on=today
            )
            if refusal:
                errors["status"] = refusal

    if contract is not None:
        wrong = _offerings_not_delivering(lot=lot, offerings=lot.offerings.all())
        if wrong:
            errors["offerings"] = _(
                "Choose courses of %(provider)s in this lot's component; these do not fit: "
                "%(offerings)s."
            ) % {"provider": contract.provider.name, "offerings": ", ".join(wrong)}
    if errors:
        raise ValidationError(errors)


def _offerings_not_delivering(*, lot: Lot, offerings: Iterable) -> list[str]:
    provider_id = lot.contract.provider_id
    wrong = []
    for offering in offerings:
        fits = offering.provider_id == provider_id and offering.component == lot.component
        if fits and lot.component == Component.ONDERWIJSROUTE:
            fits = offering.education_level == lot.education_level
        if not fits:
            wrong.append(offering.title)
    return wrong


# --- 2. Contracts ending soon -----------------------------------------------------------------


def contracts_ending_soon(
    *, today: datetime.date, days: int = ENDING_SOON_DAYS
) -> QuerySet[Contract]:
    """Active contracts whose last day is between ``today`` and ``today + days`` (both included),
    the soonest first."""
    return (
        Contract.objects.filter(
            status=ContractStatus.ACTIVE,
            ends_on__gte=today,
            ends_on__lte=today + datetime.timedelta(days=days),
        )
        .select_related("provider")
        .order_by("ends_on", "reference")
    )


# --- 3. Lot utilisation -----------------------------------------------------------------------

UsedCounts = Mapping[int, int] | Callable[[Lot, datetime.date, datetime.date], int]
"""Placements a lot used in a period: a mapping ``{lot id: count}`` (lots missing from it used
none) or a callable ``used(lot, period_start, period_end) -> count``."""


@dataclass(frozen=True)
class LotUtilisation:
    lot: Lot
    period_start: datetime.date
    period_end: datetime.date
    used: int

    @property
    def capacity(self) -> int:
        return self.lot.capacity

    @property
    def share(self) -> Decimal:
        return Decimal(self.used) / Decimal(self.capacity)

    @property
    def percent(self) -> int:
        """The share as a whole percentage, rounded down (79.9 % shows as 79 %)."""
        return self.used * 100 // self.capacity


def lots_in_force(*, today: datetime.date) -> QuerySet[Lot]:
    """Active lots of active contracts whose term includes ``today``."""
    return Lot.objects.filter(
        status=LotStatus.ACTIVE,
        contract__status=ContractStatus.ACTIVE,
        contract__starts_on__lte=today,
        contract__ends_on__gte=today,
    ).select_related("contract__provider")


def lot_placements_used(*, today: datetime.date) -> dict[int, int]:
    """Placements each lot used in its capacity period containing ``today``, by lot id (counted
    by ``contracts.capacity``)."""
    from contracts.capacity import lot_placements_used as counted

    return counted(today=today)


def utilisation_reaches_threshold(
    *, used: int, capacity: int, threshold: Decimal | float | str = UTILISATION_THRESHOLD
) -> bool:
    """Do ``used`` placements reach ``threshold`` of ``capacity``? Exact (decimal): 8 of 10
    reaches 80 %. The one definition of a nearly full lot, for the start page and the reports."""
    return Decimal(used) >= Decimal(str(threshold)) * capacity


def lots_above_threshold(
    *,
    today: datetime.date,
    used: UsedCounts,
    threshold: Decimal | float | str = UTILISATION_THRESHOLD,
) -> list[LotUtilisation]:
    """Lots in force whose placements in the period containing ``today`` reach ``threshold`` of
    their capacity (at 80 % exactly a lot is listed), the fullest first.

    ``used`` gives the placements per lot (see ``UsedCounts``); the start page passes
    ``lot_placements_used``. The comparison is exact (decimal), so 8 of 10 is 80 % and listed.
    """
    found = []
    for lot in lots_in_force(today=today):
        start, end = lot_period(lot=lot, on=today)
        count = used(lot, start, end) if callable(used) else used.get(lot.pk, 0)
        if utilisation_reaches_threshold(used=count, capacity=lot.capacity, threshold=threshold):
            found.append(LotUtilisation(lot=lot, period_start=start, period_end=end, used=count))
    found.sort(key=lambda item: (-item.share, item.lot.contract.reference, item.lot.pk))
    return found


# --- 4. Periods and SLA deadlines -------------------------------------------------------------


def period_containing(*, kind: str, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The calendar period of ``kind`` (``CapacityPeriod``) containing ``on``: its first and last
    day, both included. Periods are calendar ones (a year from 1 January, half years from 1
    January and 1 July, quarters from 1 January, April, July and October), not contract years."""
    if kind == CapacityPeriod.YEAR:
        first_month, months = 1, 12
    elif kind == CapacityPeriod.HALF_YEAR:
        first_month, months = (1 if on.month <= 6 else 7), 6
    elif kind == CapacityPeriod.QUARTER:
        first_month, months = (on.month - 1) // 3 * 3 + 1, 3
    else:
        raise ValueError(f"Unknown capacity period: {kind!r}")
    last_month = first_month + months - 1
    return (
        datetime.date(on.year, first_month, 1),
        datetime.date(on.year, last_month, calendar.monthrange(on.year, last_month)[1]),
    )


def lot_period(*, lot: Lot, on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The lot's capacity period containing ``on`` (first and last day, both included)."""
    return period_containing(kind=lot.capacity_period, on=on)


def working_days_after(*, day: datetime.date, n: int) -> datetime.date:
    """The ``n``-th working day after ``day`` (Friday + 1 = Monday; Saturday + 1 = Monday).

    Working days are Monday to Friday. Public holidays (King's Day, Christmas, …) are not skipped:
    the contracts count plain working days and the region keeps no holiday calendar.
    ``n = 0`` gives ``day`` itself.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    current = day
    while n:
        current += datetime.timedelta(days=1)
        if current.weekday() in WORKING_DAYS:
            n -= 1
    return current


def lot_answer_deadline(*, lot: Lot, referred_on: datetime.date) -> datetime.date:
    """The last day on which the provider must answer a referral sent on ``referred_on``."""
    return working_days_after(day=referred_on, n=lot.answer_within_working_days)


def lot_start_deadline(*, lot: Lot, accepted_on: datetime.date) -> datetime.date:
    """The last day on which a learner accepted on ``accepted_on`` must have started."""
    return accepted_on + datetime.timedelta(weeks=lot.start_within_weeks)
