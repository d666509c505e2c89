"""The region's contracts with providers: contracts, their lots, capacity periods and the
intake volumes the forecast starts from."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.documents import get_document_model_string
from wagtail.models import Orderable, RevisionMixin

from portal.core.fields import EuroCentsField
from portal.places.models import Municipality
from providers.choices import Component, EducationLevel


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
    tariff_cents = EuroCentsField(
        _("tariff per trajectory"),
        help_text=_("What the municipality pays per trajectory, in euros, such as 9,500.00."),
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
