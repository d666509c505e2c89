"""Taking a place: holding a seat, the waiting list, choosing the DUO loan, letting a hold lapse.

Seats are only taken and given back through ``providers.seats``. A learner's hold lasts
``ENROLMENT_HOLD_MINUTES``; a seat offered from the waiting list ``WAITING_LIST_HOLD_HOURS``.
While anyone waits for a start moment, a newcomer joins the list instead of taking a seat that
was freed for the first in line.

A learner holds seats on at most ``ENROLMENT_MAX_ACTIVE_HOLDS`` start dates at a time
(``rules.active_holds``). The count is read with the learner's user row locked, in the
transaction that takes the seat, so two requests of one learner at the same moment cannot both
pass it; a learner at the limit is passed over by the waiting list and keeps their place in line.
Locking order: waiting-list entry, then the learner, then the start moment (``providers.seats``).
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from portal import permissions
from portal.accounts.models import User
from portal.core.tasks import PRIORITY_PEOPLE_WAIT, durable_task
from portal.enrolments import rules, states
from portal.enrolments.models import (
    LIVE_STATES,
    Enrolment,
    EnrolmentTransition,
    WaitingListEntry,
)
from portal.enrolments.tasks import Email, enrolment_email
from providers import seats
from providers.models import SeatClaim, StartMoment
from providers.offerings import provider_cancellation_terms
from providers.seats import StartMomentFull  # the one "no seat free": callers catch it

logger = logging.getLogger(__name__)


class EnrolmentRefused(Exception):
    """The learner cannot enrol or act on this enrolment; ``message`` says why, for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def start_moment_full_message() -> str:
    """What the learner is told when no seat is free (``StartMomentFull``)."""
    return _("This start date is full. You can join the waiting list.")


class HoldLimitReached(EnrolmentRefused):
    """The learner already holds seats on as many start dates as they may; ``holds`` are those
    places (``rules.active_holds``), for the page that says how to make room."""

    def __init__(self, message: str, *, holds: list[Enrolment]) -> None:
        super().__init__(message)
        self.holds = holds


def enrolment_start(*, user: User, start_moment: StartMoment) -> Enrolment:
    """Hold a seat for ``user`` and open their enrolment, or return their live one.

    Raises ``EnrolmentRefused`` (with the reason), ``HoldLimitReached`` or
    ``seats.StartMomentFull`` (the learner may join the waiting list:
    ``start_moment_full_message``); nothing is written when it raises.
    """
    if not permissions.is_learner(user):
        raise EnrolmentRefused(_("Only learners' accounts can enrol on a course."))
    existing = _live_enrolment(user, start_moment)
    if existing is not None:
        return existing
    if reason := rules.sale_refusal(start_moment):
        raise EnrolmentRefused(reason)
    if WaitingListEntry.objects.filter(
        start_moment=start_moment, state=WaitingListEntry.State.WAITING
    ).exists():
        raise StartMomentFull(start_moment.pk)
    try:
        with transaction.atomic():
            _learner_lock(user)
            # Decide on what is read under the lock: a parallel request of this learner may have
            # enrolled here, or taken their last free hold, while this one waited.
            existing = _live_enrolment(user, start_moment)
            if existing is not None:
                return existing
            now = timezone.now()
            holds = list(rules.active_holds(user=user, now=now))
            if refusal := rules.hold_limit_refusal(holds):
                raise HoldLimitReached(refusal, holds=holds)
            hold_until = now + datetime.timedelta(minutes=settings.ENROLMENT_HOLD_MINUTES)
            claim = seats.seat_take(
                start_moment_id=start_moment.pk,
                purpose=SeatClaim.Purpose.ENROLMENT,
                hold_until=hold_until,
            )
            return _enrolment_create(
                user,
                start_moment,
                claim,
                hold_until,
                actor=user,
                reason=EnrolmentTransition.SystemReason.ENROLLED,
            )
    except IntegrityError:
        # The same learner enrolled in a parallel request: theirs stands.
        existing = _live_enrolment(user, start_moment)
        if existing is None:
            raise
        return existing


def hold_has_expired(enrolment: Enrolment, *, now: datetime.datetime | None = None) -> bool:
    return (
        enrolment.state == Enrolment.State.HELD
        and enrolment.hold_expires_at is not None
        and enrolment.hold_expires_at <= (now or timezone.now())
    )


