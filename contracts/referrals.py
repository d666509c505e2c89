"""Referrals and placements: the state machine, who may move it, capacity and the SLA.

    draft ──► sent ──► accepted ──► started ──► completed
      │         │          │            └─────► stopped (reason)
      │         └──► declined (reason)
      └─────────┴──────────┴──► withdrawn (reason; by the klantmanager, before the start)

A referral takes a place of its lot's capacity period when it is sent (``contracts.capacity``;
over capacity only with a contract manager's recorded override) and, where it names a start date,
a seat through ``providers.seats``; both are given back when it is declined or withdrawn. Every
change goes through ``referral_transition``, which refuses what the table does not allow and
records actor, time and reason, and has ``contracts.notifying`` tell the other side by e-mail.

What may be referred follows table 1 of the seed (``shared/domain``): statushouders to their route
(B1, Z or onderwijsroute), the brugklas, PVT and MAP; gezinsmigranten only to PVT and MAP (their
language course is their own choice).

The Keurmerk rule (``contracts.contracting.keurmerk_refusal``): municipalities may buy B1-route and
Z-route trajectories for statushouders only from holders of a valid Keurmerk Inburgeren. A lot is
checked when it becomes active; a new referral to it is checked again on the day it is sent
(``referral_keurmerk_refusal``), so a mark that lapsed during the contract stops new referrals.
Referrals already sent stay as they are. A draft takes nothing, so a klantmanager may save one (the
admin warns); only a contract manager may send it, with a reason of its own
(``keurmerk_override_reason``), recorded with the actor on the referral's change to sent.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import capacity, notifying
from contracts.capacity import LotFull as LotFull  # re-exported: one class for a full lot
from contracts.contracting import keurmerk_refusal, lot_answer_deadline, lot_start_deadline
from contracts.models import (
    ContractStatus,
    Learner,
    LotStatus,
    Referral,
    ReferralState,
    ReferralTransition,
)
from contracts.models import Lot as LotModel
from contracts.refusals import ReferralRefused as ReferralRefused  # re-exported by name
from portal import permissions
from portal.accounts.models import User
from portal.permissions import Action
from providers import seats
from providers.choices import Component, TargetGroup
from providers.models import Provider, SeatClaim, StartMoment

State = ReferralState

TRANSITIONS: dict[str, frozenset[str]] = {
    State.DRAFT: frozenset({State.SENT, State.WITHDRAWN}),
    State.SENT: frozenset({State.ACCEPTED, State.DECLINED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.STARTED, State.WITHDRAWN}),
    State.STARTED: frozenset({State.COMPLETED, State.STOPPED}),
    State.DECLINED: frozenset(),
    State.COMPLETED: frozenset(),
    State.STOPPED: frozenset(),
    State.WITHDRAWN: frozenset(),
}
# Which side moves the referral into each state.
MUNICIPAL_STATES = frozenset({State.SENT, State.WITHDRAWN})
PROVIDER_STATES = frozenset(
    {State.ACCEPTED, State.DECLINED, State.STARTED, State.COMPLETED, State.STOPPED}
)
REASON_REQUIRED = frozenset({State.DECLINED, State.STOPPED, State.WITHDRAWN})
# While a referral holds a place and maybe a seat that must be given back if it ends early.
HOLDS_CAPACITY = frozenset({State.SENT, State.ACCEPTED})
# A referral in progress: the learner is on their way into, or in, that lot's course.
IN_PROGRESS = frozenset({State.DRAFT, State.SENT, State.ACCEPTED, State.STARTED})
# The referrals counted in their lot's capacity period (``LotPeriodUse.used``): a place is taken
# when a referral is sent and given back only when it is declined or withdrawn, so a started,
# completed or stopped placement keeps it.
COUNTS_AGAINST_CAPACITY = frozenset(
    {State.SENT, State.ACCEPTED, State.STARTED, State.COMPLETED, State.STOPPED}
)

# With a capacity override's reason (at most 300 characters, ``OverrideForm``) it still fits the
# reason of the change to sent (``ReferralTransition.reason``, 500).
KEURMERK_OVERRIDE_REASON_MAX_LENGTH = 190

ROUTE_COMPONENTS = {Component.B1_ROUTE, Component.Z_ROUTE, Component.ONDERWIJSROUTE}
REFERABLE = {
    TargetGroup.STATUSHOUDER: frozenset({Component.BRUGKLAS, Component.PVT, Component.MAP}),
    TargetGroup.GEZINSMIGRANT: frozenset({Component.PVT, Component.MAP}),
}


class KeurmerkNotValid(ReferralRefused):
    def __init__(self, *, provider: Provider) -> None:
        super().__init__(
            _(
                "The quality mark (Keurmerk Inburgeren) of %(provider)s is not valid, so this lot "
                "takes no new referrals. Save a draft: a contract manager can send it, with a "
                "reason."
            )
            % {"provider": provider.name},
            field="lot",
        )


def referral_keurmerk_refusal(
    *, lot: LotModel, on: datetime.date, provider: Provider | None = None
) -> KeurmerkNotValid | None:
    """The refusal of a new referral to ``lot`` on ``on`` because its provider has no valid
    Keurmerk Inburgeren (only B1-route and Z-route lots need one), or None.

    ``provider`` is the lot's provider as read by the caller (``referral_send`` reads it under the
    referral's lock); by default ``lot.contract.provider``. Which components need the mark and when
    it is valid is ``contracting.keurmerk_refusal``'s rule, asked here, not repeated.
    """
    provider = provider or lot.contract.provider
    if keurmerk_refusal(provider=provider, component=lot.component, on=on) is None:
        return None
    return KeurmerkNotValid(provider=provider)


def referable_components(learner: Learner) -> frozenset[str]:
    """The components ``learner`` may be referred to (``REFERABLE``): a statushouder also to
    the route in their PIP, once it is set."""
    allowed = set(REFERABLE.get(learner.target_group, ()))
    if learner.target_group == TargetGroup.STATUSHOUDER and learner.route:
        allowed.add(learner.route)
    return frozenset(allowed)


def referable_refusal(*, learner: Learner, lot: LotModel, on: datetime.date) -> str | None:
    """Why ``learner`` cannot be referred to ``lot`` on ``on``, or None."""
    if learner.closed_at is not None:
        return _("This learner's case is closed.")
    if lot.component not in referable_components(learner):
        if lot.component in ROUTE_COMPONENTS and learner.target_group == TargetGroup.STATUSHOUDER:
            return _("A statushouder is referred to the route in their PIP; set the route first.")
        return _("Learners of this target group cannot be referred to this component.")
    contract = lot.contract
    if lot.status != LotStatus.ACTIVE or contract.status != ContractStatus.ACTIVE:
        return _("This lot is not active.")
    if not contract.starts_on <= on <= contract.ends_on:
        return _("The contract is not in force on this date.")
    if not contract.municipalities.filter(pk=learner.municipality_id).exists():
        return _("The contract does not cover the learner's municipality.")
    return None


def referable_lots(*, learner: Learner, on: datetime.date) -> QuerySet[LotModel]:
    """The lots ``learner`` may be referred to on ``on``: exactly those ``referable_refusal``
    lets through (a test holds the two together), as one query instead of one per lot."""
    if learner.closed_at is not None:
        return LotModel.objects.none()
    return LotModel.objects.filter(
        component__in=referable_components(learner),
        status=LotStatus.ACTIVE,
        contract__status=ContractStatus.ACTIVE,
        contract__starts_on__lte=on,
        contract__ends_on__gte=on,
        contract__municipalities=learner.municipality_id,
    )


@dataclass(frozen=True)
class LotChoice:
    """A lot a learner may be referred to, as the refer form offers it."""

    lot: LotModel
    capacity_left: int
    """Places left in the lot's capacity period of today (``capacity.capacity_left``)."""
    keurmerk_refusal: KeurmerkNotValid | None
    """Why a referral to it cannot be sent now for want of a quality mark (a draft can)."""
    start_dates: list[StartMoment]
    """Later start dates with a free seat, of the published offerings that deliver the lot."""

    @property
    def full(self) -> bool:
        return self.capacity_left <= 0


