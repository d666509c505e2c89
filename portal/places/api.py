"""The one places endpoint of the public API: the nearest postcode area to a point.

"Use my location" on the catalogue and the home page sends the browser's position here and puts
the answer, a 4-digit postcode, into the ``near`` search. The position comes in a POST body, not
in the address, so it never lands in an access log, a proxy's log or the browser's history; it is
used for one query and not kept.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.places.geo import Point, nearest_postcode_area


class PositionSerializer(serializers.Serializer):
    # DRF's FloatField refuses NaN and infinity ("A valid number is required.").
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)


class NearestPostcodeAreaSerializer(serializers.Serializer):
    postcode = serializers.CharField(source="pc4", help_text=_("The 4 digits, e.g. 2011."))
    place = serializers.CharField()


class NearestPostcodeAreaView(APIView):
    """The Dutch postcode area whose centre is nearest to a position (WGS 84 degrees).

    400 with ``{"latitude": [...], "longitude": [...]}`` for a position that is no position;
    404 when no postcode area lies within 25 km (not in the Netherlands).
    """

    # No session, hence no CSRF check: a cached catalogue page has no token, and nothing here
    # reads or changes anything of a user's.
    authentication_classes: list = []
    parser_classes = [JSONParser]

    @extend_schema(
        request=PositionSerializer,
        responses={
            200: NearestPostcodeAreaSerializer,
            400: inline_serializer(
                "PositionErrors",
                {
                    "latitude": serializers.ListField(child=serializers.CharField()),
                    "longitude": serializers.ListField(child=serializers.CharField()),
                },
            ),
            404: inline_serializer("NoAreaNear", {"detail": serializers.CharField()}),
        },
    )
    def post(self, request: Request) -> Response:
        position = PositionSerializer(data=request.data)
        position.is_valid(raise_exception=True)
        area = nearest_postcode_area(
            Point(position.validated_data["latitude"], position.validated_data["longitude"])
        )
        if area is None:
            raise NotFound(_("No Dutch postcode area is near this position."))
        return Response(NearestPostcodeAreaSerializer(area).data)