def enrolment_lock(enrolment_id: int) -> Enrolment:
    """Lock the enrolment's start moment, then the enrolment, and read it as it is now.

    Every path that locks an enrolment and may keep or release its seat takes this order, the
    order of releasing expired holds (``providers.seats.start_moment_lock``): locking the
    enrolment first would let a learner confirming a lapsed hold and another learner taking a
    seat on the same start date wait for each other until PostgreSQL aborts one of them. Call it
    inside the caller's transaction.
    """
    start_moment_id = Enrolment.objects.values_list("start_moment_id", flat=True).get(
        pk=enrolment_id
    )
    seats.start_moment_lock(start_moment_id)
    return Enrolment.objects.select_for_update().get(pk=enrolment_id)


def enrolment_expire(enrolment: Enrolment) -> bool:
    """Let a lapsed hold go: the seat is freed and offered to the waiting list.

    True if the enrolment expired now. A hold that is being paid for (an open checkout) is kept
    by its payment's expiry instead.
    """
    with transaction.atomic():
        locked = enrolment_lock(enrolment.pk)
        if not hold_has_expired(locked):
            return False
        seat_give_back(
            enrolment=locked,
            to_state=Enrolment.State.EXPIRED,
            reason=EnrolmentTransition.SystemReason.HOLD_LAPSED,
        )
        waiting_entry_close(locked)
    enrolment.refresh_from_db()
    return True


def holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire every lapsed hold and offer the freed seats to the waiting lists (periodic job)."""
    now = now or timezone.now()
    expired = 0
    for enrolment in Enrolment.objects.filter(
        state=Enrolment.State.HELD, hold_expires_at__lte=now
    ).select_related("seat_claim"):
        expired += enrolment_expire(enrolment)
    seats.holds_release_expired(now=now)
    for start_moment_id in (
        WaitingListEntry.objects.filter(state=WaitingListEntry.State.WAITING)
        .values_list("start_moment_id", flat=True)
        .distinct()
    ):
        waiting_list_offer(start_moment_id=start_moment_id)
    return expired


def duo_loan_choose(
    *, enrolment: Enrolment, declaration: str, actor: User | None = None
) -> Enrolment:
    """Confirm the place as to be paid through the learner's DUO loan, with their declaration."""
    if reason := rules.duo_loan_refusal(enrolment):
        raise EnrolmentRefused(reason)
    with transaction.atomic():
        locked = enrolment_lock(enrolment.pk)
        if locked.state != Enrolment.State.HELD:
            raise EnrolmentRefused(_("This enrolment is no longer waiting for a payment choice."))
        if locked.payments.filter(status="open").exists():
            raise EnrolmentRefused(
                _("You started an online payment. Finish or cancel it before choosing DUO.")
            )
        seats.seat_keep(locked.seat_claim)  # raises StartMomentFull when the seat went
        states.enrolment_transition(
            enrolment=locked,
            to_state=Enrolment.State.CONFIRMED,
            actor=actor,
            reason=EnrolmentTransition.SystemReason.DUO_LOAN,
            payment_method=Enrolment.PaymentMethod.DUO_LOAN,
            duo_declaration=declaration,
            hold_expires_at=None,
            confirmed_at=timezone.now(),
        )
        waiting_entry_close(locked)
        enrolment_email(enrolment=locked, email=Email.CONFIRMED)
    return locked


def enrolments_of_deleted_account_release(*, user: User) -> None:
    """Free the seats the user holds without having paid; call inside the deletion's
    transaction. Each place is locked and read again first: a payment confirmed meanwhile keeps
    its seat."""
    held = Enrolment.objects.filter(user=user, state=Enrolment.State.HELD)
    for enrolment_id in list(held.order_by("pk").values_list("pk", flat=True)):
        locked = enrolment_lock(enrolment_id)
        if locked.state == Enrolment.State.HELD:
            seat_give_back(
                enrolment=locked,
                to_state=Enrolment.State.EXPIRED,
                reason=EnrolmentTransition.SystemReason.ACCOUNT_DELETED,
            )