def referral_lot_choices(*, learner: Learner, on: datetime.date) -> list[LotChoice]:
    """The lots ``learner`` may be referred to on ``on`` (``referable_lots``), by provider and
    component, each with its places left, its quality-mark refusal and its start dates after
    ``on`` that have a free seat, earliest first. Three queries, whatever the number of lots.

    A full lot, or one whose provider's mark is not valid, is still offered: a draft to it takes
    nothing, and a contract manager may send it with a reason (``referral_send``).
    """
    lots = list(
        referable_lots(learner=learner, on=on)
        .select_related("contract__provider")
        .order_by("contract__provider__name", "component", "name", "pk")
    )
    if not lots:
        return []
    places_left = capacity.capacity_left_per_lot(lots=lots, on=on)
    start_dates: dict[int, list[StartMoment]] = {lot.pk: [] for lot in lots}
    moments = (
        StartMoment.objects.annotate(for_lot=F("offering__lots"))
        .filter(for_lot__in=list(start_dates), offering__live=True, starts_on__gt=on)
        .filter(seats.has_free_seats_q())
        .select_related("offering__provider", "location")
        .order_by("starts_on", "offering__provider__name", "pk")
    )
    for moment in moments:
        start_dates[moment.for_lot].append(moment)
    return [
        LotChoice(
            lot=lot,
            capacity_left=places_left[lot.pk],
            keurmerk_refusal=referral_keurmerk_refusal(lot=lot, on=on),
            start_dates=start_dates[lot.pk],
        )
        for lot in lots
    ]


