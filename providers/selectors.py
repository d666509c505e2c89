"""Reads that feed the public catalogue, its API and the compare page (no N+1: annotate in SQL).

The publication rule lives here, once: a provider is public while it is active; an offering is
public while it is published (``live``) and its provider is public. ``offering_published_q`` is
its SQL form (``portal.permissions.public_scope`` filters with it), ``offering_is_published`` its
Python form for an offering already loaded (the rules of buying ask it); both read the same
table of fields, so they cannot disagree.
"""

from __future__ import annotations

import datetime
import functools

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from portal.permissions import public_scope
from portal.places import geo
from portal.places.geo import Point, distance_sql
from providers import keurmerk
from providers.choices import Schedule
from providers.models import Location, Offering, Provider, StartMoment
from providers.offerings import SOURCE_LANGUAGE
from providers.seats import free_seats_expression, free_seats_now_expression, has_free_seats_q

# The publication rule: each field (a path from the model) and the value a public row has.
_PROVIDER_PUBLIC: dict[str, bool] = {"is_active": True}
_OFFERING_PUBLISHED: dict[str, bool] = {
    "live": True,
    **{f"provider__{path}": value for path, value in _PROVIDER_PUBLIC.items()},
}


def provider_public_q(prefix: str = "") -> Q:
    """Providers everybody may see: active ones. ``prefix`` reaches the provider from another
    model (``"offering__provider__"``)."""
    return Q(**{f"{prefix}{path}": value for path, value in _PROVIDER_PUBLIC.items()})


def offering_published_q(prefix: str = "") -> Q:
    """Offerings everybody may see: published (``live``), of an active provider. ``prefix``
    reaches the offering from another model (``"offering__"`` from a start moment)."""
    return Q(**{f"{prefix}{path}": value for path, value in _OFFERING_PUBLISHED.items()})


def offering_is_published(offering: Offering) -> bool:
    """The same rule as ``offering_published_q`` for an offering in hand (no query when its
    provider is loaded)."""
    return all(_field(offering, path) == value for path, value in _OFFERING_PUBLISHED.items())


def _field(obj: object, path: str) -> object:
    for name in path.split("__"):
        obj = getattr(obj, name)
    return obj


def start_moments_open(*, on: datetime.date | None = None) -> QuerySet[StartMoment]:
    """Start moments a learner can still enrol on: not started, last day to enrol not passed,
    seats free."""
    on = on or timezone.localdate()
    return StartMoment.objects.filter(has_free_seats_q(), enrolment_open_q(on), starts_on__gte=on)


def enrolment_open_q(on: datetime.date) -> Q:
    """``StartMoment.last_enrolment_day`` is ``on`` or later: the deadline, else the day before
    the start."""
    return Q(enrolment_deadline__gte=on) | Q(enrolment_deadline__isnull=True, starts_on__gt=on)


def duo_loan_available_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    """An offering can be paid with a DUO loan only while its provider's Keurmerk is valid."""
    return Q(**{f"{prefix}duo_loan_eligible": True}) & keurmerk.valid_q(
        prefix=f"{prefix}provider__", on=on
    )


def duo_loan_refused_for_keurmerk_q(prefix: str = "", on: datetime.date | None = None) -> Q:
    """The provider takes the DUO loan for the offering, but DUO will not pay: the provider's
    Keurmerk is not valid ``on`` that day (the course page says why the loan is not possible)."""
    return Q(**{f"{prefix}duo_loan_eligible": True}) & ~keurmerk.valid_q(
        prefix=f"{prefix}provider__", on=on
    )


def offering_locations_prefetch() -> Prefetch:
    """An offering's locations as the catalogue shows them (cards, map): by place and name, with
    their municipality."""
    return Prefetch(
        "locations",
        queryset=Location.objects.select_related("municipality").order_by("city", "name"),
    )


def offerings_locations_load(offerings: list[Offering]) -> None:
    """Read the locations of the offerings that have not got them yet, in one query."""
    missing = [
        offering
        for offering in offerings
        if "locations" not in getattr(offering, "_prefetched_objects_cache", {})
    ]
    if missing:
        prefetch_related_objects(missing, offering_locations_prefetch())