def seat_give_back(
    *,
    enrolment: Enrolment,
    to_state: str,
    reason: str,
    actor: User | None = None,
    **changes: object,
) -> None:
    """End a place: free its seat, record the change to ``to_state`` (with ``changes``) and,
    after the commit, offer the seat to the waiting list. Call it inside the caller's
    transaction, with the enrolment locked and read under the lock.

    The one definition of giving a seat back: expiring, cancelling, a failed payment and a
    deleted account all end a place through it. The offer to the waiting list is a task
    enqueued in the caller's transaction (``waiting_list_offer_task``)."""
    seats.seat_release(enrolment.seat_claim)
    states.enrolment_transition(
        enrolment=enrolment, to_state=to_state, actor=actor, reason=reason, **changes
    )
    waiting_list_offer_task.enqueue(start_moment_id=enrolment.start_moment_id)


def hold_keep_until(*, enrolment_id: int, until: datetime.datetime) -> Enrolment:
    """Keep the seat of a held place until ``until`` (while the learner is on a payment page).

    Locks the enrolment and decides on what it reads then. Raises ``EnrolmentRefused`` when the
    place is no longer held and ``seats.StartMomentFull`` when its lapsed seat went to somebody
    else; nothing changes then.
    """
    with transaction.atomic():
        locked = enrolment_lock(enrolment_id)
        if locked.state != Enrolment.State.HELD:
            raise EnrolmentRefused(_("This enrolment is no longer waiting for a payment."))
        seats.seat_keep(locked.seat_claim, hold_until=until)  # or StartMomentFull: the seat went
        locked.hold_expires_at = until
        locked.save(update_fields=["hold_expires_at", "updated_at"])
    return locked


def waiting_list_join(*, user: User, start_moment: StartMoment) -> WaitingListEntry:
    if not permissions.is_learner(user):
        raise EnrolmentRefused(_("Only learners' accounts can join a waiting list."))
    if reason := rules.sale_refusal(start_moment):
        raise EnrolmentRefused(reason)
    if _live_enrolment(user, start_moment) is not None:
        raise EnrolmentRefused(_("You are already enrolled on this start date."))
    entry, _created = WaitingListEntry.objects.get_or_create(
        user=user, start_moment=start_moment, state=WaitingListEntry.State.WAITING
    )
    waiting_list_offer_task.enqueue(start_moment_id=start_moment.pk)
    return entry


def waiting_list_leave(*, entry: WaitingListEntry) -> None:
    WaitingListEntry.objects.filter(pk=entry.pk, state=WaitingListEntry.State.WAITING).update(
        state=WaitingListEntry.State.LEFT
    )


def waiting_list_positions(entries: list[WaitingListEntry]) -> dict[int, int]:
    """Each waiting entry's place in its line (1 = next), in one query for all of them."""
    start_moment_ids = {entry.start_moment_id for entry in entries}
    waiting = WaitingListEntry.objects.filter(
        start_moment_id__in=start_moment_ids, state=WaitingListEntry.State.WAITING
    ).order_by("start_moment_id", "created_at", "pk")
    positions, counters = {}, dict.fromkeys(start_moment_ids, 0)
    for entry_id, start_moment_id in waiting.values_list("pk", "start_moment_id"):
        counters[start_moment_id] += 1
        positions[entry_id] = counters[start_moment_id]
    return positions


def waiting_list_position(entry: WaitingListEntry) -> int:
    return (
        WaitingListEntry.objects.filter(
            start_moment_id=entry.start_moment_id,
            state=WaitingListEntry.State.WAITING,
            created_at__lte=entry.created_at,
        )
        .exclude(created_at=entry.created_at, pk__gt=entry.pk)
        .count()
    )


def waiting_list_offer(*, start_moment_id: int) -> list[Enrolment]:
    """Hold free seats for the first learners on the waiting list and e-mail them."""
    offered = []
    passed_over: list[int] = []
    while True:
        with transaction.atomic():
            entry = (
                WaitingListEntry.objects.select_for_update(skip_locked=True)
                .filter(start_moment_id=start_moment_id, state=WaitingListEntry.State.WAITING)
                .exclude(pk__in=passed_over)
                .select_related("user", "start_moment__offering__provider")
                .first()
            )
            if entry is None:
                return offered
            start_moment = entry.start_moment
            _learner_lock(entry.user)
            if rules.sale_refusal(start_moment) or _live_enrolment(entry.user, start_moment):
                entry.state = WaitingListEntry.State.LEFT
                entry.save(update_fields=["state"])
                continue
            if rules.hold_limit_refusal(list(rules.active_holds(user=entry.user))):
                # They keep their place in line: the seat goes to the next one who may hold it,
                # and a later offer (a freed seat, or the clock job) reaches them once they can.
                passed_over.append(entry.pk)
                continue
            hold_until = timezone.now() + datetime.timedelta(hours=settings.WAITING_LIST_HOLD_HOURS)
            try:
                claim = seats.seat_take(
                    start_moment_id=start_moment_id,
                    purpose=SeatClaim.Purpose.ENROLMENT,
                    hold_until=hold_until,
                )
            except StartMomentFull:
                return offered
            enrolment = _enrolment_create(
                entry.user,
                start_moment,
                claim,
                hold_until,
                actor=None,
                reason=EnrolmentTransition.SystemReason.WAITING_LIST_OFFER,
                # Not the language of whoever freed the seat: the learner's own.
                language=entry.user.language_or(None),
            )
            entry.state = WaitingListEntry.State.OFFERED
            entry.enrolment = enrolment
            entry.offered_at = timezone.now()
            entry.save(update_fields=["state", "enrolment", "offered_at"])
            enrolment_email(enrolment=enrolment, email=Email.WAITING_LIST_OFFER)
            offered.append(enrolment)


