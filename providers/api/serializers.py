from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from providers.models import Location, Offering, Provider, StartMoment

API_TRANSLATED_FIELDS = ("title", "summary", "price_includes_other")


class ProviderRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["name", "slug"]


class LocationSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.cbs_code")
    municipality_name = serializers.CharField(source="municipality.name")

    class Meta:
        model = Location
        fields = [
            "id",
            "name",
            "street_address",
            "postcode",
            "city",
            "municipality",
            "municipality_name",
            "latitude",
            "longitude",
            "accessibility_notes",
        ]


class ProviderSerializer(serializers.ModelSerializer):
    keurmerk_valid = serializers.BooleanField(source="keurmerk_is_valid")
    locations = LocationSerializer(many=True)

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "slug",
            "kind",
            "website",
            "keurmerk_status",
            "keurmerk_valid_until",
            "keurmerk_stars",
            "keurmerk_valid",
            "locations",
        ]


class OfferingSerializer(serializers.ModelSerializer):
    provider = ProviderRefSerializer()
    target_groups = serializers.ListField(child=serializers.CharField())
    duo_loan_eligible = serializers.BooleanField(source="duo_loan_available")
    keurmerk_valid = serializers.BooleanField()
    municipalities = serializers.SerializerMethodField()
    support_languages = serializers.SlugRelatedField(many=True, slug_field="code", read_only=True)
    next_start = serializers.DateField(allow_null=True)
    free_seats = serializers.IntegerField(source="next_start_free_seats", allow_null=True)
    pass_rate = serializers.IntegerField(source="pass_rate_percent", allow_null=True)
    online_only = serializers.BooleanField(
        source="is_online_only",
        help_text=_("Taught online only: the schedule is online, or no location is given."),
    )
    distance_km = serializers.SerializerMethodField(
        help_text=_(
            "Straight-line distance in km (to 0.1) from near to the nearest location; empty "
            "without near, for online courses and where no location has coordinates."
        )
    )
    translations = serializers.SerializerMethodField(
        help_text=_(
            "The school's own text in other languages, by language code (en, ar, ti, tr, fa): "
            "title, summary and price_includes_other where it gave them. Other text is Dutch."
        )
    )

    class Meta:
        model = Offering
        fields = [
            "id",
            "title",
            "summary",
            "component",
            "education_level",
            "provider",
            "target_groups",
            "cefr_from",
            "cefr_to",
            "hours_total",
            "hours_per_week",
            "duration_weeks",
            "schedule",
            "support_languages",
            "childcare",
            "price_cents",
            "price_includes_exams",
            "price_includes_materials",
            "price_includes_other",
            "duo_loan_eligible",
            "keurmerk_valid",
            "pass_rate",
            "pass_rate_year",
            "pass_rate_sample_size",
            "municipalities",
            "next_start",
            "free_seats",
            "online_only",
            "distance_km",
            "translations",
        ]

    @extend_schema_field(
        serializers.DictField(child=serializers.DictField(child=serializers.CharField()))
    )
    def get_translations(self, offering: Offering) -> dict[str, dict[str, str]]:
        """The school's own text in other languages: language → field → text, only what it
        filled in (``title``, ``summary``, ``price_includes_other``); the other fields are
        Dutch, like ``title`` itself."""
        return {
            translation.language: {
                name: text
                for name in API_TRANSLATED_FIELDS
                if (text := getattr(translation, name).strip())
            }
            for translation in offering.translations.all()
        }

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_km(self, offering: Offering) -> float | None:
        distance = getattr(offering, "distance_km", None)
        return None if distance is None else round(distance, 1)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_municipalities(self, offering: Offering) -> list[str]:
        return sorted({location.municipality.cbs_code for location in offering.locations.all()})


class StartMomentSerializer(serializers.ModelSerializer):
    free_seats = serializers.IntegerField(source="free")
    location = LocationSerializer(allow_null=True)

    class Meta:
        model = StartMoment
        fields = [
            "id",
            "offering",
            "location",
            "starts_on",
            "ends_on",
            "enrolment_deadline",
            "seats",
            "free_seats",
        ]
