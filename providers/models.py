from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from portal.core.fields import EuroCentsField
from portal.places.geo import postcode_point
from providers import keurmerk
from providers.choices import (
    CefrLevel,
    Component,
    EducationLevel,
    KeurmerkStatus,
    ProviderKind,
    Schedule,
    TargetGroup,
)


def coordinate(degrees: float) -> Decimal:
    """Degrees as ``Location`` stores them: six decimals (about 10 cm)."""
    return Decimal(str(round(degrees, 6)))


kvk_validator = RegexValidator(r"^\d{8}$", _("A KvK number has exactly eight digits."))
postcode_validator = RegexValidator(
    r"^[1-9]\d{3} ?[A-Z]{2}$", _("Enter a Dutch postcode such as 2011 AB.")
)
language_code_validator = RegexValidator(
    r"^[a-z]{2}$", _("Use a two-letter ISO 639-1 code in lower case, e.g. ar.")
)


class Language(models.Model):
    """A language in which a provider can support learners (ISO 639-1)."""

    code = models.CharField(
        _("code"), max_length=2, unique=True, validators=[language_code_validator]
    )
    name_en = models.CharField(_("name in English"), max_length=60)
    name_nl = models.CharField(_("name in Dutch"), max_length=60)
    native_name = models.CharField(_("native name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.name_nl if (get_language() or "nl").startswith("nl") else self.name_en
        if self.native_name and self.native_name != name:
            return f"{name} ({self.native_name})"
        return name


class Provider(index.Indexed, ClusterableModel):
    """A school or other provider of courses. Clusterable so that its texts in other languages
    (``ProviderTranslation``) are edited in its own admin form."""

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[kvk_validator]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    description = models.TextField(_("description"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    keurmerk_status = models.CharField(
        _("Keurmerk Inburgeren"),
        max_length=12,
        choices=KeurmerkStatus.choices,
        default=KeurmerkStatus.NONE,
        help_text=_("Blik op Werk quality mark for integration schools."),
    )
    keurmerk_valid_until = models.DateField(_("quality mark valid until"), null=True, blank=True)
    keurmerk_stars = models.PositiveSmallIntegerField(
        _("quality mark score (stars)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("Blik op Werk's 1 to 4 star score, if published."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    cancellation_terms = models.TextField(
        _("cancellation terms"),
        blank=True,
        help_text=_(
            "Shown to learners before they enrol and before they cancel. Within 14 days of "
            "enrolling and before the start, learners always get their money back in full."
        ),
    )
    late_cancellation_refund_percent = models.PositiveSmallIntegerField(
        _("refund on later cancellation (%)"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("Part of the price refunded when a learner cancels after those 14 days."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("kind"),
        # The scopes that listings and choosers search within (``portal.permissions.scope``):
        # provider staff's own providers, and the public catalogue.
        index.FilterField("id"),
        index.FilterField("is_active"),
    ]

    class Meta:
        verbose_name = _("provider")
        verbose_name_plural = _("providers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(keurmerk_stars__isnull=True)
                | Q(keurmerk_stars__gte=1, keurmerk_stars__lte=4),
                name="provider_keurmerk_stars_1_to_4",
            ),
            models.CheckConstraint(
                condition=Q(keurmerk_status=KeurmerkStatus.NONE)
                | Q(keurmerk_valid_until__isnull=False),
                name="provider_keurmerk_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.keurmerk_status != KeurmerkStatus.NONE and not self.keurmerk_valid_until:
            raise ValidationError(
                {"keurmerk_valid_until": _("Give the date until which the quality mark is valid.")}
            )

    @property
    def keurmerk_is_valid(self) -> bool:
        return keurmerk.is_valid(status=self.keurmerk_status, valid_until=self.keurmerk_valid_until)

    @property
    def keurmerk_state(self) -> keurmerk.KeurmerkState:
        return keurmerk.state(status=self.keurmerk_status, valid_until=self.keurmerk_valid_until)


class Location(models.Model):
    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(_("name"), max_length=120)
    street_address = models.CharField(_("street and number"), max_length=160)
    postcode = models.CharField(_("postcode"), max_length=7, validators=[postcode_validator])
    city = models.CharField(_("place"), max_length=80)
    municipality = models.ForeignKey(
        "places.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="locations",
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    accessibility_notes = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Step-free access, lift, toilets, public transport nearby."),
    )

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["provider__name", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"

    def save(self, *args, **kwargs) -> None:
        """A location without coordinates gets its postcode area's centre (for the catalogue's
        near-me search), and gets the new area's centre when its postcode changes while it still
        has the old area's; coordinates someone gave are never overwritten."""
        if self.pk is not None and self.latitude is not None:
            before = (
                Location.objects.filter(pk=self.pk)
                .values_list("postcode", "latitude", "longitude")
                .first()
            )
            if before is not None and before[0] != self.postcode:
                old_centre = postcode_point(before[0])
                if old_centre is not None and (self.latitude, self.longitude) == (
                    coordinate(old_centre.latitude),
                    coordinate(old_centre.longitude),
                ):
                    self.latitude = self.longitude = None
        if self.latitude is None and self.longitude is None:
            point = postcode_point(self.postcode)
            if point is not None:
                self.latitude = coordinate(point.latitude)
                self.longitude = coordinate(point.longitude)
        super().save(*args, **kwargs)


class Offering(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    PreviewableMixin,
    index.Indexed,
    ClusterableModel,
):
    """A course a provider offers. Drafts and approvals go through Wagtail revisions and workflows;
    the row itself always holds the published version."""

    provider = models.ForeignKey(
        Provider, verbose_name=_("provider"), on_delete=models.PROTECT, related_name="offerings"
    )
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(
        _("own reference"),
        max_length=40,
        blank=True,
        help_text=_("Your own code for this course; spreadsheet uploads match rows on it."),
    )
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    education_level = models.CharField(
        _("prepares for"),
        max_length=4,
        choices=EducationLevel.choices,
        blank=True,
        help_text=_("Only for the education route."),
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = RichTextField(
        _("description"), blank=True, features=["bold", "italic", "ul", "ol", "link"]
    )
    for_statushouders = models.BooleanField(_("for statushouders"), default=True)
    for_gezinsmigranten = models.BooleanField(_("for gezinsmigranten"), default=True)
    cefr_from = models.CharField(
        _("language level at start"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    cefr_to = models.CharField(
        _("language level aimed for"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    hours_total = models.PositiveIntegerField(_("total hours"), validators=[MinValueValidator(1)])
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    duration_weeks = models.PositiveSmallIntegerField(
        _("duration in weeks"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices)
    support_languages = ParentalManyToManyField(
        Language,
        verbose_name=_("support languages"),
        blank=True,
        related_name="offerings",
        help_text=_("Languages besides Dutch in which teachers can explain and help."),
    )
    locations = ParentalManyToManyField(
        Location, verbose_name=_("locations"), blank=True, related_name="offerings"
    )
    childcare = models.BooleanField(_("childcare available"), default=False)
    price_cents = EuroCentsField(
        _("price for self-payers"),
        null=True,
        blank=True,
        help_text=_(
            "The total price in euros, such as 1,250.00. Leave empty if the course is not for sale."
        ),
    )
    price_includes_exams = models.BooleanField(_("price includes exam costs"), default=False)
    price_includes_materials = models.BooleanField(
        _("price includes learning materials"), default=False
    )
    price_includes_other = models.CharField(_("price also includes"), max_length=200, blank=True)
    duo_loan_eligible = models.BooleanField(
        _("DUO loan possible"),
        default=False,
        help_text=_("Only for providers with a valid Keurmerk Inburgeren."),
    )
    pass_rate_percent = models.PositiveSmallIntegerField(
        _("exam pass rate (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    pass_rate_year = models.PositiveSmallIntegerField(_("pass rate year"), null=True, blank=True)
    pass_rate_sample_size = models.PositiveIntegerField(
        _("number of learners behind the pass rate"), null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    search_fields = [
        index.SearchField("title"),
        index.AutocompleteField("title"),
        index.FilterField("component"),
        index.FilterField("provider_id"),
        index.FilterField("live"),
        # The public catalogue (``portal.permissions.public_scope``) that choosers search within.
        index.RelatedFields("provider", [index.FilterField("is_active")]),
    ]

    class Meta(DraftStateMixin.Meta):
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["title"]
        indexes = [
            models.Index(fields=["live", "component"], name="offering_live_component"),
            models.Index(fields=["live", "price_cents"], name="offering_live_price"),
            models.Index(fields=["live", "pass_rate_percent"], name="offering_live_pass_rate"),
            models.Index(fields=["live", "schedule"], name="offering_live_schedule"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~Q(reference=""),
                name="offering_reference_unique_per_provider",
            ),
            models.CheckConstraint(
                condition=Q(price_cents__isnull=True) | Q(price_cents__gte=0),
                name="offering_price_not_negative",
            ),
            models.CheckConstraint(condition=Q(hours_total__gte=1), name="offering_hours_positive"),
            models.CheckConstraint(
                condition=Q(pass_rate_percent__isnull=True)
                | Q(pass_rate_percent__gte=0, pass_rate_percent__lte=100),
                name="offering_pass_rate_is_percentage",
            ),
            models.CheckConstraint(
                condition=Q(pass_rate_percent__isnull=True)
                | Q(pass_rate_year__isnull=False, pass_rate_sample_size__isnull=False),
                name="offering_pass_rate_has_year_and_sample",
            ),
            models.CheckConstraint(
                condition=Q(cefr_from="") | Q(cefr_to="") | Q(cefr_to__gte=F("cefr_from")),
                name="offering_cefr_to_not_below_from",
            ),
            models.CheckConstraint(
                condition=Q(education_level="") | Q(component=Component.ONDERWIJSROUTE),
                name="offering_education_level_only_for_onderwijsroute",
            ),
            models.CheckConstraint(
                condition=Q(for_statushouders=True) | Q(for_gezinsmigranten=True),
                name="offering_has_a_target_group",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from providers.offerings import offering_validate

        offering_validate(offering=self)

    @property
    def target_groups(self) -> list[str]:
        groups = []
        if self.for_statushouders:
            groups.append(TargetGroup.STATUSHOUDER.value)
        if self.for_gezinsmigranten:
            groups.append(TargetGroup.GEZINSMIGRANT.value)
        return groups

    def get_target_groups_display(self) -> list[str]:
        return [TargetGroup(code).label for code in self.target_groups]

    @property
    def hourly_rate_cents(self) -> int | None:
        if self.price_cents is None or not self.hours_total:
            return None
        return round(self.price_cents / self.hours_total)

    @property
    def location_cities(self) -> list[str]:
        """The places it is taught, each once (reads the prefetched locations)."""
        return sorted({location.city for location in self.locations.all()})

    @cached_property
    def level_display(self) -> str:
        if self.cefr_from and self.cefr_to and self.cefr_from != self.cefr_to:
            return f"{self.cefr_from} → {self.cefr_to}"
        return self.cefr_to or self.cefr_from or ""

    def get_preview_template(self, request, mode_name):
        return "providers/offering_preview.html"


class TranslationLanguage(models.TextChoices):
    """The languages besides Dutch in which a provider may write an offering's text (the public
    site's ``LANGUAGES`` without Dutch, whose text is the offering's own fields). Each label is
    the language's name in itself, as the language switcher shows it."""

    EN = "en", "English"
    AR = "ar", "العربية"
    TI = "ti", "ትግርኛ"
    TR = "tr", "Türkçe"
    FA = "fa", "فارسی"


class OfferingTranslation(models.Model):
    """An offering's text in one more language, written by the provider.

    A child of the offering (``ParentalKey``): it is edited in the offering's form and saved in
    its revisions, so a translation goes through the same approval as the Dutch text, and the
    offering stays one row. An empty field means "not translated": the Dutch text is shown
    (``providers.offerings.offering_text``).
    """

    offering = ParentalKey(Offering, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=2, choices=TranslationLanguage.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = RichTextField(
        _("description"), blank=True, features=["bold", "italic", "ul", "ol", "link"]
    )
    price_includes_other = models.CharField(_("price also includes"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["offering", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "language"], name="offering_translation_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering_id}:{self.language}"


class ProviderTranslation(models.Model):
    """A provider's text in one more language, written by the provider: its cancellation terms.

    A child of the provider (``ParentalKey``), edited in the provider's admin form. An empty
    field means "not translated": the Dutch text is shown
    (``providers.offerings.provider_cancellation_terms``). An enrolment keeps a copy of the
    terms in the learner's language as they were when the learner enrolled.
    """

    provider = ParentalKey(Provider, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=2, choices=TranslationLanguage.choices)
    cancellation_terms = models.TextField(_("cancellation terms"), blank=True)

    class Meta:
        verbose_name = _("translation")
        verbose_name_plural = _("translations")
        ordering = ["provider", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "language"], name="provider_translation_one_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id}:{self.language}"


class StartMoment(models.Model):
    """One cohort of an offering: a start date at a location with a number of seats.

    Its own table (not part of the offering's revisions) because enrolments and placements point at
    it: publishing a revision must never delete or recreate these rows. Seats change only through
    ``providers.seats``.
    """

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.PROTECT, related_name="start_moments"
    )
    location = models.ForeignKey(
        Location,
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="start_moments",
        null=True,
        blank=True,
        help_text=_("Leave empty for online courses."),
        db_index=False,  # startmoment_location_offering below starts with it
    )
    reference = models.CharField(
        _("own reference"),
        max_length=40,
        blank=True,
        help_text=_("Your own code for this start date; spreadsheet uploads match rows on it."),
    )
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"))
    enrolment_deadline = models.DateField(_("enrol before"), null=True, blank=True)
    seats = models.PositiveIntegerField(_("seats"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("start moment")
        verbose_name_plural = _("start moments")
        ordering = ["starts_on", "pk"]
        indexes = [
            # The next open start of every offering is read from this index alone (PostgreSQL
            # index-only scans); sorting the catalogue by next start depends on it.
            models.Index(
                fields=["offering", "starts_on", "id"],
                include=["seats", "seats_taken", "enrolment_deadline"],
                name="startmoment_next_open_lookup",
            ),
            models.Index(fields=["starts_on"], name="startmoment_starts_on"),
            # The offerings taught at a few locations, from this index alone: the catalogue
            # sorted nearest first looks among the locations near the visitor first.
            models.Index(fields=["location", "offering"], name="startmoment_location_offering"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "reference"],
                condition=~Q(reference=""),
                name="startmoment_reference_unique_per_offering",
            ),
            models.CheckConstraint(
                condition=Q(seats__gte=0), name="startmoment_seats_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=F("seats")),
                name="startmoment_seats_taken_within_seats",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="startmoment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(enrolment_deadline__isnull=True)
                | Q(enrolment_deadline__lte=F("starts_on")),
                name="startmoment_deadline_not_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering}, {self.starts_on:%d-%m-%Y}"

    def save(self, *args, **kwargs) -> None:
        """An edit never writes ``seats_taken``: the instance may have been read before a seat
        was taken, and only ``providers.seats`` changes the counter (conditionally, in SQL)."""
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "seats_taken"
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = _("The end date must be after the start date.")
        if self.enrolment_deadline and self.starts_on and self.enrolment_deadline > self.starts_on:
            errors["enrolment_deadline"] = _(
                "The enrolment deadline cannot be after the start date."
            )
        if self.seats is not None and self.seats < self.seats_taken:
            errors["seats"] = _(
                "%(taken)s seats are already taken; the number of seats cannot be lower."
            ) % {"taken": self.seats_taken}
        if (
            self.location_id
            and self.offering_id
            and self.location.provider_id != self.offering.provider_id
        ):
            errors["location"] = _("Choose a location of the offering's own provider.")
        if errors:
            raise ValidationError(errors)

    @property
    def free_seats(self) -> int:
        return max(self.seats - self.seats_taken, 0)

    @property
    def last_enrolment_day(self) -> datetime.date:
        """The last day to enrol: the deadline, else the day before the start (in SQL:
        ``providers.selectors.enrolment_open_q``)."""
        return self.enrolment_deadline or self.starts_on - datetime.timedelta(days=1)


class SeatClaim(models.Model):
    """One seat of a start moment, taken for an enrolment or a placement.

    While ``released_at`` is empty the seat is counted in ``StartMoment.seats_taken``, whose check
    constraint keeps the count within the seats. A claim with ``expires_at`` is a hold: from that
    moment on it counts as free, and the next attempt to take a seat on its start moment releases
    it (``providers.seats``), so correctness needs no scheduled job.
    """

    class Purpose(models.TextChoices):
        ENROLMENT = "enrolment", _("enrolment")
        PLACEMENT = "placement", _("placement")

    start_moment = models.ForeignKey(
        StartMoment,
        verbose_name=_("start moment"),
        on_delete=models.PROTECT,
        related_name="seat_claims",
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        indexes = [
            models.Index(
                fields=["start_moment", "expires_at"],
                condition=Q(released_at__isnull=True, expires_at__isnull=False),
                name="seatclaim_open_holds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk} ({self.start_moment_id})"

    @property
    def is_released(self) -> bool:
        return self.released_at is not None


class ProviderMembership(models.Model):
    """A user who works for a provider, with their role there."""

    class Role(models.TextChoices):
        EDITOR = "EDITOR", _("Editor")
        ADMIN = "ADMIN", _("Administrator")

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="provider_memberships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.EDITOR)

    class Meta:
        verbose_name = _("provider membership")
        verbose_name_plural = _("provider memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "provider"], name="membership_once_per_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"


class OfferingImport(models.Model):
    """A checked spreadsheet of offerings and start moments, waiting for its uploader to apply it.

    Stored in the database (not the session or a process's memory) so that the preview and the
    "Apply" request may be served by different web processes. ``rows`` holds the cells as read from
    the file (one ``{"row": number, "cells": {column code: text}}`` per spreadsheet row), which
    ``providers.imports`` checks again when the batch is applied; ``summary`` is the preview that
    was shown, so a catalogue that changed in between can be noticed.
    """

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Checked, not applied yet")
        APPLIED = "APPLIED", _("Applied")

    user = models.ForeignKey(
        "accounts.User",
        verbose_name=_("uploaded by"),
        on_delete=models.CASCADE,
        related_name="offering_imports",
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="offering_imports",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    rows = models.JSONField(_("rows"), default=list)
    summary = models.JSONField(_("preview"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("offering import")
        verbose_name_plural = _("offering imports")
        ordering = ["-created_at"]
        # Old batches are deleted by age (providers.imports.batches.import_batches_purge).
        indexes = [models.Index(fields=["created_at"], name="offeringimport_created_at")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.provider})"