def _offer_about(*, start_moment_id: int) -> str:
    moment = StartMoment.objects.select_related("offering").filter(pk=start_moment_id).first()
    if moment is None:
        return f"#{start_moment_id}"
    return _("%(course)s, start date %(date)s") % {
        "course": moment.offering.title,
        "date": moment.starts_on.isoformat(),
    }


@durable_task(
    label=gettext_lazy("Offer a freed seat to the waiting list"),
    about=_offer_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def waiting_list_offer_task(*, start_moment_id: int) -> int:
    """``waiting_list_offer`` as a task: enqueued where a seat is freed or somebody joins the
    list, in that transaction, so the offer is not lost if the process stops after the commit.
    Returns how many places were offered."""
    return len(waiting_list_offer(start_moment_id=start_moment_id))


def _learner_lock(user: User) -> None:
    """Lock the learner's user row until the end of the transaction: every decision on their
    holds is taken under it. (SQLite ignores it: there one transaction writes at a time, and a
    second writer that read before the first committed is refused by the database.)"""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


def _live_enrolment(user: User, start_moment: StartMoment) -> Enrolment | None:
    return (
        Enrolment.objects.filter(
            user=user,
            start_moment=start_moment,
            state__in=LIVE_STATES,
        )
        .select_related("seat_claim")
        .first()
    )


def _enrolment_create(
    user: User,
    start_moment: StartMoment,
    claim: SeatClaim,
    hold_until: datetime.datetime,
    *,
    actor: User | None,
    reason: str,
    language: str | None = None,
) -> Enrolment:
    """Create the enrolment with its copy of what is bought, in ``language`` (default: the
    page's)."""
    offering = start_moment.offering
    provider = offering.provider
    location = start_moment.location
    language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
    # The terms the learner agrees to, in their language when the provider wrote them in it.
    terms = provider_cancellation_terms(provider=provider, language=language)
    enrolment = Enrolment.objects.create(
        user=user,
        learner_email=user.email,
        language=language,
        start_moment=start_moment,
        seat_claim=claim,
        hold_expires_at=hold_until,
        provider_name=provider.name,
        offering_title=offering.title,
        location_text=(
            f"{location.name}, {location.street_address}, {location.postcode} {location.city}"
            if location
            else _("Online")
        ),
        starts_on=start_moment.starts_on,
        price_cents=offering.price_cents or 0,
        price_includes=_price_includes(offering),
        cancellation_terms=terms.text,
        cancellation_terms_language=terms.language,
        late_refund_percent=provider.late_cancellation_refund_percent,
    )
    states.enrolment_created(enrolment=enrolment, actor=actor, reason=reason)
    return enrolment


def _price_includes(offering) -> str:
    parts = []
    if offering.price_includes_exams:
        parts.append(_("exam costs"))
    if offering.price_includes_materials:
        parts.append(_("learning materials"))
    if offering.price_includes_other:
        parts.append(offering.price_includes_other)
    return ", ".join(parts)


def waiting_entry_close(enrolment: Enrolment) -> None:
    """A seat offered from the waiting list was taken up or let go: the entry is done."""
    WaitingListEntry.objects.filter(
        user_id=enrolment.user_id,
        start_moment_id=enrolment.start_moment_id,
        state=WaitingListEntry.State.WAITING,
    ).update(state=WaitingListEntry.State.LEFT)
