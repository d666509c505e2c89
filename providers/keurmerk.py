"""The Blik op Werk Keurmerk Inburgeren: when a provider's quality mark counts as valid.

Rules (domain notes): a learner paying with a DUO loan must follow the course at a school with the
Keurmerk; municipalities may buy statushouder trajectories only from mark holders. An aspirant
holder counts as a holder until its results are known.
"""

from __future__ import annotations

import datetime
import enum

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.choices import KeurmerkStatus

VALID_STATUSES = (KeurmerkStatus.ASPIRANT, KeurmerkStatus.CERTIFIED)


class KeurmerkState(enum.Enum):
    NONE = _("No quality mark")
    VALID = _("Quality mark valid")
    ASPIRANT = _("Aspirant quality mark")
    EXPIRED = _("Quality mark expired")

    @property
    def label(self) -> str:
        return str(self.value)


def is_valid(
    *, status: str, valid_until: datetime.date | None, on: datetime.date | None = None
) -> bool:
    on = on or timezone.localdate()
    return status in VALID_STATUSES and valid_until is not None and valid_until >= on


def state(
    *, status: str, valid_until: datetime.date | None, on: datetime.date | None = None
) -> KeurmerkState:
    if status == KeurmerkStatus.NONE:
        return KeurmerkState.NONE
    if not is_valid(status=status, valid_until=valid_until, on=on):
        return KeurmerkState.EXPIRED
    if status == KeurmerkStatus.ASPIRANT:
        return KeurmerkState.ASPIRANT
    return KeurmerkState.VALID


def valid_q(*, prefix: str = "", on: datetime.date | None = None) -> Q:
    """Providers (or with ``prefix="provider__"`` their offerings) whose mark is valid ``on``."""
    on = on or timezone.localdate()
    return Q(
        **{
            f"{prefix}keurmerk_status__in": VALID_STATUSES,
            f"{prefix}keurmerk_valid_until__gte": on,
        }
    )
