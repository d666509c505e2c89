"""Warm transfer: a learner moves to another municipality and their case goes along.

The sending klantmanager hands the case over; a klantmanager of the receiving municipality
accepts it and becomes responsible. The learner's dates, referrals, placements and audit trail stay
attached to the learner, so they go along unchanged. Afterwards the sending municipality no longer
sees the learner; it keeps read access to the referrals it made itself (``portal.permissions``).
Every step is written to the audit log.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts import audit
from contracts.models import AuditEntry, CaseTransfer, Learner
from portal import permissions
from portal.accounts.models import User
from portal.places.models import Municipality


class TransferRefused(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def transfer_request(
    *, learner: Learner, to_municipality: Municipality, actor: User, note: str = ""
) -> CaseTransfer:
    """Hand the case over to ``to_municipality``; it stays here until accepted there."""
    _require_klantmanager_of(actor, learner.municipality_id)
    if learner.closed_at is not None:
        raise TransferRefused(_("A closed case cannot be handed over."))
    if to_municipality.pk == learner.municipality_id:
        raise TransferRefused(
            _("Choose the municipality the learner moves to."), field="to_municipality"
        )
    try:
        with transaction.atomic():
            transfer = CaseTransfer.objects.create(
                learner=learner,
                from_municipality_id=learner.municipality_id,
                to_municipality=to_municipality,
                note=note,
                requested_by=actor,
            )
            audit.audit_record(
                actor=actor,
                learner=learner,
                action=AuditEntry.Action.TRANSFER,
                what=f"handed over to {to_municipality.cbs_code}",
            )
    except IntegrityError:
        raise TransferRefused(_("This case is already being handed over.")) from None
    return transfer


def transfer_accept(*, transfer: CaseTransfer, actor: User) -> Learner:
    """The receiving klantmanager takes the case: the learner now belongs to their municipality."""
    with transaction.atomic():
        locked = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != CaseTransfer.State.REQUESTED:
            raise TransferRefused(_("This hand-over is no longer open."))
        _require_klantmanager_of(actor, locked.to_municipality_id)
        learner = Learner.objects.select_for_update().get(pk=locked.learner_id)
        learner.municipality_id = locked.to_municipality_id
        learner.klantmanager = actor
        learner.save(update_fields=["municipality", "klantmanager", "updated_at"])
        locked.state = CaseTransfer.State.ACCEPTED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        audit.audit_record(
            actor=actor,
            learner=learner,
            action=AuditEntry.Action.TRANSFER,
            what=f"accepted from {locked.from_municipality.cbs_code}",
        )
    transfer.refresh_from_db()
    return learner


def transfer_cancel(*, transfer: CaseTransfer, actor: User) -> CaseTransfer:
    """The sending klantmanager takes the hand-over back (the learner did not move after all)."""
    with transaction.atomic():
        locked = CaseTransfer.objects.select_for_update().get(pk=transfer.pk)
        if locked.state != CaseTransfer.State.REQUESTED:
            raise TransferRefused(_("This hand-over is no longer open."))
        _require_klantmanager_of(actor, locked.from_municipality_id)
        locked.state = CaseTransfer.State.CANCELLED
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["state", "decided_by", "decided_at"])
        audit.audit_record(
            actor=actor,
            learner=locked.learner,
            action=AuditEntry.Action.TRANSFER,
            what="hand-over cancelled",
        )
    return locked


def transfer_may_request(*, user: User, learner: Learner) -> bool:
    """May ``user`` hand ``learner``'s case over (the learner page's hand-over section)? The
    same rule ``transfer_request`` enforces: a klantmanager of the learner's municipality, while
    the case is open."""
    return learner.closed_at is None and permissions.works_for_municipality(
        user, learner.municipality_id
    )


def transfer_pending(*, learner: Learner) -> CaseTransfer | None:
    """The learner's hand-over waiting for the receiving municipality, if any."""
    return (
        learner.transfers.filter(state=CaseTransfer.State.REQUESTED)
        .select_related("to_municipality")
        .first()
    )


def transfers_awaiting(*, user: User):
    """Hand-overs waiting for a klantmanager of the user's municipality."""
    return CaseTransfer.objects.filter(
        to_municipality_id=user.municipality_id, state=CaseTransfer.State.REQUESTED
    ).select_related("learner", "from_municipality", "requested_by")


def _require_klantmanager_of(actor: User, municipality_id: int) -> None:
    if not permissions.works_for_municipality(actor, municipality_id):
        raise TransferRefused(_("Only a klantmanager of that municipality can do this."))