def referral_learners(
    *, user: User, search: str = "", mine: bool = True, in_progress: bool = False
) -> QuerySet[Learner]:
    """The learners ``user`` may refer (``referral_may_start``: open, not anonymised, theirs to
    change), by name: by default only their own caseload and only those without a referral in
    progress (``IN_PROGRESS``). Each word of ``search`` must match the start of a first or last
    name, or a client number. Annotated ``has_referral_in_progress``."""
    learners = permissions.scope(
        user,
        Action.CHANGE,
        Learner.objects.filter(closed_at__isnull=True, anonymised_at__isnull=True),
    )
    if mine:
        learners = learners.filter(klantmanager=user)
    for word in search.split()[:5]:
        learners = learners.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(last_name__icontains=f" {word}")
            | Q(client_number__iexact=word)
        )
    live = Referral.objects.filter(learner=OuterRef("pk"), state__in=IN_PROGRESS)
    learners = learners.annotate(has_referral_in_progress=Exists(live))
    if not in_progress:
        learners = learners.filter(has_referral_in_progress=False)
    return learners.order_by("last_name", "first_name", "pk")


@dataclass(frozen=True)
class Sla:
    answer_overdue: bool
    start_overdue: bool

    @property
    def breached(self) -> bool:
        return self.answer_overdue or self.start_overdue


def referral_sla(referral: Referral, *, today: datetime.date | None = None) -> Sla:
    """Is the provider late: no answer by ``answer_due``, or not started by ``start_due``?"""
    today = today or timezone.localdate()
    return Sla(
        answer_overdue=referral.state == State.SENT
        and referral.answer_due is not None
        and today > referral.answer_due,
        start_overdue=referral.state == State.ACCEPTED
        and referral.start_due is not None
        and today > referral.start_due,
    )


@dataclass(frozen=True)
class SlaHistory:
    """How a referral met its SLA so far: answered (accepted or declined) after ``answer_due``,
    started after ``start_due``. ``referral_sla`` says what is overdue and still open."""

    answered_on: datetime.date | None
    answered_late: bool
    started_late: bool


def referral_sla_history(referral: Referral) -> SlaHistory:
    """The answer's day (in the portal's time zone) is that of ``accepted_at`` for an accepted
    referral (also when it was withdrawn or ended since); a referral has no time of declining,
    so for a declined one it is that of the change from sent to declined in its history. The
    start is ``started_on``, the day the learner really started."""
    answered_on = None
    if referral.accepted_at is not None:
        answered_on = timezone.localdate(referral.accepted_at)
    elif referral.state == State.DECLINED:
        declined = referral.transitions.filter(
            from_state=State.SENT, to_state=State.DECLINED
        ).first()
        answered_on = timezone.localdate(declined.at) if declined is not None else None
    return SlaHistory(
        answered_on=answered_on,
        answered_late=answered_on is not None
        and referral.answer_due is not None
        and answered_on > referral.answer_due,
        started_late=referral.started_on is not None
        and referral.start_due is not None
        and referral.started_on > referral.start_due,
    )


@dataclass(frozen=True)
class SlaConditions:
    """``referral_sla`` and ``referral_sla_history`` as ``Q`` conditions, for counting in the
    database: on ``Referral`` (or with a prefix, from a model that points at it), except
    ``declined_late``, which applies to ``referral_declines()``."""

    answer_overdue: Q
    start_overdue: Q
    started_late: Q
    accepted_late: Q
    declined_late: Q


