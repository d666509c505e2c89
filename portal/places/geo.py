"""Where a postcode or a place is, and how far apart two points are: offline, from the
postcode areas (``PostcodeArea``) the data migration loads. No geocoding service: what people
type is never sent anywhere, and the answer does not depend on another site being up.

``point_for("2011 AB")`` uses the 4 digits only (the centre of that postcode area);
``point_for("Haarlem")`` is the mean of the centres of the place's postcode areas, leaving out
post-office-box numbers (see ``_place_point``). ``distance_sql`` is the same great-circle
distance as ``distance_km``, as an SQL expression on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from typing import NamedTuple

from django.db.models import F, FloatField, Func, Q
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from portal.places.models import PostcodeArea

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
MAX_INPUT_LENGTH = 100

# 4 digits (the first not 0), then optionally 2 letters, with a space or hyphen between or not.
# ASCII only: "١٢٣٤" is not a postcode.
_POSTCODE = re.compile(r"([1-9][0-9]{3})[ \-]*(?:[A-Za-z]{2})?", re.ASCII)
_NOT_KEY = re.compile(r"[^a-z0-9]+")


class Point(NamedTuple):
    latitude: float
    longitude: float


def place_key(text: str) -> str:
    """``text`` folded for lookup: accents dropped, lower case, every run of other characters one
    space ("'s-Gravenhage" → "s gravenhage", "Ternaard" = "TERNAARD", "Wâldsein" = "waldsein").
    ASCII only, so nothing odd (a NUL byte) reaches the database."""
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NOT_KEY.sub(" ", letters.casefold()).strip()


def pc4_of(text: str) -> str | None:
    """The 4 digits of a Dutch postcode written any usual way ("2011", "2011 AB", "2011ab",
    " 2011-AB "), or ``None``."""
    match = _POSTCODE.fullmatch(text.strip())
    return match.group(1) if match else None


def point_for(text: str) -> Point | None:
    """The point of a postcode (its PC4 area's centre) or of a place name (also its other
    spellings; failing those, a municipality's name); ``None`` when unknown or not a postcode or
    name at all. One query."""
    if not isinstance(text, str) or len(text) > MAX_INPUT_LENGTH:
        return None
    pc4 = pc4_of(text)
    if pc4 is not None:
        return postcode_point(pc4)
    key = place_key(text)
    if not key or len(key) > 80:
        return None
    return _place_point(key)


def postcode_point(postcode: str) -> Point | None:
    """The centre of the PC4 area of ``postcode`` ("2011 RD" or "2011"), or ``None``."""
    pc4 = pc4_of(postcode or "")
    if pc4 is None:
        return None
    found = PostcodeArea.objects.filter(pc4=pc4).values_list("latitude", "longitude").first()
    return Point(*found) if found else None


def _place_point(key: str) -> Point | None:
    """The mean of the centres of the place's postcode areas (a place has one to a hundred).

    Why the mean: the areas of a place tile it, so their mean centre is near the place's middle,
    and it needs no geometry. Post-office-box numbers sit at a sorting office, not where people
    live: they count only for a place that has nothing else. Some names belong to several places
    (Hengelo, Laren, Hoorn): the one with the most postcode areas, the bigger place, wins. A place
    name is preferred to a municipality's name (Haarlemmermeer is a municipality, Hoofddorp a
    place in it).
    """
    rows = PostcodeArea.objects.filter(
        Q(place_key=key) | Q(alternative_keys__contains=f"|{key}|") | Q(municipality_key=key)
    ).values_list(
        "place_key", "alternative_keys", "municipality_name", "is_po_box", "latitude", "longitude"
    )
    places: dict[str, list[tuple[bool, float, float]]] = defaultdict(list)
    municipalities: dict[str, list[tuple[bool, float, float]]] = defaultdict(list)
    for row_place, alternatives, municipality, is_po_box, latitude, longitude in rows:
        area = (is_po_box, latitude, longitude)
        if row_place == key or f"|{key}|" in alternatives:
            places[municipality].append(area)
        else:
            municipalities[municipality].append(area)
    groups = places or municipalities
    if not groups:
        return None
    areas = max(groups.values(), key=lambda group: (sum(not area[0] for area in group), len(group)))
    lived_in = [area for area in areas if not area[0]] or areas
    return Point(
        sum(latitude for _, latitude, _ in lived_in) / len(lived_in),
        sum(longitude for _, _, longitude in lived_in) / len(lived_in),
    )


def distance_km(a: Point, b: Point) -> float:
    """The great-circle distance (haversine) in kilometres."""
    lat_a, lat_b = math.radians(a.latitude), math.radians(b.latitude)
    half_dlat = (lat_b - lat_a) / 2
    half_dlon = math.radians(b.longitude - a.longitude) / 2
    h = math.sin(half_dlat) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


class Box(NamedTuple):
    """A range of latitudes and one of longitudes, in degrees."""

    south: float
    north: float
    west: float
    east: float


def box_around(point: Point, km: float) -> Box:
    """The smallest latitude-longitude box that holds every point within ``km`` of ``point``
    (a little more, so the rounding of stored coordinates cannot leave one out): a filter that
    an index or a cheap comparison answers, before measuring what is inside.

    Along a meridian a degree is ``EARTH_RADIUS_KM * pi / 180`` km; a degree of longitude is
    shortest at the box's edge furthest from the equator, so the width is taken there."""
    km = km * 1.01 + 0.01
    degree_km = EARTH_RADIUS_KM * math.pi / 180
    half_height = km / degree_km
    far_latitude = min(89.0, abs(point.latitude) + half_height)
    half_width = min(180.0, km / (degree_km * math.cos(math.radians(far_latitude))))
    return Box(
        south=point.latitude - half_height,
        north=point.latitude + half_height,
        west=point.longitude - half_width,
        east=point.longitude + half_width,
    )


