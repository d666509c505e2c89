"""Public, read-only API of the published catalogue."""

from __future__ import annotations

from django.db.models import Prefetch
from django.urls.converters import SlugConverter
from django_filters import rest_framework as filters
from rest_framework import viewsets

from providers.api.serializers import (
    OfferingSerializer,
    ProviderSerializer,
    StartMomentSerializer,
)
from providers.filters import IdFilter, OfferingFilterSet
from providers.models import Location
from providers.selectors import (
    offering_public_queryset,
    provider_public_queryset,
    start_moment_public_queryset,
)


class OfferingViewSet(viewsets.ReadOnlyModelViewSet):
    """Published offerings. The list takes the same filters as the catalogue page."""

    serializer_class = OfferingSerializer
    filterset_class = OfferingFilterSet

    def get_queryset(self):
        return offering_public_queryset().prefetch_related("translations")


class ProviderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProviderSerializer
    lookup_field = "slug"
    # Only what a slug can be reaches the query (a NUL byte is an error on PostgreSQL): else 404.
    lookup_value_regex = SlugConverter.regex
    filter_backends: list = []

    def get_queryset(self):
        return provider_public_queryset().prefetch_related(
            Prefetch("locations", queryset=Location.objects.select_related("municipality"))
        )


class StartMomentFilterSet(filters.FilterSet):
    offering = IdFilter(field_name="offering_id")
    starts_after = filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_before = filters.DateFilter(field_name="starts_on", lookup_expr="lte")


class StartMomentViewSet(viewsets.ReadOnlyModelViewSet):
    """Upcoming start moments of published offerings, with their free seats."""

    serializer_class = StartMomentSerializer
    filterset_class = StartMomentFilterSet

    def get_queryset(self):
        return start_moment_public_queryset()
