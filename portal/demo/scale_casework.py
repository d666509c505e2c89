"""Synthetic casework at national scale for ``manage.py seed_scale``.

On top of the synthetic catalogue it builds: contracts of the synthetic providers with their
regions, with lots; klantmanagers and provider staff (no passwords); learners; referrals in every
state with their capacity periods and seats; monthly attendance, exam results and progress
reports of placements; and self-paid enrolments with seats, payments and waiting lists.

Everything is inserted in bulk through the command's ``_bulk_create`` with the command's random
generator, so the same seed gives the same data. No services run: the rules they enforce are
followed here instead, and the tests of ``seed_scale`` check the result against them.

- The Keurmerk rule (``contracts.contracting.keurmerk_refusal``): a B1- or Z-route lot of a
  provider without a valid mark is made inactive, and inactive lots get no referrals.
- A referral goes to an active lot of a contract that covers the learner's municipality, of a
  component that ``contracts.referrals.REFERABLE`` allows for the learner.
- Capacity (``contracts.capacity``): a referral takes a place of its lot's period when it is sent
  and gives it back only when it is declined or withdrawn; ``LotPeriodUse.used`` is that count.
  Referrals are planned first, so a lot's capacity is made to fit its busiest period (raised
  where needed) before the lot is inserted: the check constraint always holds.
- Seats (``providers.seats``): open seat claims of referrals and live enrolments stay within the
  seats the catalogue already counts as taken; ``StartMoment`` rows are not changed.

Referral and enrolment state changes (``ReferralTransition``, ``EnrolmentTransition``) are not
generated: at this scale they would add about a million rows that no benchmark reads.
"""

from __future__ import annotations

import contextlib
import datetime
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, Protocol

from django.conf import settings
from django.db.models import DateTimeField, Model, Q

from contracts.contracting import (
    keurmerk_refusal,
    period_containing,
    working_days_after,
)
from contracts.models import (
    AuditEntry,
    CapacityPeriod,
    CaseTransfer,
    Contract,
    ContractDocument,
    ContractStatus,
    ExamResult,
    Learner,
    LearnerRoute,
    Leerbaarheidstoets,
    Lot,
    LotPeriodUse,
    LotStatus,
    MonthlyAttendance,
    ProgressReport,
    Referral,
    ReferralState,
    ReferralTransition,
)
from contracts.referrals import REFERABLE, ROUTE_COMPONENTS
from portal.accounts.models import Role, User
from portal.accounts.roles import role_group
from portal.enrolments.models import LIVE_STATES, Enrolment, EnrolmentTransition, WaitingListEntry
from portal.payments.models import Payment
from portal.places.models import Municipality, Region
from providers.choices import Component, EducationLevel, TargetGroup
from providers.models import (
    Location,
    Offering,
    Provider,
    ProviderMembership,
    SeatClaim,
    StartMoment,
)

State = ReferralState
EnrolmentState = Enrolment.State

KEEPS_ITS_PLACE = frozenset(
    {State.SENT, State.ACCEPTED, State.STARTED, State.COMPLETED, State.STOPPED}
)
"""States whose referral counts in ``LotPeriodUse.used``: the place is taken when the referral is
sent and given back only on a decline or a withdrawal (``contracts.referrals._give_back``)."""
PLACEMENT_STATES = frozenset({State.STARTED, State.COMPLETED, State.STOPPED})
LIVE_ENROLMENT_STATES = frozenset(LIVE_STATES)

EMAIL_DOMAIN = "routewijzer.example"
YEARS_OF_CASEWORK = 3
CONTRACT_ENDING_SOON_SHARE = 0.12
"""Within ``contracts.contracting.ENDING_SOON_DAYS``, so the start page has work to show."""
SECOND_REGION_SHARE = 0.15
SEPARATE_KNM_OR_LITERACY_LOT_SHARE = 0.3
"""KNM and literacy are mostly bought as part of a route (domain notes); a few contracts buy them
separately."""
STATUSHOUDER_SHARE = 0.6
ROUTE_SPLIT = {LearnerRoute.B1_ROUTE: 60, LearnerRoute.ONDERWIJSROUTE: 25, LearnerRoute.Z_ROUTE: 15}
"""The seed's expected split of statushouders over the routes (``shared/domain``)."""
OVERDUE_PIP_SHARE = 0.03
CLOSED_SHARE = 0.5
"""Of the learners whose referrals have all ended: their case is closed."""

REFERRED_COMPONENTS = ROUTE_COMPONENTS | {Component.PVT, Component.MAP, Component.BRUGKLAS}


class Casework(NamedTuple):
    """What one component of casework looks like in the synthetic data."""

    lot_name: str
    tariff_euros: tuple[int, int]
    hours_per_week: tuple[int, int]
    placement_days: tuple[int, int]
    referred_after: tuple[int, int]
    """Days after the PIP (the brugklas: after the brede intake) that the referral is sent."""
    share_referred: float
    """Of the learners for whom the component is referable (table 1 of the seed)."""


CASEWORK = {
    Component.B1_ROUTE: Casework("B1-route", (9_000, 13_000), (8, 16), (540, 1000), (7, 56), 1.0),
    Component.Z_ROUTE: Casework("Z-route", (8_000, 12_500), (6, 12), (700, 1095), (7, 56), 1.0),
    Component.ONDERWIJSROUTE: Casework(
        "onderwijsroute", (11_000, 16_000), (14, 20), (300, 700), (7, 56), 1.0
    ),
    Component.MAP: Casework("MAP", (900, 1_800), (3, 6), (60, 200), (30, 240), 0.95),
    Component.PVT: Casework("PVT", (400, 900), (2, 4), (21, 90), (7, 150), 0.95),
    Component.BRUGKLAS: Casework("brugklas", (1_200, 2_500), (10, 16), (40, 46), (5, 20), 0.5),
    Component.KNM: Casework("KNM", (500, 1_200), (2, 4), (56, 120), (0, 0), 0.0),
    Component.ALFABETISERING: Casework(
        "alfabetisering", (3_000, 6_000), (8, 12), (180, 400), (0, 0), 0.0
    ),
}
CAPACITY_PERIOD_WEIGHTS = {
    CapacityPeriod.YEAR: 60,
    CapacityPeriod.HALF_YEAR: 25,
    CapacityPeriod.QUARTER: 15,
}
EXTENSION_OPTIONS = [
    "",
    "Twee keer een jaar verlenging; besluit uiterlijk zes maanden voor het einde.",
    "Eenmaal twee jaar verlenging.",
    "Verlenging per jaar, tot vier jaar in totaal.",
]
FIRST_NAMES = [
    "Amal", "Yonas", "Sara", "Omar", "Lina", "Dawit", "Nour", "Helen", "Samir", "Ayla", "Rahel",
    "Bilal", "Hiba", "Tesfay", "Mariam", "Karim", "Selam", "Yusuf", "Dilan", "Fatima", "Aram",
    "Leila", "Oksana", "Mehmet", "Rania", "Abdi", "Zahra", "Ivan", "Hana", "Tarik",
]  # fmt: skip
LAST_NAMES = [
    "Haddad", "Tesfaye", "Karimi", "Nasser", "Bekele", "Aziz", "Mansour", "Demir", "Ahmadi",
    "Gebremedhin", "Rahimi", "Yilmaz", "Hussein", "Kovalenko", "Abebe", "Saleh", "Hashemi",
    "Osman", "Kaya", "Mohammadi", "Tekle", "Darwish", "Sultani", "Bondarenko", "Farah",
]  # fmt: skip
PROGRESS_SUMMARIES = [
    "Goede voortgang; aanwezig en actief in de les.",
    "Leerder oefent veel buiten de les; spreken gaat vooruit.",
    "Wisselende aanwezigheid door zorg voor kinderen; plan besproken.",
    "Lezen en schrijven gaan langzamer; extra oefenmateriaal meegegeven.",
    "Combineert de lessen met werk; tempo aangepast.",
]
ABSENCE_REASON_WEIGHTS = {
    MonthlyAttendance.AbsenceReason.ILLNESS: 35,
    MonthlyAttendance.AbsenceReason.WORK: 20,
    MonthlyAttendance.AbsenceReason.CARE: 20,
    MonthlyAttendance.AbsenceReason.APPOINTMENT: 10,
    MonthlyAttendance.AbsenceReason.UNKNOWN: 10,
    MonthlyAttendance.AbsenceReason.OTHER: 5,
}
LANGUAGE_EXAMS = [
    ExamResult.Exam.READING,
    ExamResult.Exam.LISTENING,
    ExamResult.Exam.WRITING,
    ExamResult.Exam.SPEAKING,
]
ENROLMENT_STATE_WEIGHTS = {
    EnrolmentState.CONFIRMED: 62,
    EnrolmentState.EXPIRED: 14,
    EnrolmentState.CANCELLED: 6,
    EnrolmentState.REFUNDED: 6,
    EnrolmentState.HELD: 6,
    EnrolmentState.AWAITING_PAYMENT: 3,
}
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
HALF_HOURS = [Decimal(half) / 2 for half in range(2 * 300 + 1)]
"""Hours as exact one-decimal values, made once: attendance has over a million of them."""