class _HaversineKm(Func):
    """The haversine distance in kilometres from a fixed point to two columns, written as one SQL
    expression. The same SQL as composing ``Radians``, ``Sin``, ``Power``… (which this replaced),
    but Django builds and compiles two column references instead of some thirty nodes, three
    times for every catalogue query sorted by distance."""

    output_field = FloatField()

    def __init__(self, latitude: str, longitude: str, *, point: Point) -> None:
        super().__init__(
            Cast(F(latitude), FloatField()), Cast(F(longitude), FloatField()), point=point
        )
        self.point = point

    def as_sql(self, compiler, connection, **extra_context):
        latitude, latitude_params = compiler.compile(self.source_expressions[0])
        longitude, longitude_params = compiler.compile(self.source_expressions[1])
        lat0 = math.radians(self.point.latitude)
        lon0 = math.radians(self.point.longitude)
        sql = (
            f"(%s * ASIN(SQRT(("
            f"POWER(SIN(((RADIANS({latitude}) - %s) / %s)), 2)"
            f" + ((%s * COS(RADIANS({latitude})))"
            f" * POWER(SIN(((RADIANS({longitude}) - %s) / %s)), 2))))))"
        )
        params = [
            2 * EARTH_RADIUS_KM,
            *latitude_params,
            lat0,
            2.0,
            math.cos(lat0),
            *latitude_params,
            *longitude_params,
            lon0,
            2.0,
        ]
        return sql, tuple(params)


def distance_sql(point: Point, *, latitude: str, longitude: str) -> Combinable:
    """The haversine distance in kilometres from ``point`` to the row's ``latitude`` and
    ``longitude`` fields (names or paths); NULL where they are. Django's SQLite backend registers
    SIN, COS, ASIN, SQRT, POWER and RADIANS, so the same SQL runs on SQLite and PostgreSQL."""
    return _HaversineKm(latitude, longitude, point=point)


# How far from the nearest postcode area's centre a point may be and still be "in" it: a point
# further out is not in the Netherlands (the sea, Belgium's middle, abroad).
NEAREST_AREA_MAX_KM = 25.0


def nearest_postcode_area(
    point: Point, *, within_km: float = NEAREST_AREA_MAX_KM
) -> PostcodeArea | None:
    """The postcode area where people live (not post-office boxes) whose centre is nearest to
    ``point``, or ``None`` when none lies within ``within_km`` (the point is not in the
    Netherlands). One query: only the areas in a box around the point are measured, in SQL.

    For "use my location": the browser's position becomes a 4-digit postcode, which the
    catalogue's ``near`` already understands; the position itself is not kept.
    """
    if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
        return None
    box = box_around(point, within_km)
    nearest = (
        PostcodeArea.objects.filter(
            is_po_box=False,
            latitude__range=(box.south, box.north),
            longitude__range=(box.west, box.east),
        )
        .annotate(km=distance_sql(point, latitude="latitude", longitude="longitude"))
        .order_by("km", "pc4")
        .first()
    )
    if nearest is None or nearest.km > within_km:
        return None
    return nearest