def offerings_translations_load(offerings: list[Offering]) -> None:
    """Read the translations of the offerings that have not got them yet, in one query (for
    ``providers.offerings.offering_text``); none in Dutch, which needs none."""
    if (get_language() or SOURCE_LANGUAGE).split("-")[0] == SOURCE_LANGUAGE:
        return
    missing = [
        offering
        for offering in offerings
        if "translations" not in getattr(offering, "_prefetched_objects_cache", {})
    ]
    if missing:
        prefetch_related_objects(missing, "translations")


def offering_public_queryset(*, on: datetime.date | None = None) -> QuerySet[Offering]:
    """Published offerings of active providers with their next open start (``next_start``, its
    id ``next_start_id``) and its free seats, whether the DUO loan is possible ``on`` that day
    and, when the offering takes it but the provider's Keurmerk is not valid,
    ``duo_loan_refused_for_keurmerk``."""
    # Building these annotations costs a catalogue request about 2 ms of Python; the built
    # queryset depends only on the day, and is never evaluated itself: each caller gets a copy.
    return _offering_public_queryset(on or timezone.localdate()).all()


@functools.lru_cache(maxsize=4)
def _offering_public_queryset(on: datetime.date) -> QuerySet[Offering]:
    next_open = (
        start_moments_open(on=on).filter(offering=OuterRef("pk")).order_by("starts_on", "pk")
    )
    return (
        public_scope(Offering.objects.all())
        .select_related("provider")
        .prefetch_related(offering_locations_prefetch(), "support_languages")
        .annotate(
            next_start=Subquery(next_open.values("starts_on")[:1]),
            next_start_id=Subquery(next_open.values("pk")[:1]),
            next_start_free_seats=Subquery(
                next_open.annotate(free=free_seats_expression()).values("free")[:1],
                output_field=IntegerField(),
            ),
            duo_loan_available=ExpressionWrapper(
                duo_loan_available_q(on=on), output_field=BooleanField()
            ),
            keurmerk_valid=ExpressionWrapper(
                keurmerk.valid_q(prefix="provider__", on=on), output_field=BooleanField()
            ),
            duo_loan_refused_for_keurmerk=ExpressionWrapper(
                duo_loan_refused_for_keurmerk_q(on=on), output_field=BooleanField()
            ),
            is_online_only=ExpressionWrapper(offering_online_only_q(), output_field=BooleanField()),
        )
    )


def offering_online_only_q() -> Q:
    """Taught online only: its schedule is online, or it names no place at all (no listed
    location and no start moment at a location). It has no distance to anybody."""
    listed = Offering.locations.through.objects.filter(offering_id=OuterRef("pk"))
    located = StartMoment.objects.filter(offering_id=OuterRef("pk"), location__isnull=False)
    return Q(schedule=Schedule.ONLINE) | (~Q(Exists(listed)) & ~Q(Exists(located)))


def offering_distance_annotate(
    queryset: QuerySet[Offering], *, point: Point | None, on: datetime.date | None = None
) -> QuerySet[Offering]:
    """``distance_km``: the straight-line distance from ``point`` to the offering's nearest
    location, in SQL (three correlated subqueries, no query per row); NULL without a ``point``,
    for an online course, and where no location has coordinates.

    The nearest location is sought first among the start moments still open for enrolment
    (where the learner can actually start); an offering with none of those falls back to its
    listed locations, then to the locations of any of its start moments (so a full course is
    still "3 km away", not "online").
    """
    if point is None:
        return queryset.annotate(distance_km=Value(None, output_field=FloatField()))

    def nearest(rows: QuerySet, path: str) -> Subquery:
        measured = rows.filter(
            **{f"{path}latitude__isnull": False, f"{path}longitude__isnull": False}
        ).annotate(km=distance_sql(point, latitude=f"{path}latitude", longitude=f"{path}longitude"))
        return Subquery(measured.order_by("km").values("km")[:1], output_field=FloatField())

    open_moments = start_moments_open(on=on).filter(offering_id=OuterRef("pk"))
    listed = Location.objects.filter(offerings=OuterRef("pk"))
    any_moment = StartMoment.objects.filter(offering_id=OuterRef("pk"))
    return queryset.annotate(
        distance_km=Case(
            When(schedule=Schedule.ONLINE, then=Value(None, output_field=FloatField())),
            default=Coalesce(
                nearest(open_moments, "location__"),
                nearest(listed, ""),
                nearest(any_moment, "location__"),
                output_field=FloatField(),
            ),
            output_field=FloatField(),
        )
    )


