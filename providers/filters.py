"""The catalogue's one FilterSet: the HTML catalogue page and ``/api/v1/offerings/`` both use it."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from portal.core.forms import StrictBooleanField
from portal.core.inputs import ID_MAX, IdField
from portal.core.pagecache import cached_by_catalogue_version
from portal.core.widgets import FastCheckboxSelectMultiple, FastSelect
from portal.places import geo
from portal.places.models import Municipality
from providers import keurmerk
from providers.choices import Component, Schedule, TargetGroup
from providers.models import Language, Offering
from providers.selectors import (
    duo_loan_available_q,
    offering_distance_annotate,
    offering_near_box_q,
    start_moments_open,
)

MAX_SEARCH_LENGTH = 100

ORDERING_CHOICES = [
    ("next_start", _("Next start date (soonest first)")),
    ("price", _("Price (lowest first)")),
    ("-price", _("Price (highest first)")),
    ("-pass_rate", _("Pass rate (highest first)")),
    ("-next_start", _("Next start date (latest first)")),
    ("pass_rate", _("Pass rate (lowest first)")),
    ("distance", _("Distance (nearest first)")),
]
DEFAULT_ORDERING = "next_start"
_ORDER_FIELDS = {
    "next_start": "next_start",
    "price": "price_cents",
    "pass_rate": "pass_rate_percent",
    "distance": "distance_km",  # online courses (no distance) after the rest
}
MAX_DISTANCE_KM = 300  # the Netherlands is about 300 km from end to end


class StrictBooleanFilter(django_filters.BooleanFilter):
    """Not the REST flavour, whose widget turns unknown values into "no filter" without a word."""

    field_class = StrictBooleanField


def municipality_choices() -> list[tuple[str, str]]:
    """CBS code and name of every municipality, cached until the catalogue changes."""
    return cached_by_catalogue_version(
        "municipality-choices",
        lambda: list(Municipality.objects.order_by("name").values_list("cbs_code", "name")),
    )


def language_choices() -> list[tuple[str, str]]:
    return cached_by_catalogue_version(
        f"language-choices:{get_language()}",
        lambda: [(language.code, language.display_name) for language in Language.objects.all()],
    )


class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.NumberFilter):
    """A row id (``portal.core.inputs.IdField``): not a decimal, and never past the database's
    range."""

    field_class = IdField


class NearField(forms.CharField):
    """A postcode ("2011", "2011 AB") or a place ("Haarlem", "Den Haag"), cleaned to its
    ``geo.Point``; anything else is an error on the field."""

    default_error_messages = {
        "unknown": _("We do not know this postcode or place. Try a 4-digit postcode, like 2011.")
    }

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        point = geo.point_for(text)
        if point is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return point


class NearFilter(filters.CharFilter):
    field_class = NearField


class OfferingFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("starts_after"), cleaned.get("starts_before")
        if after and before and before < after:
            self.add_error(
                "starts_before", _("The end of the start-date window is before its beginning.")
            )
        # Distance needs a point; a near that is itself wrong has said so on its own field.
        if not cleaned.get("near") and "near" not in self.errors:
            if cleaned.get("max_distance_km") is not None:
                self.add_error(
                    "max_distance_km", _("Enter a postcode or place to measure the distance from.")
                )
            if cleaned.get("ordering") == "distance":
                self.add_error(
                    "ordering", _("Enter a postcode or place to sort by distance from it.")
                )
        return cleaned


class OfferingFilterSet(filters.FilterSet):
    q = filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=MAX_SEARCH_LENGTH,
        help_text=_("Course, provider or place"),
    )
    component = filters.MultipleChoiceFilter(
        label=_("Component"),
        choices=Component.choices,
        distinct=False,
        widget=FastCheckboxSelectMultiple,
    )
    target_group = filters.ChoiceFilter(
        widget=FastSelect,
        label=_("I am a"),
        choices=TargetGroup.choices,
        method="filter_target_group",
        empty_label=_("Any target group"),
    )
    municipality = filters.ChoiceFilter(
        widget=FastSelect,
        label=_("Municipality"),
        choices=municipality_choices,
        method="filter_municipality",
        empty_label=_("All municipalities"),
    )
    schedule = filters.MultipleChoiceFilter(
        label=_("When"),
        choices=Schedule.choices,
        distinct=False,
        widget=FastCheckboxSelectMultiple,
    )
    max_price = WholeNumberFilter(
        label=_("Maximum price (euro)"),
        method="filter_max_price",
        min_value=0,
        max_value=1_000_000,
    )
    support_language = filters.ChoiceFilter(
        widget=FastSelect,
        label=_("Help in my language"),
        choices=language_choices,
        method="filter_support_language",
        empty_label=_("Any language"),
    )
    childcare = StrictBooleanFilter(label=_("Childcare available"), method="filter_childcare")
    duo_loan = StrictBooleanFilter(label=_("Can be paid with a DUO loan"), method="filter_duo_loan")
    keurmerk = StrictBooleanFilter(
        label=_("Provider has a valid quality mark"), method="filter_keurmerk"
    )
    starts_after = filters.DateFilter(
        label=_("Starts on or after"),
        method="filter_start_window",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    starts_before = filters.DateFilter(
        label=_("Starts on or before"),
        method="filter_start_window",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    near = NearFilter(
        label=_("Near"),
        method="filter_near",
        max_length=geo.MAX_INPUT_LENGTH,
        help_text=_("Postcode or place, like 2011 or Haarlem"),
    )
    max_distance_km = WholeNumberFilter(
        label=_("Maximum distance (km)"),
        method="filter_max_distance",
        min_value=1,
        max_value=MAX_DISTANCE_KM,
        help_text=_("Online courses are always shown."),
    )
    ordering = filters.ChoiceFilter(
        widget=FastSelect,
        label=_("Sort by"),
        choices=ORDERING_CHOICES,
        method="filter_ordering",
        empty_label=None,
    )

    class Meta:
        model = Offering
        fields: list[str] = []
        form = OfferingFilterForm

    def filter_queryset(self, queryset: QuerySet[Offering]) -> QuerySet[Offering]:
        queryset = super().filter_queryset(queryset)
        queryset = self._filter_start_window(queryset)
        queryset = self._filter_distance(queryset)
        return self._order(queryset, self.form.cleaned_data.get("ordering") or DEFAULT_ORDERING)

    def filter_text(self, queryset, name, value):
        words = value.split()[:10]
        for word in words:
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(summary__icontains=word)
                | Q(provider__name__icontains=word)
                | Exists(
                    Offering.locations.through.objects.filter(
                        offering_id=OuterRef("pk"), location__city__icontains=word
                    )
                )
            )
        return queryset

    def filter_target_group(self, queryset, name, value):
        if value == TargetGroup.STATUSHOUDER:
            return queryset.filter(for_statushouders=True)
        return queryset.filter(for_gezinsmigranten=True)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_municipality(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Offering.locations.through.objects.filter(
                    offering_id=OuterRef("pk"), location__municipality__cbs_code=value
                )
            )
        )

    def filter_max_price(self, queryset, name, value):
        return queryset.filter(price_cents__isnull=False, price_cents__lte=int(value) * 100)

    @extend_schema_field(OpenApiTypes.STR)
    def filter_support_language(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Offering.support_languages.through.objects.filter(
                    offering_id=OuterRef("pk"), language__code=value
                )
            )
        )

    def filter_childcare(self, queryset, name, value):
        return queryset.filter(childcare=value)

    def filter_duo_loan(self, queryset, name, value):
        condition = duo_loan_available_q()
        return queryset.filter(condition if value else ~condition)

    def filter_keurmerk(self, queryset, name, value):
        condition = keurmerk.valid_q(prefix="provider__")
        return queryset.filter(condition if value else ~condition)

    def filter_start_window(self, queryset, name, value):
        return queryset  # both bounds apply to the same start moment: see _filter_start_window

    def filter_ordering(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    @extend_schema_field(OpenApiTypes.STR)
    def filter_near(self, queryset, name, value):
        return queryset  # near and max_distance_km together: see _filter_distance

    @extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_DISTANCE_KM})
    def filter_max_distance(self, queryset, name, value):
        return queryset  # see _filter_distance

    def _filter_distance(self, queryset: QuerySet[Offering]) -> QuerySet[Offering]:
        """Every result gets ``distance_km`` (None without ``near``); ``max_distance_km`` keeps
        the offerings within it and every online course, which is near to everybody."""
        point = self.form.cleaned_data.get("near")
        queryset = offering_distance_annotate(queryset, point=point)
        max_km = self.form.cleaned_data.get("max_distance_km")
        if point is not None and max_km is not None:
            # The box (an index lookup) first: only the offerings in it are measured.
            within = offering_near_box_q(point, max_km) & Q(distance_km__lte=max_km)
            queryset = queryset.filter(within | Q(is_online_only=True))
        return queryset

    def _filter_start_window(self, queryset: QuerySet[Offering]) -> QuerySet[Offering]:
        after = self.form.cleaned_data.get("starts_after")
        before = self.form.cleaned_data.get("starts_before")
        if not (after or before):
            return queryset
        moments = start_moments_open().filter(offering_id=OuterRef("pk"))
        if after:
            moments = moments.filter(starts_on__gte=after)
        if before:
            moments = moments.filter(starts_on__lte=before)
        return queryset.filter(Exists(moments))

    @staticmethod
    def _order(queryset: QuerySet[Offering], ordering: str) -> QuerySet[Offering]:
        descending = ordering.startswith("-")
        field = F(_ORDER_FIELDS[ordering.lstrip("-")])
        expression = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
        return queryset.order_by(expression, "title", "pk")