class BulkCreate(Protocol):
    def __call__[M: Model](
        self,
        label: str,
        model: type[M],
        objects: Iterable[M],
        *,
        total: int | None = None,
        keep: bool = True,
    ) -> list[M]: ...


def _weighted[T](rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _user_prefix(prefix: str) -> str:
    return f"{prefix.lower()}."


def _client_prefix(prefix: str) -> str:
    return f"{prefix.upper()}-"


@contextlib.contextmanager
def timestamps_as_given(*models: type[Model]) -> Iterator[None]:
    """Let ``bulk_create`` keep the ``auto_now``/``auto_now_add`` times set on the objects.

    ``bulk_create`` stamps those fields with the current time, but synthetic history (when a
    referral was made, when a learner enrolled: the cooling-off period counts from it, the
    waiting list orders by it) needs its own times. The flags are restored afterwards.
    """
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if isinstance(field, DateTimeField) and (field.auto_now or field.auto_now_add)
    ]
    flags = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in flags:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def casework_reset(*, prefix: str) -> None:
    """Remove the synthetic casework with plain DELETEs, children first.

    Rows that benchmarks or manual tests added to synthetic data (state changes, audit entries,
    seats) go as well, since their parents go. Users are deleted through the ORM, which also
    clears whatever else points at them (groups, profiles).
    """
    providers = Provider.objects.filter(name__startswith=prefix)
    contracts = Contract.objects.filter(provider__in=providers)
    lots = Lot.objects.filter(contract__in=contracts)
    learners = Learner.objects.filter(client_number__startswith=_client_prefix(prefix))
    referrals = Referral.objects.filter(Q(lot__in=lots) | Q(learner__in=learners))
    start_moments = StartMoment.objects.filter(offering__provider__in=providers)
    users = User.objects.filter(username__startswith=_user_prefix(prefix))
    enrolments = Enrolment.objects.filter(Q(start_moment__in=start_moments) | Q(user__in=users))
    AuditEntry.objects.filter(learner__in=learners).update(learner=None)
    for queryset in (
        MonthlyAttendance.objects.filter(referral__in=referrals),
        ExamResult.objects.filter(referral__in=referrals),
        ProgressReport.objects.filter(referral__in=referrals),
        ReferralTransition.objects.filter(referral__in=referrals),
        referrals,
        CaseTransfer.objects.filter(learner__in=learners),
        learners,
        WaitingListEntry.objects.filter(Q(start_moment__in=start_moments) | Q(user__in=users)),
        Payment.objects.filter(enrolment__in=enrolments),
        EnrolmentTransition.objects.filter(enrolment__in=enrolments),
        enrolments,
        SeatClaim.objects.filter(start_moment__in=start_moments),
        LotPeriodUse.objects.filter(lot__in=lots),
        Lot.offerings.through.objects.filter(lot__in=lots),
        lots,
        Contract.municipalities.through.objects.filter(contract__in=contracts),
        ContractDocument.objects.filter(contract__in=contracts),
        contracts,
    ):
        queryset._raw_delete(queryset.db)
    users.delete()


CASEWORK_MODELS: list[type[Model]] = [
    Contract,
    Contract.municipalities.through,
    Lot,
    Lot.offerings.through,
    LotPeriodUse,
    User,
    User.groups.through,
    ProviderMembership,
    Learner,
    SeatClaim,
    Referral,
    MonthlyAttendance,
    ExamResult,
    ProgressReport,
    Enrolment,
    Payment,
    WaitingListEntry,
]
"""The tables this module fills, for the planner's statistics after a run."""


class _Plan(NamedTuple):
    """One referral as planned; a tuple, since there are hundreds of thousands of them."""

    learner: int
    lot: int
    state: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    sent_at: datetime.datetime | None = None
    answer_due: datetime.date | None = None
    period_start: datetime.date | None = None
    accepted_at: datetime.datetime | None = None
    start_due: datetime.date | None = None
    started_on: datetime.date | None = None
    ended_on: datetime.date | None = None
    start_moment_id: int | None = None


class _Placement(NamedTuple):
    """A started, completed or stopped referral, as read back for what providers record."""

    pk: int
    component: str
    provider_id: int
    started_on: datetime.date
    ended_on: datetime.date | None
    state: str


@dataclass
class _Story:
    """The path one referral takes; ``last`` is the day of its last event."""

    plan: _Plan
    last: datetime.date


