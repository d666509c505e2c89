from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.documents import get_document_model_string
from wagtail.models import Orderable, RevisionMixin

from portal.core.fields import actor_field
from portal.core.transitions import TransitionRecord, state_fields
from portal.places.models import Municipality, Region, cbs_code_validator  # noqa: F401
from providers.choices import Component, EducationLevel, TargetGroup

# Region and Municipality live in the low layer ``portal.places`` (their tables kept); they are
# re-exported here so ``from contracts.models import Municipality`` still works.


class IntakeVolume(models.Model):
    """Newcomers with an integration duty a municipality received (or expects) in a year."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="intake_volumes"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    statushouders = models.PositiveIntegerField(_("statushouders"), null=True, blank=True)
    gezinsmigranten = models.PositiveIntegerField(_("gezinsmigranten"), null=True, blank=True)

    class Meta:
        verbose_name = _("intake volume")
        verbose_name_plural = _("intake volumes")
        ordering = ["municipality__name", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="intake_volume_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}"


class ContractStatus(models.TextChoices):
    DRAFT = "DRAFT", _("Draft")
    ACTIVE = "ACTIVE", _("Active")
    ENDED = "ENDED", _("Ended")
    TERMINATED = "TERMINATED", _("Terminated early")


class LotStatus(models.TextChoices):
    ACTIVE = "ACTIVE", _("Active")
    INACTIVE = "INACTIVE", _("Inactive")


class CapacityPeriod(models.TextChoices):
    """The calendar period a lot's capacity counts over
    (``contracts.contracting.period_containing``)."""

    YEAR = "YEAR", _("Calendar year")
    HALF_YEAR = "HALF_YEAR", _("Half year")
    QUARTER = "QUARTER", _("Quarter")


class Contract(RevisionMixin, ClusterableModel):
    """A contract the region's central municipality made with a provider for its municipalities.

    Every save in the admin is a Wagtail revision (who, when, and what changed through "compare");
    there are no drafts: a change takes effect at once. Lots are rows of their own
    (``Lot.contract``), not part of the contract's revisions, so restoring an old revision never
    deletes or recreates the lots that referrals and placements point at.
    """

    reference = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        help_text=_("The contract number, e.g. RIJZK-2026-001."),
    )
    provider = models.ForeignKey(
        "providers.Provider",
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    contracting_municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("contracting municipality"),
        on_delete=models.PROTECT,
        related_name="contracts_made",
        help_text=_("The region's central municipality, which signs on behalf of the others."),
    )
    municipalities = ParentalManyToManyField(
        Municipality,
        verbose_name=_("municipalities covered"),
        related_name="contracts",
        help_text=_("The municipalities whose learners may be placed under this contract."),
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), help_text=_("The last day of the term."))
    extension_options = models.TextField(
        _("extension options"),
        blank=True,
        help_text=_("For example: twice one year, to be decided six months before the end."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["reference"]
        indexes = [models.Index(fields=["status", "ends_on"], name="contract_status_ends_on")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.provider})" if self.provider_id else self.reference

    def clean(self) -> None:
        from contracts.contracting import contract_validate

        contract_validate(contract=self)


class ContractDocument(Orderable):
    """A signed contract, annex or amendment, kept in Wagtail's document library."""

    contract = ParentalKey(Contract, on_delete=models.CASCADE, related_name="documents")
    document = models.ForeignKey(
        get_document_model_string(),
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(
        _("what it is"),
        max_length=160,
        blank=True,
        help_text=_("For example: signed contract, annex 2 (tariffs), amendment 2027."),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return self.description or str(self.document)


class Lot(RevisionMixin, ClusterableModel):
    """One part of a contract: a component at a tariff, with a capacity per period and an SLA.

    Its own table (not an inline of the contract's revisions) because referrals and placements
    point at lots. Changes are Wagtail revisions, like the contract's.
    """

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="lots"
    )
    name = models.CharField(
        _("name"),
        max_length=120,
        blank=True,
        help_text=_("As in the contract, e.g. Lot 1: B1 route. Leave empty to use the component."),
    )
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    education_level = models.CharField(
        _("prepares for"),
        max_length=4,
        choices=EducationLevel.choices,
        blank=True,
        help_text=_("Only for the education route, and required there."),
    )
    tariff_cents = models.PositiveIntegerField(
        _("tariff per trajectory (cents)"),
        help_text=_("What the municipality pays per trajectory, in euro cents."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"),
        validators=[MinValueValidator(1)],
        help_text=_("The number of placements per period."),
    )
    capacity_period = models.CharField(
        _("capacity period"),
        max_length=10,
        choices=CapacityPeriod.choices,
        default=CapacityPeriod.YEAR,
        help_text=_("Calendar periods: a year from 1 January, half years, quarters."),
    )
    answer_within_working_days = models.PositiveSmallIntegerField(
        _("answer a referral within (working days)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("Monday to Friday; public holidays are not skipped."),
    )
    start_within_weeks = models.PositiveSmallIntegerField(
        _("start within (weeks)"),
        default=4,
        validators=[MinValueValidator(1)],
        help_text=_("Weeks from accepting a referral to the learner's start."),
    )
    offerings = ParentalManyToManyField(
        "providers.Offering",
        verbose_name=_("offerings that deliver it"),
        blank=True,
        related_name="lots",
        help_text=_("Courses of the contract's provider in this component."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LotStatus.choices, default=LotStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["contract__reference", "pk"]
        indexes = [models.Index(fields=["status", "component"], name="lot_status_component")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="lot_capacity_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(answer_within_working_days__gte=1, start_within_weeks__gte=1),
                name="lot_sla_positive",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(component=Component.ONDERWIJSROUTE) & ~models.Q(education_level="")
                )
                | (~models.Q(component=Component.ONDERWIJSROUTE) & models.Q(education_level="")),
                name="lot_education_level_exactly_for_onderwijsroute",
            ),
        ]

    def __str__(self) -> str:
        label = self.name or self.component_display
        return f"{self.contract.reference}: {label}" if self.contract_id else label

    @property
    def component_display(self) -> str:
        label = self.get_component_display()
        if self.education_level:
            return f"{label} ({self.get_education_level_display()})"
        return label

    def clean(self) -> None:
        from contracts.contracting import lot_validate

        lot_validate(lot=self)


class LearnerRoute(models.TextChoices):
    B1_ROUTE = "B1_ROUTE", _("B1-route")
    Z_ROUTE = "Z_ROUTE", _("Z-route (zelfredzaamheidsroute)")
    ONDERWIJSROUTE = "ONDERWIJSROUTE", _("Onderwijsroute")


class Leerbaarheidstoets(models.TextChoices):
    NOT_TAKEN = "NOT_TAKEN", _("Not taken yet")
    B1_FEASIBLE = "B1_FEASIBLE", _("B1 within 3 years is feasible")
    B1_NOT_FEASIBLE = "B1_NOT_FEASIBLE", _("B1 within 3 years is not feasible")


class Learner(models.Model):
    """A person with an integration duty, registered by a klantmanager of their municipality.

    Minimal personal data: no BSN. ``client_number`` is the municipality's own number and is never
    shown to providers. The dates drive the law's time rules (``contracts.rules``).
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="learners",
    )
    klantmanager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("klantmanager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
    )
    first_name = models.CharField(_("first name"), max_length=80)
    last_name = models.CharField(_("last name"), max_length=120)
    date_of_birth = models.DateField(_("date of birth"))
    target_group = models.CharField(_("target group"), max_length=20, choices=TargetGroup.choices)
    client_number = models.CharField(
        _("municipal client number"),
        max_length=40,
        blank=True,
        help_text=_("Your municipality's own number; never shown to providers."),
    )
    housing_date = models.DateField(
        _("housing date"), null=True, blank=True, help_text=_("For statushouders.")
    )
    social_assistance_date = models.DateField(
        _("social assistance from"),
        null=True,
        blank=True,
        help_text=_(
            "When the right to social assistance started. Financieel ontzorgen runs from it; "
            "if empty, from the housing date."
        ),
    )
    intake_date = models.DateField(_("intake date"), null=True, blank=True)
    pip_date = models.DateField(_("PIP date"), null=True, blank=True)
    route = models.CharField(_("route"), max_length=20, choices=LearnerRoute.choices, blank=True)
    leerbaarheidstoets = models.CharField(
        _("leerbaarheidstoets"),
        max_length=20,
        choices=Leerbaarheidstoets.choices,
        default=Leerbaarheidstoets.NOT_TAKEN,
    )
    closed_at = models.DateTimeField(_("case closed at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["municipality", "closed_at"], name="learner_caseload"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ReferralState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class LotPeriodUse(models.Model):
    """How many placements of a lot count in one capacity period.

    ``used`` only changes by a conditional ``UPDATE`` (``contracts.capacity``); the check constraint
    keeps it within the lot's capacity plus the places contract managers added by override.
    """

    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="period_uses"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    capacity = models.PositiveIntegerField(_("capacity"))
    overrides = models.PositiveIntegerField(_("places added by override"), default=0)
    used = models.PositiveIntegerField(_("places used"), default=0)

    class Meta:
        verbose_name = _("lot capacity in a period")
        verbose_name_plural = _("lot capacity per period")
        constraints = [
            models.UniqueConstraint(fields=["lot", "period_start"], name="lotperioduse_unique"),
            models.CheckConstraint(
                condition=models.Q(used__lte=models.F("capacity") + models.F("overrides")),
                name="lotperioduse_used_within_capacity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.period_start}: {self.used}/{self.capacity + self.overrides}"


class Referral(models.Model):
    """A klantmanager's referral of a learner to a contracted lot; accepted, it is a placement.

    The state changes only through ``contracts.referrals`` (transition table, actor, reason).
    """

    learner = models.ForeignKey(
        Learner, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="referrals"
    )
    lot = models.ForeignKey(
        Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="referrals"
    )
    start_moment = models.ForeignKey(
        "providers.StartMoment",
        verbose_name=_("start date"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    seat_claim = models.OneToOneField(
        "providers.SeatClaim",
        verbose_name=_("seat"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )
    period_use = models.ForeignKey(
        LotPeriodUse,
        verbose_name=_("counted in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=ReferralState.choices,
        default=ReferralState.DRAFT,
        db_index=True,
    )
    capacity_override_reason = models.CharField(
        _("reason for going over capacity"), max_length=300, blank=True
    )
    capacity_override_by = actor_field(_("capacity override by"), blank=True)
    note = models.TextField(_("note for the provider"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    answer_due = models.DateField(_("answer due"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    start_due = models.DateField(_("start due"), null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["lot", "state"], name="referral_lot_state")]

    def __str__(self) -> str:
        return f"{self.learner} → {self.lot}"


class ReferralTransition(TransitionRecord):
    """One change of a referral's state: who, when and why."""

    subject_field = "referral"

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="transitions"
    )
    from_state, to_state = state_fields(ReferralState.choices)

    class Meta(TransitionRecord.Meta):
        verbose_name = _("referral state change")
        verbose_name_plural = _("referral state changes")


class AuditEntry(models.Model):
    """A read or change of a learner's data: who, when, which learner, what."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        TRANSFER = "transfer", _("transferred")
        ANONYMISE = "anonymise", _("anonymised")

    actor = actor_field(_("by"), blank=True)
    learner = models.ForeignKey(
        Learner,
        verbose_name=_("learner"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="audit_entries",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    what = models.CharField(_("what"), max_length=300)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.learner_id}"


class MonthlyAttendance(models.Model):
    """A provider's report of one month of a placement: hours offered and attended, absence.

    Fields follow the progress data that municipalities and providers exchange under the Wi2021
    (Divosa, VNG and SZW, "Gegevensuitwisseling gemeenten en ketenpartners nieuwe Wet
    inburgering", §5 "Informatie-uitwisseling met aanbieders": keten- en regiegegevens and the
    referentiegegevensset): attendance per period, with the reason for absence.
    """

    class AbsenceReason(models.TextChoices):
        NONE = "NONE", _("No absence")
        ILLNESS = "ILLNESS", _("Illness")
        WORK = "WORK", _("Work")
        CARE = "CARE", _("Care for family")
        APPOINTMENT = "APPOINTMENT", _("Appointment with an authority")
        UNKNOWN = "UNKNOWN", _("Without notice")
        OTHER = "OTHER", _("Other reason")

    referral = models.ForeignKey(
        Referral, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="attendance"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    hours_offered = models.DecimalField(_("hours offered"), max_digits=5, decimal_places=1)
    hours_attended = models.DecimalField(_("hours attended"), max_digits=5, decimal_places=1)
    absence_reason = models.CharField(
        _("main reason for absence"),
        max_length=12,
        choices=AbsenceReason.choices,
        default=AbsenceReason.NONE,
    )
    reported_by = actor_field(_("reported by"))
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        verbose_name = _("monthly attendance")
        verbose_name_plural = _("monthly attendance")
        ordering = ["referral", "month"]
        constraints = [
            models.UniqueConstraint(fields=["referral", "month"], name="attendance_once_a_month"),
            models.CheckConstraint(
                condition=models.Q(hours_attended__lte=models.F("hours_offered"))
                & models.Q(hours_attended__gte=0),
                name="attendance_attended_within_offered",
            ),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="attendance_month_first_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.month:%Y-%m}"

    @property
    def absence_hours(self):
        return self.hours_offered - self.hours_attended


class ProgressReport(models.Model):
    """A provider's progress report on a placement, with the afschalen decision where made."""

    class Afschalen(models.TextChoices):
        NOT_ASSESSED = "NOT_ASSESSED", _("Not assessed")
        NOT_NEEDED = "NOT_NEEDED", _("Not needed")
        PROPOSED = "PROPOSED", _("Proposed to the municipality")
        DECIDED = "DECIDED", _("Decided: some exams at A2")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("placement"),
        on_delete=models.CASCADE,
        related_name="progress_reports",
    )
    reported_on = models.DateField(_("report date"))
    summary = models.TextField(_("progress"))
    level_reached = models.CharField(_("level reached"), max_length=2, blank=True)
    afschalen = models.CharField(
        _("afschalen"), max_length=12, choices=Afschalen.choices, default=Afschalen.NOT_ASSESSED
    )
    reported_by = actor_field(_("reported by"))

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["referral", "-reported_on"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.reported_on}"


class ExamResult(models.Model):
    """The outcome of one exam of a placement (B1-route: four language skills and KNM)."""

    class Exam(models.TextChoices):
        READING = "READING", _("Reading")
        LISTENING = "LISTENING", _("Listening")
        WRITING = "WRITING", _("Writing")
        SPEAKING = "SPEAKING", _("Speaking")
        KNM = "KNM", _("Knowledge of Dutch society (KNM)")

    referral = models.ForeignKey(
        Referral, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="exams"
    )
    exam = models.CharField(_("exam"), max_length=10, choices=Exam.choices)
    level = models.CharField(_("level"), max_length=2, blank=True, help_text=_("B1, A2, B2…"))
    passed = models.BooleanField(_("passed"))
    taken_on = models.DateField(_("taken on"))

    class Meta:
        verbose_name = _("exam result")
        verbose_name_plural = _("exam results")
        ordering = ["referral", "taken_on", "exam"]

    def __str__(self) -> str:
        return f"{self.referral_id} {self.exam} {self.level}"


class CaseTransfer(models.Model):
    """A learner moving to another municipality: the sending klantmanager hands the case over and
    a klantmanager of the receiving municipality accepts it (``contracts.transfers``)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting acceptance")
        ACCEPTED = "accepted", _("Accepted")
        CANCELLED = "cancelled", _("Cancelled")

    learner = models.ForeignKey(
        Learner, verbose_name=_("learner"), on_delete=models.PROTECT, related_name="transfers"
    )
    from_municipality = models.ForeignKey(
        Municipality, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_municipality = models.ForeignKey(
        Municipality, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    note = models.TextField(_("note for the receiving klantmanager"), blank=True)
    requested_by = actor_field(_("handed over by"))
    requested_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    decided_by = actor_field(_("accepted or cancelled by"), blank=True)
    decided_at = models.DateTimeField(_("accepted or cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner"],
                condition=models.Q(state="requested"),
                name="casetransfer_one_open_per_learner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id}: {self.from_municipality_id} → {self.to_municipality_id}"


class LotMonthSummary(models.Model):
    """A summary row of one lot, one municipality (the learners' current one) and one month (its
    first day), kept by ``contracts.summaries``."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["lot", "municipality", "month"], name="%(class)s_once"),
        ]
        indexes = [models.Index(fields=["month"], name="%(class)s_month")]

    def __str__(self) -> str:
        return f"{self.lot_id} {self.municipality_id} {self.month:%Y-%m}"


class ReferralMonth(LotMonthSummary):
    """How far the referrals sent in one month, to one lot, for learners of one municipality,
    have got: a summary row kept by ``contracts.summaries`` whenever a referral changes, so the
    dashboard adds up a few thousand rows instead of grouping every referral.

    ``month`` is the first day of the month the referrals were sent (in the portal's time zone);
    the municipality is the learners' current one. Each count is defined as in
    ``contracts.reporting`` (``referral_funnel``, ``sla_breaches``, ``utilisation_by_month``).
    """

    sent = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    started = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    awaiting_answer = models.PositiveIntegerField(default=0)
    awaiting_start = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    accepted_late = models.PositiveIntegerField(default=0)
    started_late = models.PositiveIntegerField(default=0)
    placements = models.PositiveIntegerField(default=0)


class AttendanceMonth(LotMonthSummary):
    """The attendance reported for one month, one lot and the learners of one municipality:
    a summary row of ``MonthlyAttendance`` kept by ``contracts.summaries``."""

    placements = models.PositiveIntegerField(default=0)
    hours_offered = models.DecimalField(max_digits=12, decimal_places=1, default=0)
    hours_attended = models.DecimalField(max_digits=12, decimal_places=1, default=0)
