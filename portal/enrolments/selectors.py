"""Reads for the learner's pages: their own enrolments and waiting-list places, each page with a
fixed number of queries. Every lookup goes through ``permissions.scope`` and the learner's own
id, so somebody else's reference is simply not found.

Also the contract managers' read of DUO-loan places at schools whose Keurmerk is not valid
(``duo_loan_enrolments_without_valid_keurmerk``).

Reads of payments (receipts) are in the payments app's ``selectors``, links into the catalogue
in ``cms.links``: this package imports neither."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from portal import permissions
from portal.enrolments.models import Enrolment, WaitingListEntry
from providers import keurmerk
from providers.models import StartMoment

if TYPE_CHECKING:
    from portal.accounts.models import User


def enrolment_get(
    *, user: User, reference: str, action: permissions.Action = permissions.Action.VIEW
) -> Enrolment:
    """The user's own enrolment; raises ``Enrolment.DoesNotExist`` for anybody else's."""
    return (
        permissions.scope(user, action, Enrolment.objects.all())
        .filter(user_id=user.pk)
        .select_related("start_moment__offering__provider", "seat_claim")
        .get(reference=reference)
    )


def enrolments_of(*, user: User) -> QuerySet[Enrolment]:
    """The user's enrolments, newest first (the payments app's ``selectors.enrolments_of`` adds
    whether each has a receipt)."""
    return (
        permissions.scope(user, permissions.Action.VIEW, Enrolment.objects.all())
        .filter(user_id=user.pk)
        .select_related("start_moment")
        .order_by("-created_at", "-pk")
    )


def waiting_list_entries_of(*, user: User) -> list[WaitingListEntry]:
    return list(
        permissions.scope(user, permissions.Action.VIEW, WaitingListEntry.objects.all())
        .filter(user_id=user.pk, state=WaitingListEntry.State.WAITING)
        .select_related("start_moment__offering__provider", "start_moment__location")
        .order_by("start_moment__starts_on", "pk")
    )


def waiting_list_entry_get(
    *, user: User, entry_id: int, action: permissions.Action = permissions.Action.CHANGE
) -> WaitingListEntry:
    """Raises ``WaitingListEntry.DoesNotExist`` for anybody else's entry."""
    return (
        permissions.scope(user, action, WaitingListEntry.objects.all())
        .filter(user_id=user.pk)
        .select_related("start_moment__offering")
        .get(pk=entry_id)
    )


def start_moment_public_get(*, start_moment_id: int) -> StartMoment:
    """A start moment of the published catalogue; raises ``StartMoment.DoesNotExist``."""
    return (
        permissions.public_scope(StartMoment.objects.all())
        .select_related("offering__provider", "location")
        .get(pk=start_moment_id)
    )


def duo_loan_enrolments_without_valid_keurmerk(
    *, on: datetime.date | None = None
) -> QuerySet[Enrolment]:
    """Live DUO-loan places whose provider has no valid Keurmerk Inburgeren ``on`` that day
    (today), ordered by provider, then start date; one query, provider and learner included.

    DUO pays only schools with a valid Keurmerk (domain notes; ``providers.keurmerk``), and it
    pays after the lessons, quarter by quarter: a place bought with the loan is at risk while
    its course still runs and the school's mark is not valid. The mark counts through its
    ``keurmerk_valid_until`` day, an aspirant mark counts as valid.

    - Only ``payment_method == DUO_LOAN`` places: choosing the loan confirms the place at once
      (``enrolling.duo_loan_choose``), so the live ones are ``CONFIRMED``. A held or
      awaiting-payment place has no payment method yet (or pays online); cancelled, refunded
      and expired places are not live.
    - Only courses that have not ended (the start moment's ``ends_on`` is ``on`` or later): a
      course that has ended leaves nothing to act on.
    """
    on = on or timezone.localdate()
    return (
        Enrolment.objects.filter(
            payment_method=Enrolment.PaymentMethod.DUO_LOAN,
            state=Enrolment.State.CONFIRMED,
            start_moment__ends_on__gte=on,
        )
        .exclude(keurmerk.valid_q(prefix="start_moment__offering__provider__", on=on))
        .select_related("user", "start_moment__offering__provider")
        .order_by(
            "start_moment__offering__provider__name",
            "start_moment__offering__provider_id",
            "start_moment__starts_on",
            "reference",
        )
    )
