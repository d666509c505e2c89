"""Learners: registration rules, closing a case, the law's dates per learner and the caseload.

The klantmanager registers a learner of their own municipality in the admin; the form calls
``learner_validate`` and the views record every read and change through ``contracts.audit``. The
law's time rules themselves live in ``contracts.rules``; this module feeds them a learner's dates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from contracts import audit, rules
from contracts.models import AuditEntry, Learner, Referral
from portal import permissions
from portal.permissions import Action
from providers.choices import Component, TargetGroup

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

    from portal.accounts.models import User

# The youngest age at which the portal registers a learner. The integration duty starts at 18
# (``rules.DUTY_AGE_YEARS``; Haarlem's annex §2.3: "boven de 18 jaar en dus inburgeringsplichtig").
# Klantmanagers may register 16- and 17-year-olds ahead of it (a family housed together, where the
# municipality plans the brede intake before the birthday), but nobody younger, which also catches
# a date of birth typed in the wrong century or year. The law's clocks for such a learner start
# at the 18th birthday (``rules.duty_start``), and the PIP, a decision on someone with the duty,
# cannot be dated before it.
MINIMUM_AGE_YEARS = 16


# Whole years of age on a day, counted with the same birthdays as the law's deadlines.
age_on = rules.age_on


def learner_validate(*, learner: Learner, today: datetime.date | None = None) -> None:
    """Refuse a learner whose data do not add up, with an error per field.

    - the date of birth lies in the past and the learner is at least ``MINIMUM_AGE_YEARS``;
    - a statushouder has a housing date (the 10-week PIP term runs from it);
    - the brede intake is not before housing, and the PIP not before the intake (a PIP without
      an intake date is refused too: the PIP follows the brede intake);
    - the PIP and the start of social assistance are not before the 18th birthday;
    - the klantmanager works for the learner's municipality.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(str(message))

    born = learner.date_of_birth
    if born is not None:
        if born >= today:
            error("date_of_birth", _("The date of birth must lie in the past."))
        elif age_on(date_of_birth=born, day=today) < MINIMUM_AGE_YEARS:
            error(
                "date_of_birth",
                _("A learner must be at least %(age)s years old; check the date of birth.")
                % {"age": MINIMUM_AGE_YEARS},
            )
    if learner.target_group == TargetGroup.STATUSHOUDER and learner.housing_date is None:
        error(
            "housing_date",
            _("Enter the housing date: for a statushouder the PIP term runs from it."),
        )
    if learner.housing_date and learner.intake_date and learner.intake_date < learner.housing_date:
        error("intake_date", _("The intake cannot be before the housing date."))
    if learner.pip_date:
        if learner.intake_date is None:
            error("intake_date", _("Enter the intake date: the PIP follows the brede intake."))
        elif learner.pip_date < learner.intake_date:
            error("pip_date", _("The PIP cannot be set before the intake."))
    if born is not None and born < today:
        adult_on = rules.birthday(date_of_birth=born, years=rules.DUTY_AGE_YEARS)
        adult = {"date": formats.date_format(adult_on, "DATE_FORMAT")}
        if learner.pip_date and learner.pip_date < adult_on:
            error(
                "pip_date",
                _("The duty starts at 18: the PIP can be set from %(date)s.") % adult,
            )
        if learner.social_assistance_date and learner.social_assistance_date < adult_on:
            error(
                "social_assistance_date",
                _("Social assistance starts at 18 at the earliest: on or after %(date)s.") % adult,
            )
    if learner.klantmanager_id is not None and learner.municipality_id is not None:
        klantmanager = learner.klantmanager
        if not permissions.works_for_municipality(klantmanager, learner.municipality_id):
            error(
                "klantmanager",
                _("Choose a klantmanager of the learner's municipality."),
            )
    if errors:
        raise ValidationError(errors)


def learner_client_number_visible(*, user: User | AnonymousUser, learner: Learner | None) -> bool:
    """The municipal client number is for the learner's municipality only: its klantmanagers (and
    superusers), not contract managers or providers."""
    municipality_id = learner.municipality_id if learner else getattr(user, "municipality_id", None)
    return permissions.sees_client_numbers_of(user, municipality_id)


def learner_save_recorded(
    *, learner: Learner, actor: User, created: bool, changed_fields: list[str]
) -> None:
    """Write the audit entry of a save that has happened: CREATE or CHANGE, naming the fields."""
    audit.audit_record(
        actor=actor,
        learner=learner,
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CHANGE,
        what=audit.audit_what(fields=changed_fields),
    )


class LearnerAlreadyClosed(ValidationError):
    pass