def referral_sla_conditions(*, today: datetime.date, prefix: str = "") -> SlaConditions:
    """The SLA rules as ``Q`` objects; ``prefix`` (e.g. ``"referral__"``) reaches the referral
    from another model. A referral is answered late when it is ``accepted_late`` or (among
    ``referral_declines()``) ``declined_late``."""
    return SlaConditions(
        answer_overdue=Q(**{f"{prefix}state": State.SENT, f"{prefix}answer_due__lt": today}),
        start_overdue=Q(**{f"{prefix}state": State.ACCEPTED, f"{prefix}start_due__lt": today}),
        started_late=Q(**{f"{prefix}started_on__gt": F(f"{prefix}start_due")}),
        accepted_late=Q(**{f"{prefix}accepted_at__date__gt": F(f"{prefix}answer_due")}),
        declined_late=Q(at__date__gt=F("referral__answer_due")),
    )


def referral_declines() -> QuerySet[ReferralTransition]:
    """The providers' refusals of referrals (sent → declined): for ``declined_late``."""
    return ReferralTransition.objects.filter(
        from_state=State.SENT, to_state=State.DECLINED, referral__state=State.DECLINED
    )


@dataclass(frozen=True)
class AwaitingAnswer:
    """The referrals a provider's staff member must answer: how many, how many past their
    answer deadline (``SlaConditions.answer_overdue``), and the first ones by deadline."""

    total: int
    overdue: int
    first: list[Referral]


def referrals_awaiting_answer(*, user: User, today: datetime.date, limit: int) -> AwaitingAnswer:
    """The sent referrals ``user`` may see (for provider staff: those to their lots), the
    earliest answer deadline first. Two queries, whatever the number."""
    waiting = permissions.scope(user, Action.VIEW, Referral.objects.filter(state=State.SENT))
    counts = waiting.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=referral_sla_conditions(today=today).answer_overdue),
    )
    first = list(
        waiting.select_related("learner", "lot__contract__provider").order_by(
            F("answer_due").asc(nulls_last=True), "sent_at", "pk"
        )[:limit]
    )
    return AwaitingAnswer(total=counts["total"], overdue=counts["overdue"], first=first)


ANSWERS = (State.ACCEPTED, State.DECLINED)


@dataclass(frozen=True)
class AnswersSince:
    """The providers' answers (accepted or declined) to referrals since a moment."""

    since: datetime.datetime
    accepted: int
    declined: int
    first: list[ReferralTransition]  # the latest first, each with its referral

    @property
    def total(self) -> int:
        return self.accepted + self.declined


def referral_answers_since(*, user: User, since: datetime.datetime, limit: int) -> AnswersSince:
    """The answers to the referrals ``user`` may see (a klantmanager: their municipality's)
    given at ``since`` or later: the changes from sent to accepted or declined, with the
    provider's reason for a decline. Two queries, whatever the number."""
    visible = permissions.scope(user, Action.VIEW, Referral.objects.all())
    answers = ReferralTransition.objects.filter(
        from_state=State.SENT, to_state__in=ANSWERS, at__gte=since, referral__in=visible
    )
    counts = answers.aggregate(
        accepted=Count("pk", filter=Q(to_state=State.ACCEPTED)),
        declined=Count("pk", filter=Q(to_state=State.DECLINED)),
    )
    first = list(
        answers.select_related("referral__learner", "referral__lot__contract__provider").order_by(
            "-at", "-pk"
        )[:limit]
    )
    return AnswersSince(
        since=since, accepted=counts["accepted"], declined=counts["declined"], first=first
    )


# Which side of a referral a person acts for: the permission engine's named predicates.
is_provider_side = permissions.is_provider_side
is_municipal_side = permissions.is_municipal_side


def referral_may_override(*, user: User) -> bool:
    """Only contract managers (and superusers) refer over a lot's capacity, or to a lot whose
    provider's quality mark is not valid."""
    return permissions.oversees_the_region(user)


def referral_may_start(*, user: User, learner: Learner) -> bool:
    """May ``user`` open a referral for ``learner`` (the "Refer" button and form)? Whoever may
    add referrals and change the learner's case, while the case is open."""
    return (
        learner.closed_at is None
        and permissions.can_on_model(user, Action.ADD, Referral)
        and permissions.can(user, Action.CHANGE, learner)
    )