NEAREST_RADII_KM = (10, 25, 50, 100)
"""The radii (km) within which a page of the list sorted nearest first is sought, smallest first
(``offerings_nearest_slice``); beyond the largest, every offering is measured."""


def _locations_in_box(point: Point, km: float) -> QuerySet[Location]:
    box = geo.box_around(point, km)
    return Location.objects.filter(
        latitude__gte=box.south,
        latitude__lte=box.north,
        longitude__gte=box.west,
        longitude__lte=box.east,
    ).values("pk")


def _offerings_at(locations: QuerySet[Location]) -> tuple[QuerySet, QuerySet]:
    """The ids of the offerings that list one of ``locations``, and of those with a start
    moment at one (from the index ``startmoment_location_offering``)."""
    listed = Offering.locations.through.objects.filter(location_id__in=locations)
    located = StartMoment.objects.filter(location_id__in=locations)
    return (
        listed.order_by().values_list("offering_id", flat=True),
        located.order_by().values_list("offering_id", flat=True),
    )


def offering_near_box_q(point: Point, km: float) -> Q:
    """Offerings with a location (listed, or of one of their start moments) in the box around
    ``point`` that holds every place within ``km`` (``geo.box_around``): every offering whose
    distance is at most ``km``, and some a little further. Found through indexes, without
    measuring any distance."""
    listed, located = _offerings_at(_locations_in_box(point, km))
    return Q(pk__in=listed) | Q(pk__in=located)


def offerings_nearest_slice(
    queryset: QuerySet[Offering], *, point: Point, bottom: int, top: int
) -> list[Offering] | None:
    """Rows ``bottom`` to ``top`` of ``queryset`` (annotated by ``offering_distance_annotate``
    and ordered nearest first): the same rows as ``queryset[bottom:top]``, found by measuring
    only the offerings near ``point`` instead of every offering in the country.

    Let S be the offerings in the box around ``point`` for some radius, in the list's order.
    Every offering within the radius is in S (``offering_near_box_q``). When S's row ``top - 1``
    is within the radius, so are the rows before it, and every offering outside S is further
    away or has no distance (online) and sorts after them: S's first ``top`` rows are the list's.
    The radii of ``NEAREST_RADII_KM`` are tried smallest first (a box with fewer than ``top``
    offerings at all is skipped after one cheap query). ``None`` when even the largest does not
    do (the last pages, with the online courses): the caller slices ``queryset``.
    """
    if top <= bottom:
        return []
    for km in NEAREST_RADII_KM:
        listed, located = _offerings_at(_locations_in_box(point, km))
        in_box = set(listed.union(located))
        if len(in_box) < top:
            continue
        # The ids themselves, not a subquery: PostgreSQL then reads these rows by primary key
        # instead of testing every offering against the box.
        rows = list(queryset.filter(pk__in=sorted(in_box))[bottom:top])
        last = rows[-1].distance_km if len(rows) == top - bottom else None
        if last is not None and last <= km:
            return rows
    return None


def offering_public_get(*, offering_id: int) -> Offering:
    """One published offering, with its upcoming start moments; raises ``Offering.DoesNotExist``."""
    today = timezone.localdate()
    upcoming = (
        StartMoment.objects.filter(starts_on__gte=today)
        .select_related("location__municipality")
        .annotate(free=free_seats_now_expression())
        .order_by("starts_on", "pk")
    )
    offering = (
        offering_public_queryset()
        .prefetch_related(
            Prefetch("start_moments", queryset=upcoming, to_attr="upcoming_start_moments"),
        )
        .get(pk=offering_id)
    )
    offerings_translations_load([offering])
    return offering


def provider_public_get(*, slug: str) -> Provider:
    return (
        public_scope(Provider.objects.all())
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=Location.objects.select_related("municipality").order_by("city", "name"),
            )
        )
        .get(slug=slug)
    )


def provider_public_queryset() -> QuerySet[Provider]:
    return public_scope(Provider.objects.all()).order_by("name")


def start_moment_public_queryset() -> QuerySet[StartMoment]:
    today = timezone.localdate()
    return (
        public_scope(StartMoment.objects.all())
        .filter(starts_on__gte=today)
        .select_related("location__municipality")
        .annotate(free=free_seats_now_expression())
        .order_by("starts_on", "pk")
    )
