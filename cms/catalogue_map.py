"""The catalogue's map: the places of the courses on the current result page, as data for
``portal/static/js/catalogue-map.js`` (rendered by ``json_script``; no script in the page).

The map is an enhancement: every place on it is also on a card in the list, and each marker links
to its cards. The data comes from the page's own results, so an anonymous visitor gets the same
map for the same address (the page cache stores the page whole).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.utils.translation import gettext as _

from providers.choices import Schedule
from providers.selectors import offerings_locations_load

if TYPE_CHECKING:
    from django_filters import FilterSet

    from providers.models import Offering


class MapCourse(TypedDict):
    title: str
    href: str


class MapLocation(TypedDict):
    name: str
    city: str
    courses: list[MapCourse]


class MapPlace(TypedDict):
    """One marker: a point and the locations there (often one; two locations that got the same
    postcode area's centre share a point, and one marker on top of another could not be
    reached)."""

    lat: float
    lon: float
    locations: list[MapLocation]


class MapNear(TypedDict):
    lat: float
    lon: float
    label: str


class CatalogueMap(TypedDict):
    places: list[MapPlace]
    near: MapNear | None
    tiles: str
    attribution: str


def catalogue_map_data(
    *, offerings: Iterable[Offering], filterset: FilterSet | None = None
) -> CatalogueMap | None:
    """One place (marker) per point where the offerings shown are taught, in the order of the
    list; each names its locations and the courses of this page taught there, linking to their
    cards (``#offering-<pk>``); and the point searched near, when ``near`` was given. ``None``
    when no course on the page has a place: then there is no map.

    Online-only courses have no place. Reads the offerings' locations in one query, unless they
    are loaded already (the cards rendered afresh use them too).
    """
    offerings = list(offerings)
    offerings_locations_load([offering for offering in offerings if not _online_only(offering)])
    places: dict[tuple[float, float], MapPlace] = {}
    locations: dict[int, MapLocation] = {}
    for offering in offerings:
        if _online_only(offering):
            continue
        for location in offering.locations.all():
            if location.latitude is None or location.longitude is None:
                continue
            if location.pk not in locations:
                point = (round(float(location.latitude), 5), round(float(location.longitude), 5))
                place = places.setdefault(point, MapPlace(lat=point[0], lon=point[1], locations=[]))
                locations[location.pk] = MapLocation(
                    name=location.name, city=location.city, courses=[]
                )
                place["locations"].append(locations[location.pk])
            locations[location.pk]["courses"].append(
                MapCourse(title=offering.title, href=f"#offering-{offering.pk}")
            )
    return catalogue_map_from_places(list(places.values()), filterset=filterset)


def catalogue_map_from_places(
    places: list[MapPlace] | None, *, filterset: FilterSet | None = None
) -> CatalogueMap | None:
    """The map of ``places`` (``catalogue_map_data``'s, kept with the search result: they are
    the same in every language); ``None`` without any."""
    if not places:
        return None
    return CatalogueMap(
        places=places,
        near=_near(filterset),
        tiles=settings.MAP_TILE_URL,
        attribution=settings.MAP_TILE_ATTRIBUTION,
    )


def _online_only(offering: Offering) -> bool:
    return getattr(offering, "is_online_only", False) or offering.schedule == Schedule.ONLINE


def _near(filterset: FilterSet | None) -> MapNear | None:
    """The point the visitor searched near (the FilterSet's cleaned ``near``), labelled with
    what they typed."""
    if filterset is None or not filterset.is_valid():
        return None
    point = filterset.form.cleaned_data.get("near")
    if point is None:
        return None
    typed = " ".join(str(filterset.data.get("near", "")).split())[:60]
    return MapNear(
        lat=round(point.latitude, 6),
        lon=round(point.longitude, 6),
        label=_("You searched near %(place)s") % {"place": typed},
    )
