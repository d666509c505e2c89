"""Public, read-only API of the region's contracts: the OCDS release package."""

from __future__ import annotations

from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts.ocds import release_package

CACHE_SECONDS = 300
"""How long clients and shared caches may keep the package: contracts change a few times a year,
and five minutes late is soon enough for open data."""


class ReleasePackageQuerySerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False,
        help_text=_(
            "Only contracts changed on or after this day (YYYY-MM-DD): the contract, its lots or "
            "its provider."
        ),
    )


_RELEASE_PACKAGE = inline_serializer(
    name="OcdsReleasePackage",
    fields={
        "uri": serializers.URLField(),
        "version": serializers.CharField(),
        "publishedDate": serializers.DateTimeField(),
        "publisher": serializers.DictField(),
        "releases": serializers.ListField(child=serializers.DictField()),
    },
)


class ReleasePackageView(APIView):
    """The region's contracts as an OCDS 1.1 release package, one release per contract in force
    or ended (drafts are not published), without personal data."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="ocds_releases",
        tags=["ocds"],
        summary=_("Contracts as an OCDS release package"),
        description=_(
            "The region's civic-integration contracts in the Open Contracting Data Standard 1.1: "
            "parties (the municipalities and the provider), tender with the lots as items, award "
            "and contract with value and period. Releases follow "
            "https://standard.open-contracting.org/schema/1__1__5/release-schema.json."
        ),
        parameters=[ReleasePackageQuerySerializer],
        responses={
            200: OpenApiResponse(_RELEASE_PACKAGE, description=_("An OCDS 1.1 release package.")),
            400: OpenApiResponse(description=_("A filter value is not valid; the body names it.")),
        },
    )
    def get(self, request: Request) -> Response:
        query = ReleasePackageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        package = release_package(
            uri=request.build_absolute_uri(), since=query.validated_data.get("since")
        )
        response = Response(package)
        patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
        return response