def learner_close(
    *, learner: Learner, actor: User, now: datetime.datetime | None = None
) -> Learner:
    """Close the learner's case (integration complete, moved away, exempted); retention counts
    from this moment. Refuses a case that is closed already."""
    now = now or timezone.now()
    with transaction.atomic():
        closed = Learner.objects.filter(pk=learner.pk, closed_at__isnull=True).update(
            closed_at=now, updated_at=now
        )
        if not closed:
            raise LearnerAlreadyClosed(_("This case is closed already."))
        audit.audit_record(
            actor=actor, learner=learner, action=AuditEntry.Action.CHANGE, what="closed_at"
        )
    learner.closed_at = now
    return learner


def with_starts(learners: QuerySet[Learner]) -> QuerySet[Learner]:
    """Annotate when the learner's route and brugklas started, from their placements."""
    started = Referral.objects.filter(learner=OuterRef("pk"), started_on__isnull=False).order_by(
        "started_on"
    )
    return learners.annotate(
        route_started_on=Subquery(
            started.filter(lot__component=OuterRef("route")).values("started_on")[:1]
        ),
        brugklas_started_on=Subquery(
            started.filter(lot__component=Component.BRUGKLAS).values("started_on")[:1]
        ),
    )


def learner_deadline_list(*, learner: Learner, today: datetime.date) -> list[rules.Deadline]:
    """The law's dates for this learner (``contracts.rules.learner_deadlines``), with the route
    and brugklas starts that placements recorded (annotated by ``with_starts``, else read)."""
    starts = {
        "route_started_on": getattr(learner, "route_started_on", None),
        "brugklas_started_on": getattr(learner, "brugklas_started_on", None),
    }
    if not hasattr(learner, "route_started_on") and learner.pk is not None:
        starts = with_starts(Learner.objects.filter(pk=learner.pk)).values(*starts).get()
    return rules.learner_deadlines(
        target_group=learner.target_group,
        today=today,
        housing_date=learner.housing_date,
        pip_date=learner.pip_date,
        date_of_birth=learner.date_of_birth,
        social_assistance_date=learner.social_assistance_date,
        **starts,
    )


def learners_open(*, user: User | AnonymousUser) -> QuerySet[Learner]:
    """The open, not anonymised cases the user may see."""
    learners = Learner.objects.filter(closed_at__isnull=True, anonymised_at__isnull=True)
    return permissions.scope(user, Action.VIEW, learners)


@dataclass(frozen=True)
class CaseloadRow:
    learner: Learner
    deadlines: list[rules.Deadline]  # those that need attention, earliest first

    @property
    def first_due(self) -> datetime.date:
        return self.deadlines[0].due

    @property
    def overdue(self) -> bool:
        return any(d.status == rules.DeadlineStatus.OVERDUE for d in self.deadlines)


def caseload_attention(*, user: User | AnonymousUser, today: datetime.date) -> list[CaseloadRow]:
    """Every open learner the user may see with a deadline that needs attention (due within
    ``rules.DUE_SOON_DAYS`` or overdue), earliest due date first.

    One query: the dates are computed from the learners' own fields, so the rules run in Python
    on one list (a municipality's open caseload is hundreds to a few thousand rows).
    """
    learners = (
        with_starts(learners_open(user=user))
        .select_related("klantmanager")
        .only(
            "pk",
            "first_name",
            "last_name",
            "target_group",
            "date_of_birth",
            "housing_date",
            "social_assistance_date",
            "pip_date",
            "route",
            "municipality_id",
            "klantmanager__first_name",
            "klantmanager__last_name",
            "klantmanager__email",
        )
    )
    rows = []
    for learner in learners:
        attention = [
            d for d in learner_deadline_list(learner=learner, today=today) if d.needs_attention
        ]
        if attention:
            rows.append(CaseloadRow(learner=learner, deadlines=attention))
    rows.sort(key=lambda row: (row.first_due, row.learner.last_name, row.learner.pk))
    return rows


@dataclass(frozen=True)
class CaseloadSummary:
    """The caseload in numbers for the start page: cases with a deadline passed, cases with one
    due soon only, and the first rows (earliest due first)."""

    overdue: int
    due_soon: int
    first: list[CaseloadRow]

    @property
    def total(self) -> int:
        return self.overdue + self.due_soon


def caseload_summary(
    *, user: User | AnonymousUser, today: datetime.date, limit: int
) -> CaseloadSummary:
    """``caseload_attention`` counted: one query, as it."""
    rows = caseload_attention(user=user, today=today)
    overdue = sum(1 for row in rows if row.overdue)
    return CaseloadSummary(overdue=overdue, due_soon=len(rows) - overdue, first=rows[:limit])