class CaseworkBuilder:
    """Builds the synthetic casework in foreign-key order; ``build`` runs it all."""

    def __init__(
        self,
        *,
        rng: random.Random,
        bulk_create: BulkCreate,
        say: Callable[[str], None],
        prefix: str,
        today: datetime.date,
        now: datetime.datetime,
    ) -> None:
        self.rng = rng
        self.bulk_create = bulk_create
        self.say = say
        self.prefix = prefix
        self.today = today
        self.now = now
        self.seat_budget: dict[int, int] = {}
        """Per start moment: seats the catalogue counts as taken that no claim holds yet."""
        self.popularity: list[int] = []
        """Per lot (by index): how often klantmanagers choose it over the other lots."""

    def build(
        self,
        *,
        municipalities: list[Municipality],
        providers: list[Provider],
        locations: dict[int, list[Location]],
        offerings: list[Offering],
        start_moments: list[StartMoment],
        learners: int,
        referrals: int,
        enrolments: int,
        attendance_months: int,
    ) -> None:
        self.seat_budget = {moment.pk: moment.seats_taken for moment in start_moments}
        regional = [municipality for municipality in municipalities if municipality.region_id]
        sizes = {
            municipality.pk: self.rng.choice([1, 1, 1, 2, 2, 3, 5, 8, 13])
            for municipality in regional
        }

        self.say("Contracts, lots and staff")
        contracts, covers, lots, lot_offerings = self._contracts(
            municipalities=regional, providers=providers, locations=locations, offerings=offerings
        )
        staff = self._provider_staff(providers=[contract.provider for contract in contracts])
        klantmanagers = self._klantmanagers(municipalities=regional, sizes=sizes)

        self.say("Learners and referrals")
        started = time.monotonic()
        people = self._learners(count=learners, sizes=sizes, klantmanagers=klantmanagers)
        plans = self._referral_plans(
            count=referrals,
            learners=people,
            lots=lots,
            covered=self._coverage(covers=covers, lots=lots),
            lot_offerings=lot_offerings,
            start_moments=start_moments,
        )
        self._cases_close(learners=people, plans=plans)
        self.say(f"  planned in {time.monotonic() - started:.1f} s")
        self._lots_insert(lots=lots, lot_offerings=lot_offerings, plans=plans)
        with timestamps_as_given(Learner):
            self.bulk_create("learners", Learner, people)
        period_uses = self._period_uses(lots=lots, plans=plans)
        claims = self._placement_seats(plans=plans)
        with timestamps_as_given(Referral):
            self.bulk_create(
                "referrals",
                Referral,
                self._referral_rows(
                    plans=plans, learners=people, lots=lots, period_uses=period_uses, claims=claims
                ),
                total=len(plans),
                keep=False,
            )
        del plans, people

        self.say("Attendance, exams and progress reports of placements")
        self._placement_records(staff=staff, attendance_months=attendance_months)

        self.say("Self-paid enrolments")
        self._enrolments(count=enrolments, offerings=offerings, start_moments=start_moments)

    # Time

    def _at(self, day: datetime.date) -> datetime.datetime:
        """A moment in office hours on ``day``: 07:00-15:59 UTC is the same day in Amsterdam."""
        return datetime.datetime.combine(
            day,
            datetime.time(self.rng.randint(7, 15), self.rng.randint(0, 59)),
            tzinfo=datetime.UTC,
        )

    def _days_ago(self, low: int, high: int) -> datetime.date:
        return self.today - datetime.timedelta(days=self.rng.randint(low, high))

    # Contracts and lots

    def _contracts(
        self,
        *,
        municipalities: list[Municipality],
        providers: list[Provider],
        locations: dict[int, list[Location]],
        offerings: list[Offering],
    ) -> tuple[list[Contract], dict[int, list[int]], list[Lot], list[list[Offering]]]:
        """Contracts (inserted) with the municipalities each covers, and their lots (not yet).

        Every active provider with offerings contracts with its home region (where most of its
        locations are), a few with a second region too, for several of the region's
        municipalities. In every region one provider, with a valid mark where there is one,
        covers all municipalities with a lot for every component referrals go to.
        """
        rng = self.rng
        region_of = {municipality.pk: municipality.region_id for municipality in municipalities}
        by_region: dict[int, list[Municipality]] = defaultdict(list)
        for municipality in municipalities:
            by_region[municipality.region_id].append(municipality)
        regions = sorted(by_region)
        central = dict(
            Region.objects.filter(pk__in=regions).values_list("pk", "central_municipality_id")
        )
        offered: dict[int, list[Offering]] = defaultdict(list)
        for offering in offerings:
            offered[offering.provider_id].append(offering)

        by_pk = {provider.pk: provider for provider in providers}
        deals: dict[tuple[int, int], bool] = {}
        """(provider id, region id): True for the provider that covers the whole region."""
        for provider in providers:
            if not provider.is_active or not offered[provider.pk]:
                continue
            homes = Counter(
                region_of.get(location.municipality_id)
                for location in locations.get(provider.pk, [])
            )
            home = next((region for region, _ in homes.most_common() if region), None)
            deals[(provider.pk, home or rng.choice(regions))] = False
            if rng.random() < SECOND_REGION_SHARE:
                deals.setdefault((provider.pk, rng.choice(regions)), False)
        marked = [
            provider
            for provider in providers
            if provider.is_active
            and keurmerk_refusal(provider=provider, component=Component.B1_ROUTE, on=self.today)
            is None
        ]
        for region in regions:
            here = [by_pk[provider_id] for provider_id, where in deals if where == region]
            anchor = rng.choice([p for p in here if p in marked] or marked or here or providers)
            deals[(anchor.pk, region)] = True

        contracts, members = [], []
        latest_start = self.today - datetime.timedelta(days=365 * YEARS_OF_CASEWORK + 60)
        for number, ((provider_id, region), whole_region) in enumerate(deals.items(), start=1):
            starts_on = (latest_start - datetime.timedelta(days=rng.randint(0, 540))).replace(day=1)
            soon = rng.random() < CONTRACT_ENDING_SOON_SHARE
            ends_on = self.today + datetime.timedelta(
                days=rng.randint(1, 90) if soon else rng.randint(91, 1100)
            )
            covered = by_region[region]
            if not whole_region and len(covered) > 2:
                covered = rng.sample(
                    covered, k=rng.randint(max(2, len(covered) // 3), len(covered))
                )
            members.append(sorted(municipality.pk for municipality in covered))
            contracts.append(
                Contract(
                    reference=f"{self.prefix.upper()}-{starts_on.year}-{number:04d}",
                    provider=by_pk[provider_id],
                    contracting_municipality_id=central.get(region) or members[-1][0],
                    starts_on=starts_on,
                    ends_on=ends_on,
                    extension_options=rng.choice(EXTENSION_OPTIONS),
                    status=ContractStatus.ACTIVE,
                )
            )
        contracts = self.bulk_create("contracts", Contract, contracts)
        covers = {contract.pk: ids for contract, ids in zip(contracts, members, strict=True)}
        self.bulk_create(
            "contract municipalities",
            Contract.municipalities.through,
            [
                Contract.municipalities.through(contract_id=contract_id, municipality_id=pk)
                for contract_id, ids in covers.items()
                for pk in ids
            ],
        )
        lots, lot_offerings = [], []
        for contract, whole_region in zip(contracts, deals.values(), strict=True):
            choices = self._lot_choices(
                offered=offered[contract.provider_id], whole_region=whole_region
            )
            for number, (component, level, delivering) in enumerate(choices, start=1):
                lots.append(
                    self._lot(contract=contract, number=number, component=component, level=level)
                )
                lot_offerings.append(delivering)
        return contracts, covers, lots, lot_offerings

    def _lot_choices(
        self, *, offered: list[Offering], whole_region: bool
    ) -> list[tuple[str, str, list[Offering]]]:
        """(component, education level, the provider's offerings delivering it) for each lot."""
        delivering: dict[tuple[str, str], list[Offering]] = defaultdict(list)
        for offering in offered:
            delivering[(offering.component, offering.education_level)].append(offering)
        choices = []
        for component in Component.values:
            if component == Component.ONDERWIJSROUTE:
                levels = sorted(level for kind, level in delivering if kind == component)
                if whole_region and not levels:
                    levels = [self.rng.choice(EducationLevel.values)]
            else:
                wanted = (component, "") in delivering or (
                    whole_region and component in REFERRED_COMPONENTS
                )
                if component not in REFERRED_COMPONENTS:
                    wanted = wanted and self.rng.random() < SEPARATE_KNM_OR_LITERACY_LOT_SHARE
                levels = [""] if wanted else []
            choices += [
                (component, level, delivering.get((component, level), [])) for level in levels
            ]
        return choices

    def _lot(self, *, contract: Contract, number: int, component: str, level: str) -> Lot:
        rng = self.rng
        spec = CASEWORK[component]
        name = f"Perceel {number}: {spec.lot_name}" + (f" {level.lower()}" if level else "")
        quick = component in {Component.BRUGKLAS, Component.PVT}
        refusal = keurmerk_refusal(provider=contract.provider, component=component, on=self.today)
        lot = Lot(
            contract=contract,
            name=name,
            component=component,
            education_level=level,
            tariff_cents=rng.randrange(spec.tariff_euros[0], spec.tariff_euros[1] + 1, 50) * 100,
            capacity=1,
            capacity_period=_weighted(rng, CAPACITY_PERIOD_WEIGHTS),
            answer_within_working_days=rng.choice([3, 5, 5, 5, 10]),
            start_within_weeks=2 if quick else rng.choice([4, 4, 6, 8]),
            status=LotStatus.INACTIVE if refusal else LotStatus.ACTIVE,
        )
        self.popularity.append(rng.choice([1, 1, 2, 3, 5]))
        return lot

    @staticmethod
    def _coverage(
        *, covers: dict[int, list[int]], lots: list[Lot]
    ) -> dict[tuple[int, str], list[int]]:
        """Active lots (by index) a learner of a municipality can be referred to, per component."""
        covered: dict[tuple[int, str], list[int]] = defaultdict(list)
        for index, lot in enumerate(lots):
            if lot.status == LotStatus.ACTIVE:
                for municipality_id in covers[lot.contract.pk]:
                    covered[(municipality_id, lot.component)].append(index)
        return covered

    def _lots_insert(
        self, *, lots: list[Lot], lot_offerings: list[list[Offering]], plans: list[_Plan]
    ) -> None:
        """Give each lot a capacity that fits its busiest period, then insert the lots.

        About one lot in five is exactly full in its busiest period; the others have room.
        """
        rng = self.rng
        busiest: dict[int, int] = defaultdict(int)
        for (lot_index, _), used in self._places_used(plans).items():
            busiest[lot_index] = max(busiest[lot_index], used)
        for index, lot in enumerate(lots):
            if busiest[index]:
                headroom = 1.0 if rng.random() < 0.2 else rng.uniform(1.05, 1.6)
                lot.capacity = math.ceil(busiest[index] * headroom)
            else:
                lot.capacity = rng.randint(10, 150)
        self.bulk_create("lots", Lot, lots)
        self.bulk_create(
            "lot offerings",
            Lot.offerings.through,
            [
                Lot.offerings.through(lot_id=lot.pk, offering_id=offering.pk)
                for lot, delivering in zip(lots, lot_offerings, strict=True)
                for offering in delivering
            ],
        )

    @staticmethod
    def _places_used(plans: list[_Plan]) -> Counter[tuple[int, datetime.date]]:
        """Places used per (lot index, period start): the referrals that keep their place."""
        return Counter(
            (plan.lot, plan.period_start) for plan in plans if plan.state in KEEPS_ITS_PLACE
        )

    def _period_uses(
        self, *, lots: list[Lot], plans: list[_Plan]
    ) -> dict[tuple[int, datetime.date], int]:
        """One row per lot and period in which a referral was sent, by (lot index, start)."""
        used = self._places_used(plans)
        keys = sorted({(plan.lot, plan.period_start) for plan in plans if plan.period_start})
        uses = self.bulk_create(
            "lot capacity periods",
            LotPeriodUse,
            [
                LotPeriodUse(
                    lot=lots[lot_index],
                    period_start=start,
                    period_end=period_containing(kind=lots[lot_index].capacity_period, on=start)[1],
                    capacity=lots[lot_index].capacity,
                    used=used[(lot_index, start)],
                )
                for lot_index, start in keys
            ],
        )
        return {key: use.pk for key, use in zip(keys, uses, strict=True)}

    # People

    def _users(self, label: str, users: list[User], *, role_group_of: str | None) -> list[User]:
        for user in users:
            user.set_unusable_password()
        created = self.bulk_create(label, User, users)
        group = role_group(role_group_of) if role_group_of else None
        if group is not None:
            self.bulk_create(
                f"{label} (role group)",
                User.groups.through,
                [User.groups.through(user_id=user.pk, group_id=group.pk) for user in created],
            )
        return created

    def _user(self, *, local: str, first_name: str, last_name: str, role: str, **extra) -> User:
        email = f"{_user_prefix(self.prefix)}{local}@{EMAIL_DOMAIN}"
        return User(
            username=email,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            **extra,
        )

    def _provider_staff(self, *, providers: list[Provider]) -> dict[int, int]:
        """One staff member per contracted provider, who reports attendance: user id by provider."""
        unique = list({provider.pk: provider for provider in providers}.values())
        users = self._users(
            "provider staff",
            [
                self._user(
                    local=f"medewerker.{provider.kvk_number}",
                    first_name="Medewerker",
                    last_name=provider.name,
                    role=Role.PROVIDER_STAFF,
                )
                for provider in unique
            ],
            role_group_of=Role.PROVIDER_STAFF,
        )
        self.bulk_create(
            "provider memberships",
            ProviderMembership,
            [
                ProviderMembership(user=user, provider=provider, role=ProviderMembership.Role.ADMIN)
                for user, provider in zip(users, unique, strict=True)
            ],
        )
        return {provider.pk: user.pk for user, provider in zip(users, unique, strict=True)}

    def _klantmanagers(
        self, *, municipalities: list[Municipality], sizes: dict[int, int]
    ) -> dict[int, list[int]]:
        """Two to five klantmanagers per municipality, more in bigger ones: user ids."""
        wanted = [
            (municipality, number)
            for municipality in municipalities
            for number in range(1, 2 + min(sizes[municipality.pk], 13) // 4 + 1)
        ]
        users = self._users(
            "klantmanagers",
            [
                self._user(
                    local=f"klantmanager.{municipality.cbs_code.lower()}.{number}",
                    first_name=f"Klantmanager {number}",
                    last_name=municipality.name,
                    role=Role.CASE_MANAGER,
                    municipality=municipality,
                )
                for municipality, number in wanted
            ],
            role_group_of=Role.CASE_MANAGER,
        )
        by_municipality: dict[int, list[int]] = defaultdict(list)
        for user in users:
            by_municipality[user.municipality_id].append(user.pk)
        return by_municipality

    def _learners(
        self, *, count: int, sizes: dict[int, int], klantmanagers: dict[int, list[int]]
    ) -> list[Learner]:
        """Learners (not yet inserted) who arrived over the last three years.

        Statushouders have a housing date, the brede intake within four weeks and the PIP 4 to
        9 weeks later (the law's limit is 10 weeks from housing); a few recent ones are still
        waiting for their PIP. The route follows the seed's split.
        """
        rng = self.rng
        homes = rng.choices(list(sizes), weights=list(sizes.values()), k=count)
        learners = []
        for number, municipality_id in enumerate(homes, start=1):
            statushouder = rng.random() < STATUSHOUDER_SHARE
            arrived = self._days_ago(7, 365 * YEARS_OF_CASEWORK)
            intake = min(arrived + datetime.timedelta(days=rng.randint(3, 28)), self.today)
            pip = intake + datetime.timedelta(days=rng.randint(28, 63))
            if pip > self.today or (
                rng.random() < OVERDUE_PIP_SHARE and (self.today - intake).days < 180
            ):
                pip = None
            route = _weighted(rng, ROUTE_SPLIT) if statushouder and pip else ""
            if pip is None:
                toets = Leerbaarheidstoets.NOT_TAKEN
            elif route:
                toets = (
                    Leerbaarheidstoets.B1_NOT_FEASIBLE
                    if route == LearnerRoute.Z_ROUTE
                    else Leerbaarheidstoets.B1_FEASIBLE
                )
            else:
                toets = _weighted(
                    rng,
                    {Leerbaarheidstoets.B1_FEASIBLE: 80, Leerbaarheidstoets.B1_NOT_FEASIBLE: 20},
                )
            registered = self._at(intake)
            learners.append(
                Learner(
                    municipality_id=municipality_id,
                    klantmanager_id=rng.choice(klantmanagers[municipality_id]),
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    date_of_birth=datetime.date(
                        self.today.year - rng.randint(20, 62),
                        rng.randint(1, 12),
                        rng.randint(1, 28),
                    ),
                    target_group=(
                        TargetGroup.STATUSHOUDER if statushouder else TargetGroup.GEZINSMIGRANT
                    ),
                    client_number=f"{_client_prefix(self.prefix)}{number:07d}",
                    housing_date=arrived if statushouder else None,
                    intake_date=intake,
                    pip_date=pip,
                    route=route,
                    leerbaarheidstoets=toets,
                    created_at=registered,
                    updated_at=self._at(pip) if pip else registered,
                )
            )
        return learners

    def _cases_close(self, *, learners: list[Learner], plans: list[_Plan]) -> None:
        """Close the cases of half the learners whose referrals all ended some time ago."""
        last_event: dict[int, datetime.date] = {}
        still_open: set[int] = set()
        for plan in plans:
            if plan.state in {State.DRAFT, State.SENT, State.ACCEPTED, State.STARTED}:
                still_open.add(plan.learner)
            day = plan.updated_at.date()
            last_event[plan.learner] = max(last_event.get(plan.learner, day), day)
        for index, last in last_event.items():
            if (
                index not in still_open
                and (self.today - last).days > 14
                and self.rng.random() < CLOSED_SHARE
            ):
                closed = min(last + datetime.timedelta(days=self.rng.randint(1, 60)), self.today)
                learners[index].closed_at = learners[index].updated_at = self._at(closed)

    # Referrals

    @staticmethod
    def _referable(learner: Learner) -> list[str]:
        """The components this learner can be referred to (``contracts.referrals.REFERABLE``)
        in the order they come: the brugklas before the PIP, the rest after it. The
        onderwijsroute is exempt from the MAP."""
        allowed = set(REFERABLE[learner.target_group]) | (
            {learner.route} if learner.route else set()
        )
        if learner.pip_date is None:
            allowed &= {Component.BRUGKLAS}
        if learner.route == LearnerRoute.ONDERWIJSROUTE:
            allowed.discard(Component.MAP)
        order = [Component.BRUGKLAS, *sorted(ROUTE_COMPONENTS), Component.PVT, Component.MAP]
        return [component for component in order if component in allowed]

    def _referral_plans(
        self,
        *,
        count: int,
        learners: list[Learner],
        lots: list[Lot],
        covered: dict[tuple[int, str], list[int]],
        lot_offerings: list[list[Offering]],
        start_moments: list[StartMoment],
    ) -> list[_Plan]:
        """``count`` referrals: one for each component a learner can be referred to (some
        skipped), and where that gives fewer than ``count``, new referrals after a first one
        was declined, withdrawn or stopped. Where it gives more, a random selection."""
        rng = self.rng
        slots = [
            (index, component)
            for index, learner in enumerate(learners)
            for component in self._referable(learner)
            if (learner.municipality_id, component) in covered
            and rng.random() < CASEWORK[component].share_referred
        ]
        if len(slots) > count:
            slots = [slots[k] for k in sorted(rng.sample(range(len(slots)), count))]
        attempts = Counter(slots)
        if slots and len(slots) < count:
            settled = [
                slot
                for slot in slots
                if (learners[slot[0]].pip_date or learners[slot[0]].intake_date)
                <= self.today - datetime.timedelta(days=180)
            ]
            attempts.update(rng.choices(settled or slots, k=count - len(slots)))

        moments_by_offering: dict[int, list[StartMoment]] = defaultdict(list)
        for moment in start_moments:
            if moment.starts_on > self.today:
                moments_by_offering[moment.offering_id].append(moment)
        plans = []
        for (index, component), tries in attempts.items():
            learner = learners[index]
            spec = CASEWORK[component]
            brugklas = component == Component.BRUGKLAS
            ready = learner.intake_date if brugklas else learner.pip_date
            day = ready + datetime.timedelta(days=rng.randint(*spec.referred_after))
            candidates = covered[(learner.municipality_id, component)]
            previous = None
            for attempt in range(tries):
                others = [lot for lot in candidates if lot != previous] or candidates
                lot_index = rng.choices(others, weights=[self.popularity[k] for k in others])[0]
                story = self._story(
                    learner=index,
                    lot_index=lot_index,
                    lot=lots[lot_index],
                    day=day,
                    not_before=ready,
                    final=attempt == tries - 1,
                )
                plan = story.plan
                if plan.state in {State.SENT, State.ACCEPTED}:
                    plan = self._with_start_moment(
                        plan, offerings=lot_offerings[lot_index], moments=moments_by_offering
                    )
                plans.append(plan)
                previous, ready = lot_index, story.last
                day = story.last + datetime.timedelta(days=rng.randint(3, 30))
        return plans

    def _story(
        self,
        *,
        learner: int,
        lot_index: int,
        lot: Lot,
        day: datetime.date,
        not_before: datetime.date,
        final: bool,
    ) -> _Story:
        """The path of one referral planned for ``day``, as far as it got by today.

        A referral that a later one replaces (``final`` False) ended unsuccessfully: declined,
        withdrawn or stopped. The last one takes its natural course: answered within the SLA
        mostly (one in ten late), accepted mostly, started within the SLA mostly, and completed
        or stopped once its length has passed.
        """
        rng, today = self.rng, self.today
        outcome = (
            None
            if final
            else _weighted(rng, {State.DECLINED: 45, State.WITHDRAWN: 25, State.STOPPED: 30})
        )
        if day > today:
            if final and rng.random() < 0.35:
                created = self.now - datetime.timedelta(minutes=rng.randint(10, 14 * 24 * 60))
                plan = _Plan(
                    learner, lot_index, State.DRAFT, created_at=created, updated_at=created
                )
                return _Story(plan, today)
            day = min(max(not_before, self._days_ago(0, 20)), today)
        sent_at = self._at(day)
        sla = lot.answer_within_working_days
        late = rng.random() < 0.1
        answered = working_days_after(
            day=day, n=rng.randint(sla + 1, sla + 8) if late else rng.randint(1, sla)
        )
        fields = {
            "created_at": sent_at - datetime.timedelta(minutes=rng.randint(5, 3 * 24 * 60)),
            "sent_at": sent_at,
            "answer_due": working_days_after(day=day, n=sla),
            "period_start": period_containing(kind=lot.capacity_period, on=day)[0],
        }

        def story(
            state: str, last: datetime.date, at: datetime.datetime | None = None, **more: object
        ) -> _Story:
            changed = at or (self._at(last) if last > day else sent_at)
            return _Story(
                _Plan(learner, lot_index, state, updated_at=changed, **(fields | more)), last
            )

        if final and (answered > today or (late and rng.random() < 0.3)):
            # Not answered yet; some late ones never are (a provider that does not answer), so
            # the data holds breaches of the answer deadline whatever day it is built on.
            return story(State.SENT, day)
        answered = min(answered, today)
        chance = rng.random()
        if outcome == State.DECLINED or (final and chance < 0.06):
            return story(State.DECLINED, answered)
        if outcome == State.WITHDRAWN or (final and chance < 0.085):
            return story(State.WITHDRAWN, day + (answered - day) * rng.randint(0, 4) // 4)
        fields |= {
            "accepted_at": self._at(answered),
            "start_due": answered + datetime.timedelta(weeks=lot.start_within_weeks),
        }
        window = lot.start_within_weeks * 7
        delay = window + rng.randint(1, 35) if rng.random() < 0.12 else rng.randint(3, window)
        started = answered + datetime.timedelta(days=delay)
        if started > today:
            if final and rng.random() < 0.95:
                return story(State.ACCEPTED, answered, at=fields["accepted_at"])
            withdrawn = min(answered + datetime.timedelta(days=rng.randint(1, 30)), today)
            return story(State.WITHDRAWN, withdrawn)
        fields["started_on"] = started
        length = rng.randint(*CASEWORK[lot.component].placement_days)
        if outcome == State.STOPPED or (final and rng.random() < 0.12):
            stopped = started + datetime.timedelta(days=rng.randint(14, length - 1))
            stopped = min(stopped, today) if outcome else stopped
            if stopped <= today:
                return story(State.STOPPED, stopped, ended_on=stopped)
        completed = started + datetime.timedelta(days=length)
        if completed <= today:
            return story(State.COMPLETED, completed, ended_on=completed)
        return story(State.STARTED, started)

    def _with_start_moment(
        self,
        plan: _Plan,
        *,
        offerings: list[Offering],
        moments: dict[int, list[StartMoment]],
    ) -> _Plan:
        """Most open referrals name a coming start date of an offering that delivers the lot,
        with a seat taken when it was sent, if one of the seats counted as taken is unclaimed."""
        if self.rng.random() < 0.4:
            return plan
        free = [
            moment
            for offering in offerings
            for moment in moments.get(offering.pk, ())
            if self.seat_budget[moment.pk] > 0
        ]
        if not free:
            return plan
        moment = self.rng.choice(free)
        self.seat_budget[moment.pk] -= 1
        return plan._replace(start_moment_id=moment.pk)

    def _placement_seats(self, *, plans: list[_Plan]) -> dict[int, int]:
        """Seat claims of the referrals that name a start date: claim id by plan index."""
        named = [index for index, plan in enumerate(plans) if plan.start_moment_id]
        with timestamps_as_given(SeatClaim):
            claims = self.bulk_create(
                "seats of referrals",
                SeatClaim,
                [
                    SeatClaim(
                        start_moment_id=plans[index].start_moment_id,
                        purpose=SeatClaim.Purpose.PLACEMENT,
                        created_at=plans[index].sent_at,
                    )
                    for index in named
                ],
            )
        return {index: claim.pk for index, claim in zip(named, claims, strict=True)}

    @staticmethod
    def _referral_rows(
        *,
        plans: list[_Plan],
        learners: list[Learner],
        lots: list[Lot],
        period_uses: dict[tuple[int, datetime.date], int],
        claims: dict[int, int],
    ) -> Iterator[Referral]:
        for index, plan in enumerate(plans):
            learner = learners[plan.learner]
            yield Referral(
                learner_id=learner.pk,
                lot_id=lots[plan.lot].pk,
                start_moment_id=plan.start_moment_id,
                seat_claim_id=claims.get(index),
                period_use_id=period_uses.get((plan.lot, plan.period_start)),
                state=plan.state,
                sent_at=plan.sent_at,
                answer_due=plan.answer_due,
                accepted_at=plan.accepted_at,
                start_due=plan.start_due,
                started_on=plan.started_on,
                ended_on=plan.ended_on,
                created_by_id=learner.klantmanager_id,
                created_at=plan.created_at,
                updated_at=plan.updated_at,
            )

    # What providers record about placements

    def _placement_records(self, *, staff: dict[int, int], attendance_months: int) -> None:
        rows = (
            Referral.objects.filter(
                learner__client_number__startswith=_client_prefix(self.prefix),
                state__in=PLACEMENT_STATES,
            )
            .order_by("pk")
            .values_list(
                "pk",
                "lot__component",
                "lot__contract__provider_id",
                "started_on",
                "ended_on",
                "state",
            )
        )
        placements = [_Placement(*row) for row in rows]
        if attendance_months:
            with timestamps_as_given(MonthlyAttendance):
                self.bulk_create(
                    "monthly attendance",
                    MonthlyAttendance,
                    self._attendance_rows(
                        placements=placements, staff=staff, months=attendance_months
                    ),
                    keep=False,
                )
        completed = [
            placement
            for placement in placements
            if placement.state == State.COMPLETED and placement.component in ROUTE_COMPONENTS
        ]
        lowered = {
            placement.pk
            for placement in completed
            if placement.component == Component.B1_ROUTE and self.rng.random() < 0.12
        }
        self.bulk_create(
            "exam results",
            ExamResult,
            self._exam_rows(completed=completed, lowered=lowered),
            keep=False,
        )
        self.bulk_create(
            "progress reports",
            ProgressReport,
            self._progress_rows(completed=completed, lowered=lowered, staff=staff),
            keep=False,
        )

    def _attendance_rows(
        self, *, placements: list[_Placement], staff: dict[int, int], months: int
    ) -> Iterator[MonthlyAttendance]:
        """The last ``months`` complete months of each placement, up to its end: hours offered
        from the placement's hours a week, attended in full about half the time, else less with
        the main reason."""
        rng = self.rng
        this_month = self.today.replace(day=1)
        for pk, component, provider_id, started_on, ended_on, _state in placements:
            last_day = min(ended_on or self.today, this_month - datetime.timedelta(days=1))
            hours_a_week = rng.randint(*CASEWORK[component].hours_per_week)
            for month in _months(started_on, last_day)[-months:]:
                month_end = _month_end(month)
                days = (min(month_end, last_day) - max(month, started_on)).days + 1
                offered = round(days * hours_a_week * 2 / 7)
                if not offered:
                    continue
                if rng.random() < 0.55:
                    attended, reason = offered, MonthlyAttendance.AbsenceReason.NONE
                else:
                    attended = rng.randint(offered * 3 // 10, offered - 1)
                    reason = _weighted(rng, ABSENCE_REASON_WEIGHTS)
                reported = min(month_end + datetime.timedelta(days=rng.randint(1, 10)), self.today)
                yield MonthlyAttendance(
                    referral_id=pk,
                    month=month,
                    hours_offered=HALF_HOURS[offered],
                    hours_attended=HALF_HOURS[attended],
                    absence_reason=reason,
                    reported_by_id=staff.get(provider_id),
                    reported_at=self._at(reported),
                )

    def _exam_rows(self, *, completed: list[_Placement], lowered: set[int]) -> Iterator[ExamResult]:
        """The B1-route's four language exams and KNM, in the last months of the placement; the
        onderwijsroute's at B1 or B2. ``lowered``: afschalen decided, writing and speaking at A2."""
        rng = self.rng
        for pk, component, _provider, started_on, ended_on, _state in completed:
            if component == Component.Z_ROUTE:
                continue
            level = "B1" if component == Component.B1_ROUTE else rng.choice(["B1", "B2"])
            for exam in [*LANGUAGE_EXAMS, ExamResult.Exam.KNM]:
                taken = max(ended_on - datetime.timedelta(days=rng.randint(7, 90)), started_on)
                if exam == ExamResult.Exam.KNM:
                    at = ""
                elif pk in lowered and exam in {ExamResult.Exam.WRITING, ExamResult.Exam.SPEAKING}:
                    at = "A2"
                else:
                    at = level
                yield ExamResult(
                    referral_id=pk, exam=exam, level=at, passed=rng.random() < 0.85, taken_on=taken
                )

    def _progress_rows(
        self, *, completed: list[_Placement], lowered: set[int], staff: dict[int, int]
    ) -> Iterator[ProgressReport]:
        """A final report at the end of each completed route, and for most a report half-way."""
        rng = self.rng
        reached = {
            Component.B1_ROUTE: "B1",
            Component.Z_ROUTE: "A2",
            Component.ONDERWIJSROUTE: "B2",
        }
        for pk, component, provider_id, started_on, ended_on, _state in completed:
            if component == Component.Z_ROUTE:
                afschalen = ProgressReport.Afschalen.NOT_ASSESSED
            elif pk in lowered:
                afschalen = ProgressReport.Afschalen.DECIDED
            else:
                afschalen = ProgressReport.Afschalen.NOT_NEEDED
            if rng.random() < 0.6:
                yield ProgressReport(
                    referral_id=pk,
                    reported_on=started_on + (ended_on - started_on) // 2,
                    summary=rng.choice(PROGRESS_SUMMARIES),
                    level_reached="A2" if component != Component.Z_ROUTE else "A1",
                    afschalen=(
                        ProgressReport.Afschalen.PROPOSED
                        if pk in lowered
                        else ProgressReport.Afschalen.NOT_ASSESSED
                    ),
                    reported_by_id=staff.get(provider_id),
                )
            yield ProgressReport(
                referral_id=pk,
                reported_on=ended_on,
                summary="Traject afgerond.",
                level_reached="A2" if pk in lowered else reached[component],
                afschalen=afschalen,
                reported_by_id=staff.get(provider_id),
            )

    # Self-paid enrolments

    def _enrolments(
        self, *, count: int, offerings: list[Offering], start_moments: list[StartMoment]
    ) -> None:
        """``count`` enrolments on start moments for sale (``portal.enrolments.rules``), by
        synthetic learner accounts (about 1.7 enrolments each), in every state; a Stripe
        payment for those paid or being paid online; and waiting lists on full start moments.

        Live enrolments (held, awaiting payment, confirmed) hold an open seat claim, within the
        seats the catalogue counts as taken; the others' claims are released.
        """
        if not count:
            return
        rng = self.rng
        by_pk = {offering.pk: offering for offering in offerings}
        for_sale = [
            moment
            for moment in start_moments
            if by_pk[moment.offering_id].price_cents is not None
            and by_pk[moment.offering_id].for_gezinsmigranten
            and by_pk[moment.offering_id].provider.is_active
        ]
        if not for_sale:
            return
        people = self._users(
            "learner accounts",
            [
                self._user(
                    local=f"cursist.{number:06d}",
                    first_name=rng.choice(FIRST_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    role=Role.LEARNER,
                )
                for number in range(1, max(count * 3 // 5, 1) + 1)
            ],
            role_group_of=None,
        )
        locations = {
            location.pk: location
            for location in Location.objects.filter(
                pk__in={moment.location_id for moment in for_sale if moment.location_id}
            )
        }
        taken = set(Enrolment.objects.values_list("reference", flat=True))
        live: set[tuple[int, int]] = set()
        sales = []
        for _ in range(count):
            moment = rng.choice(for_sale)
            user = rng.choice(people)
            state = _weighted(rng, ENROLMENT_STATE_WEIGHTS)
            if state == EnrolmentState.HELD and _last_enrolment_day(moment) < self.today:
                state = EnrolmentState.EXPIRED
            if state in LIVE_ENROLMENT_STATES and (
                self.seat_budget[moment.pk] <= 0 or (user.pk, moment.pk) in live
            ):
                state = EnrolmentState.EXPIRED
            if state in LIVE_ENROLMENT_STATES:
                self.seat_budget[moment.pk] -= 1
                live.add((user.pk, moment.pk))
            reference = _reference(rng, taken)
            sales.append(
                self._sale(
                    state=state,
                    moment=moment,
                    offering=by_pk[moment.offering_id],
                    user=user,
                    location=locations.get(moment.location_id),
                    reference=reference,
                )
            )
        with timestamps_as_given(SeatClaim, Enrolment, Payment, WaitingListEntry):
            claims = self.bulk_create(
                "seats of enrolments", SeatClaim, [claim for claim, _, _ in sales]
            )
            for (_, enrolment, payment), saved in zip(sales, claims, strict=True):
                enrolment.seat_claim = saved
                if payment is not None:
                    payment.enrolment = enrolment
            self.bulk_create("enrolments", Enrolment, [enrolment for _, enrolment, _ in sales])
            self.bulk_create(
                "payments", Payment, [payment for _, _, payment in sales if payment is not None]
            )
            self.bulk_create(
                "waiting list entries",
                WaitingListEntry,
                self._waiting_list(
                    count=max(count // 20, 1),
                    full=[m for m in for_sale if m.seats_taken >= m.seats],
                    people=people,
                    live=live,
                ),
            )

    def _sale(
        self,
        *,
        state: str,
        moment: StartMoment,
        offering: Offering,
        user: User,
        location: Location | None,
        reference: str,
    ) -> tuple[SeatClaim, Enrolment, Payment | None]:
        """One enrolment with its seat claim and (for Stripe) its payment, as the services of
        ``portal.enrolments`` leave them in ``state``."""
        rng, now = self.rng, self.now
        provider = offering.provider
        last_day = _last_enrolment_day(moment)
        latest = min(
            now, datetime.datetime.combine(last_day, datetime.time(21), tzinfo=datetime.UTC)
        )
        minute = datetime.timedelta(minutes=1)
        if state == EnrolmentState.HELD:
            lapsed = rng.random() < 0.2
            created = now - minute * (rng.randint(31, 600) if lapsed else rng.randint(1, 29))
        elif state in {EnrolmentState.CANCELLED, EnrolmentState.REFUNDED}:
            created = latest - minute * rng.randint(20 * 24 * 60, 120 * 24 * 60)
        elif state == EnrolmentState.AWAITING_PAYMENT:
            created = latest - minute * rng.randint(60, 5 * 24 * 60)
        else:
            created = latest - minute * rng.randint(60, 90 * 24 * 60)
        hold_until = created + datetime.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES)
        duo = (
            state in {EnrolmentState.CONFIRMED, EnrolmentState.CANCELLED}
            and offering.duo_loan_eligible
            and rng.random() < 0.35
        )
        paid_online = (
            state in {EnrolmentState.CONFIRMED, EnrolmentState.CANCELLED, EnrolmentState.REFUNDED}
            and not duo
        )
        confirmed = created + minute * rng.randint(2, 20) if paid_online or duo else None
        if state == EnrolmentState.CANCELLED and rng.random() < 0.3:
            paid_online = duo = False
            confirmed = None
        cancelled = refunded = None
        if state == EnrolmentState.CANCELLED:
            cancelled = (
                confirmed + datetime.timedelta(days=rng.randint(15, 19))
                if confirmed
                else created + minute * rng.randint(1, 25)
            )
        elif state == EnrolmentState.REFUNDED:
            cancelled = confirmed + datetime.timedelta(days=rng.randint(1, 13))
            refunded = cancelled + datetime.timedelta(hours=rng.randint(1, 72))
        released = None
        if state == EnrolmentState.EXPIRED:
            released = hold_until + minute * rng.randint(0, 10)
        elif state in {EnrolmentState.CANCELLED, EnrolmentState.REFUNDED}:
            released = cancelled
        events = [created, confirmed, cancelled, refunded, released]
        changed = max(event for event in events if event is not None)

        claim = SeatClaim(
            start_moment_id=moment.pk,
            purpose=SeatClaim.Purpose.ENROLMENT,
            expires_at=hold_until if state == EnrolmentState.HELD else None,
            released_at=released,
            created_at=created,
        )
        enrolment = Enrolment(
            reference=reference,
            user=user,
            learner_email=user.email,
            language=rng.choice(["nl", "nl", "nl", "en"]),
            start_moment_id=moment.pk,
            state=state,
            payment_method=(
                Enrolment.PaymentMethod.DUO_LOAN
                if duo
                else Enrolment.PaymentMethod.STRIPE
                if paid_online or state == EnrolmentState.AWAITING_PAYMENT
                else ""
            ),
            hold_expires_at=hold_until
            if state in {EnrolmentState.HELD, EnrolmentState.EXPIRED}
            else None,
            provider_name=provider.name,
            offering_title=offering.title,
            location_text=(
                f"{location.name}, {location.street_address}, {location.postcode} {location.city}"
                if location
                else "Online"
            ),
            starts_on=moment.starts_on,
            price_cents=offering.price_cents,
            price_includes=_price_includes(offering),
            cancellation_terms=provider.cancellation_terms,
            late_refund_percent=provider.late_cancellation_refund_percent,
            duo_declaration=(
                "Ik betaal deze cursus met mijn DUO-lening en accepteer de facturen in "
                "Mijn Inburgering."
                if duo
                else ""
            ),
            created_at=created,
            confirmed_at=confirmed,
            cancelled_at=cancelled,
            refunded_at=refunded,
            refund_cents=offering.price_cents if refunded else 0,
            updated_at=changed,
        )
        status = None
        if paid_online:
            status = Payment.Status.REFUNDED if refunded else Payment.Status.PAID
        elif state == EnrolmentState.AWAITING_PAYMENT:
            status = Payment.Status.PROCESSING
        elif state in {EnrolmentState.HELD, EnrolmentState.EXPIRED} and rng.random() < 0.3:
            status = Payment.Status.OPEN if state == EnrolmentState.HELD else Payment.Status.EXPIRED
        payment = None
        if status is not None:
            session = f"cs_test_{self.prefix.lower()}_{reference.removeprefix('RW-').lower()}"
            payment = Payment(
                checkout_session_id=session,
                checkout_url=f"https://checkout.stripe.com/c/pay/{session}",
                payment_intent_id=(
                    f"pi_{self.prefix.lower()}_{reference[3:].lower()}"
                    if status != Payment.Status.OPEN
                    else ""
                ),
                amount_cents=offering.price_cents,
                destination_account=f"acct_{self.prefix.lower()}{provider.kvk_number}",
                status=status,
                amount_refunded_cents=offering.price_cents if refunded else 0,
                expires_at=created + minute * 31,
                paid_at=confirmed if paid_online else None,
                refunded_at=refunded,
                created_at=created + minute,
                updated_at=changed,
            )
        return claim, enrolment, payment

    def _waiting_list(
        self,
        *,
        count: int,
        full: list[StartMoment],
        people: list[User],
        live: set[tuple[int, int]],
    ) -> list[WaitingListEntry]:
        """Learners waiting for a seat on full start moments; some left the list again."""
        entries: list[WaitingListEntry] = []
        waiting: set[tuple[int, int]] = set()
        for _ in range(count if full else 0):
            moment = self.rng.choice(full)
            user = self.rng.choice(people)
            key = (user.pk, moment.pk)
            state = (
                WaitingListEntry.State.WAITING
                if self.rng.random() < 0.7
                else WaitingListEntry.State.LEFT
            )
            if state == WaitingListEntry.State.WAITING:
                if key in waiting or key in live:
                    continue
                waiting.add(key)
            entries.append(
                WaitingListEntry(
                    user=user,
                    start_moment_id=moment.pk,
                    state=state,
                    created_at=self.now
                    - datetime.timedelta(minutes=self.rng.randint(60, 60 * 24 * 60)),
                )
            )
        return entries


def _reference(rng: random.Random, taken: set[str]) -> str:
    """An enrolment reference like ``enrolment_reference``'s, from the seeded generator."""
    while True:
        reference = "RW-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))
        if reference not in taken:
            taken.add(reference)
            return reference


def _last_enrolment_day(moment: StartMoment) -> datetime.date:
    return moment.last_enrolment_day


def _price_includes(offering: Offering) -> str:
    parts = []
    if offering.price_includes_exams:
        parts.append("examenkosten")
    if offering.price_includes_materials:
        parts.append("lesmateriaal")
    if offering.price_includes_other:
        parts.append(offering.price_includes_other)
    return ", ".join(parts)


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _month_end(month) + datetime.timedelta(days=1)
    return months
