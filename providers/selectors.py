"""Reads that feed the public catalogue, its API and the compare page (no N+1: annotate in SQL).

The publication rule lives here, once: a provider is public while it is active; an offering is
public while it is published (``live``) and its provider is public. ``offering_published_q`` is
its SQL form (``portal.permissions.public_scope`` filters with it), ``offering_is_published`` its
Python form for an offering already loaded (the rules of buying ask it); both read the same
table of fields, so they cannot disagree.
"""

from __future__ import annotations

import datetime

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
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.permissions import public_scope
from portal.places.geo import Point, distance_sql
from providers import keurmerk
from providers.choices import Schedule
from providers.models import Location, Offering, Provider, StartMoment
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


def offering_public_queryset(*, on: datetime.date | None = None) -> QuerySet[Offering]:
    """Published offerings of active providers with their next open start (``next_start``, its
    id ``next_start_id``) and its free seats, whether the DUO loan is possible ``on`` that day
    and, when the offering takes it but the provider's Keurmerk is not valid,
    ``duo_loan_refused_for_keurmerk``."""
    on = on or timezone.localdate()
    next_open = (
        start_moments_open(on=on).filter(offering=OuterRef("pk")).order_by("starts_on", "pk")
    )
    return (
        public_scope(Offering.objects.all())
        .select_related("provider")
        .prefetch_related(
            Prefetch(
                "locations",
                queryset=Location.objects.select_related("municipality").order_by("city", "name"),
            ),
            "support_languages",
        )
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


def offering_public_get(*, offering_id: int) -> Offering:
    """One published offering, with its upcoming start moments; raises ``Offering.DoesNotExist``."""
    today = timezone.localdate()
    upcoming = (
        StartMoment.objects.filter(starts_on__gte=today)
        .select_related("location__municipality")
        .annotate(free=free_seats_now_expression())
        .order_by("starts_on", "pk")
    )
    return (
        offering_public_queryset()
        .prefetch_related(
            Prefetch("start_moments", queryset=upcoming, to_attr="upcoming_start_moments"),
        )
        .get(pk=offering_id)
    )


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