def referral_next_states(*, user: User, referral: Referral) -> list[str]:
    """The states this user's side may move ``referral`` into now."""
    sides: set[str] = set()
    if is_municipal_side(user=user):
        sides |= MUNICIPAL_STATES
    if is_provider_side(user=user):
        sides |= PROVIDER_STATES
    possible = TRANSITIONS[referral.state] & sides
    if not possible or not permissions.can(user, Action.CHANGE, referral):
        return []
    return [state for state in State.values if state in possible]


def referral_create(
    *,
    learner: Learner,
    lot: LotModel,
    actor: User,
    start_moment: StartMoment | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Referral:
    """A draft referral by the learner's klantmanager.

    A draft takes no place, so a B1/Z lot whose provider has no valid mark is not refused here:
    ``referral_send`` refuses it, and a contract manager may send it with a reason.
    """
    today = today or timezone.localdate()
    _require_municipal(actor, learner)
    if reason := referable_refusal(learner=learner, lot=lot, on=today):
        raise ReferralRefused(reason, field="lot")
    delivering = {offering.pk for offering in lot.offerings.all()}
    if start_moment is not None and start_moment.offering_id not in delivering:
        raise ReferralRefused(
            _("Choose a start date of an offering that delivers this lot."), field="start_moment"
        )
    with transaction.atomic():
        referral = Referral.objects.create(
            learner=learner, lot=lot, start_moment=start_moment, note=note, created_by=actor
        )
        ReferralTransition.record_start(
            referral, actor=actor, reason=ReferralTransition.SystemReason.CREATED
        )
    return referral


def referral_send(
    *,
    referral: Referral,
    actor: User,
    override_reason: str = "",
    keurmerk_override_reason: str = "",
    today: datetime.date | None = None,
) -> Referral:
    """Send the referral: take a place of the lot's period (and the seat), set the answer due.

    Over capacity only by a contract manager with a reason (``override_reason``). To a B1/Z lot
    whose provider has no valid mark on ``today`` only by a contract manager with a reason of its
    own (``keurmerk_override_reason``): one override never passes the other's refusal. The mark is
    read under the referral's lock. The change to sent records the actor and the reasons of the
    overrides used; a capacity override is also kept on the referral (``capacity_override_*``).
    """
    today = today or timezone.localdate()
    override = bool(override_reason.strip())
    keurmerk_override = bool(keurmerk_override_reason.strip())
    if override and not referral_may_override(user=actor):
        raise ReferralRefused(_("Only a contract manager can refer over capacity."))
    if keurmerk_override and not referral_may_override(user=actor):
        raise ReferralRefused(
            _("Only a contract manager can refer to a provider without a valid quality mark."),
            field="keurmerk_override_reason",
        )
    if len(keurmerk_override_reason.strip()) > KEURMERK_OVERRIDE_REASON_MAX_LENGTH:
        raise ReferralRefused(
            _("Keep the reason to %(count)d characters.")
            % {"count": KEURMERK_OVERRIDE_REASON_MAX_LENGTH},
            field="keurmerk_override_reason",
        )
    if not (override or keurmerk_override):
        _require_municipal(actor, referral.learner)
    if reason := referable_refusal(learner=referral.learner, lot=referral.lot, on=today):
        raise ReferralRefused(reason, field="lot")
    with transaction.atomic():
        locked = _locked(referral)
        _check_transition(locked, State.SENT)
        # Decide on the mark as it is now, read after the lock (a renewal or a lapse recorded
        # since ``referral`` was loaded counts).
        provider = Provider.objects.get(pk=locked.lot.contract.provider_id)
        mark_refusal = referral_keurmerk_refusal(lot=locked.lot, on=today, provider=provider)
        if mark_refusal is not None and not keurmerk_override:
            raise mark_refusal
        # A full lot raises ``LotFull`` (a ``ReferralRefused``), with the lot and the period.
        use = capacity.capacity_take(lot=locked.lot, on=today, override=override)
        claim = None
        if locked.start_moment_id is not None:
            try:
                claim = seats.seat_take(
                    start_moment_id=locked.start_moment_id, purpose=SeatClaim.Purpose.PLACEMENT
                )
            except seats.StartMomentFull:
                raise ReferralRefused(
                    _("This start date is full. Choose another start date."), field="start_moment"
                ) from None
        changes = {
            "period_use": use,
            "seat_claim": claim,
            "sent_at": timezone.now(),
            "answer_due": lot_answer_deadline(lot=locked.lot, referred_on=today),
        }
        reasons = []
        if override:
            changes |= {"capacity_override_reason": override_reason, "capacity_override_by": actor}
            reasons.append(override_reason)
        if mark_refusal is not None:
            reasons.append(keurmerk_override_reason.strip())
        return referral_transition(
            referral=locked,
            to_state=State.SENT,
            actor=actor,
            reason="\n".join(reasons),
            **changes,
        )


def referral_accept(*, referral: Referral, actor: User) -> Referral:
    with transaction.atomic():
        locked = _locked(referral)
        require_provider(actor, locked)
        today = timezone.localdate()
        return referral_transition(
            referral=locked,
            to_state=State.ACCEPTED,
            actor=actor,
            accepted_at=timezone.now(),
            start_due=lot_start_deadline(lot=locked.lot, accepted_on=today),
        )


def referral_decline(*, referral: Referral, actor: User, reason: str) -> Referral:
    with transaction.atomic():
        locked = _locked(referral)
        require_provider(actor, locked)
        referral_transition(referral=locked, to_state=State.DECLINED, actor=actor, reason=reason)
        _give_back(locked)
        return locked


def referral_start(*, referral: Referral, actor: User, started_on: datetime.date) -> Referral:
    with transaction.atomic():
        locked = _locked(referral)
        require_provider(actor, locked)
        if started_on > timezone.localdate():
            raise ReferralRefused(_("The start date cannot be in the future."), field="started_on")
        return referral_transition(
            referral=locked, to_state=State.STARTED, actor=actor, started_on=started_on
        )


def referral_end(
    *, referral: Referral, actor: User, completed: bool, ended_on: datetime.date, reason: str = ""
) -> Referral:
    """Completed, or stopped with a reason (the learner left, moved, fell ill…)."""
    with transaction.atomic():
        locked = _locked(referral)
        require_provider(actor, locked)
        if locked.started_on and ended_on < locked.started_on:
            raise ReferralRefused(_("The end cannot be before the start."), field="ended_on")
        return referral_transition(
            referral=locked,
            to_state=State.COMPLETED if completed else State.STOPPED,
            actor=actor,
            reason=reason,
            ended_on=ended_on,
        )


def referral_withdraw(*, referral: Referral, actor: User, reason: str) -> Referral:
    with transaction.atomic():
        locked = _locked(referral)
        _require_municipal(actor, locked.learner)
        previous = locked.state
        referral_transition(referral=locked, to_state=State.WITHDRAWN, actor=actor, reason=reason)
        if previous in HOLDS_CAPACITY:
            _give_back(locked)
        return locked


def referral_transition(
    *, referral: Referral, to_state: str, actor: User | None, reason: str = "", **changes: object
) -> Referral:
    """Move ``referral`` to ``to_state`` with ``changes``, and record who, when and why. Call it
    inside a transaction with the row locked; refuses what ``TRANSITIONS`` does not allow."""
    _check_transition(referral, to_state)
    if to_state in REASON_REQUIRED and not reason.strip():
        raise ReferralRefused(_("Give a reason."), field="reason")
    from_state = ReferralTransition.record_move(
        referral, to_state=to_state, actor=actor, reason=reason, **changes
    )
    notifying.referral_moved_notify(referral, from_state=from_state)
    return referral


def _check_transition(referral: Referral, to_state: str) -> None:
    if to_state not in TRANSITIONS[referral.state]:
        raise ReferralRefused(
            _("A referral that is %(state)s cannot become %(to)s.")
            % {
                "state": State(referral.state).label.lower(),
                "to": State(to_state).label.lower(),
            }
        )


def _give_back(referral: Referral) -> None:
    if referral.period_use_id is not None:
        capacity.capacity_release(period_use=referral.period_use)
    if referral.seat_claim_id is not None:
        seats.seat_release(referral.seat_claim)


def _locked(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("learner", "lot__contract", "period_use", "seat_claim")
        .get(pk=referral.pk)
    )


def _require_municipal(actor: User, learner: Learner) -> None:
    if permissions.oversees_the_region(actor):
        return
    if not permissions.works_for_municipality(actor, learner.municipality_id):
        raise ReferralRefused(_("Only a klantmanager of the learner's municipality can do this."))


def require_provider(actor: User, referral: Referral) -> None:
    if permissions.acts_for_anybody(actor):
        return
    if referral.lot.contract.provider_id not in permissions.provider_ids(actor):
        raise ReferralRefused(_("Only the provider this learner was referred to can do this."))
