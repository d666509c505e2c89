"""The forecast: expected learners per municipality and component for a year, from the intake
volumes and the route split, against the capacity of the lots that cover them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from django.db.models import F
from django.utils.translation import gettext as _

from contracts.models import Contract, ContractStatus, Lot, LotStatus
from contracts.reporting.frames import (
    ReportFilter,
    _frame,
    _int_columns,
    _lots,
    _periods,
    frame_rows,
)
from portal.places.models import Municipality
from providers.choices import Component

DEFAULT_ROUTE_SPLIT = (60, 25, 15)
"""The expected split of statushouders over the routes, in percent, in the order (B1-route,
onderwijsroute, Z-route): 60 % B1, 25 % onderwijsroute, 15 % Z (domain notes, "Volumes")."""

MAP_EXEMPT_ROUTES = frozenset({Component.ONDERWIJSROUTE})
"""Learners in these routes are exempt from the MAP (domain notes, "Route contents": "MAP …
the onderwijsroute is exempt"), so the forecast expects no MAP place for them."""


# --- Forecast -----------------------------------------------------------------------------------


def component_shares(
    route_split: Sequence[float] = DEFAULT_ROUTE_SPLIT,
) -> dict[str, tuple[float, float]]:
    """Per component, the share of statushouders and of gezinsmigranten expected to need it.

    Table 1 of the seed (domain notes) and ``referrals.REFERABLE``: every statushouder follows
    one route (split by ``route_split``: B1-route, onderwijsroute, Z-route, in percent), the
    brugklas, the PVT and the MAP, except that the onderwijsroute is exempt from the MAP
    (``MAP_EXEMPT_ROUTES``); KNM and literacy are part of each route, not places of their own.
    Gezinsmigranten choose and pay their own course: the municipality offers them the PVT and
    the MAP.
    """
    b1, onderwijs, z = (part / 100 for part in route_split)
    routes = {Component.B1_ROUTE: b1, Component.ONDERWIJSROUTE: onderwijs, Component.Z_ROUTE: z}
    map_share = sum(share for route, share in routes.items() if route not in MAP_EXEMPT_ROUTES)
    return {
        Component.B1_ROUTE: (b1, 0.0),
        Component.ONDERWIJSROUTE: (onderwijs, 0.0),
        Component.Z_ROUTE: (z, 0.0),
        Component.BRUGKLAS: (1.0, 0.0),
        Component.PVT: (1.0, 1.0),
        Component.MAP: (map_share, 1.0),
    }


def route_split_validate(route_split: Sequence[object]) -> tuple[int, int, int]:
    """``route_split`` as three whole percentages that add up to 100, or ``ValueError`` with a
    message for the person who typed it."""
    message = _(
        "Give three whole percentages (B1-route, onderwijsroute, Z-route) that add up to 100, "
        "e.g. 60, 25 and 15."
    )
    try:
        parts = tuple(int(str(part).strip()) for part in route_split)
    except ValueError:
        raise ValueError(message) from None
    if len(parts) != 3 or any(part < 0 for part in parts) or sum(parts) != 100:
        raise ValueError(message)
    return parts  # type: ignore[return-value]


VOLUME_GROUPS = ("statushouders", "gezinsmigranten")
"""The groups whose intake volumes the forecast reads, as named in ``IntakeVolume``."""


@dataclass(frozen=True)
class VolumeYears:
    """For one municipality, per group, the year whose figure the forecast used; ``None`` when
    the group has no figure in any year, so it counts as 0 (the rule is ``_volumes``')."""

    statushouders: int | None
    gezinsmigranten: int | None

    def from_another_year(self, year: int) -> bool:
        """Did a group's figure come from another year than ``year``, or is there none?"""
        return any(getattr(self, group) != year for group in VOLUME_GROUPS)

    @property
    def any_figure(self) -> bool:
        """Has at least one group a figure in some year?"""
        return any(getattr(self, group) is not None for group in VOLUME_GROUPS)


@dataclass(frozen=True)
class Forecast:
    """Expected learners for ``year`` against the capacity contracted for it.

    ``demand``: one row per municipality and component, columns ``municipality_id``,
    ``municipality_name``, ``cbs_code``, ``statushouders`` and ``gezinsmigranten`` (the volumes
    used), ``statushouders_year`` and ``gezinsmigranten_year`` (the year each figure came from:
    ``year`` itself, or another year when ``year`` has no figure for that group; missing (NA)
    when the group has no figure in any year, and then its volume is 0), ``component``,
    ``expected_learners`` (``component_shares`` applied to the volumes; not rounded),
    ``covering_lots`` (active lots covering the municipality in that component) and
    ``uncovered`` (no lot does). Every municipality has its rows, also one with no figures at
    all. Which year is used for a group is decided per municipality and group (``_volumes``).

    ``lots``: one row per active lot of an active contract in force in ``year``, columns
    ``contract_id``, ``contract_reference``, ``provider_id``, ``provider_name``, ``lot_id``,
    ``lot_label``, ``component``, ``education_level``, ``municipalities`` (how many it covers),
    ``capacity_per_period``, ``capacity_period``, ``capacity_year`` (the places of the capacity
    periods of ``year`` that fall in the contract's term), ``expected_learners`` (the demand
    attributed to it), ``balance`` (capacity minus expected: positive is a surplus),
    ``shortfall`` and ``surplus`` (the balance's negative and positive parts);
    ``lot_capacity_year`` and ``lot_expected_learners``: the whole lot's, whatever the filter.
    With a municipality filter, ``capacity_year``, ``expected_learners`` and the balance are
    that municipality's part of the lot (``_municipality_part``); without one, the whole lot's.

    ``volume_years``: per municipality shown (id), the ``VolumeYears`` used; kept apart from
    ``demand`` so that it is there also when a component filter leaves no demand rows.

    Attribution: a lot's capacity is compared with the demand of all the municipalities it
    covers, at lot level. Where several lots of a component cover one municipality (two
    providers, or onderwijsroute lots for different levels), that municipality's demand is
    shared among them in proportion to their capacity for the year, so no learner is counted
    twice. The attribution always uses all municipalities and lots; the component and
    provider filters only choose which rows are shown, and the municipality filter also
    narrows each lot's figures to that municipality's part.
    """

    year: int
    route_split: tuple[int, int, int]
    demand: pd.DataFrame
    lots: pd.DataFrame
    volume_years: Mapping[int, VolumeYears]

    @property
    def other_volume_years(self) -> dict[int, VolumeYears]:
        """Municipalities where a group's figure came from another year than the one asked, or
        where a group has no figure at all: id → ``VolumeYears``."""
        return {
            key: years
            for key, years in self.volume_years.items()
            if years.from_another_year(self.year)
        }

    @property
    def has_volumes(self) -> bool:
        """Has any municipality shown a figure for any group in any year?"""
        return any(years.any_figure for years in self.volume_years.values())


FORECAST_DEMAND_COLUMNS = (
    "municipality_id",
    "municipality_name",
    "cbs_code",
    "statushouders",
    "statushouders_year",
    "gezinsmigranten",
    "gezinsmigranten_year",
    "component",
    "expected_learners",
    "covering_lots",
    "uncovered",
)
FORECAST_LOT_COLUMNS = (
    "contract_id",
    "contract_reference",
    "provider_id",
    "provider_name",
    "lot_id",
    "lot_label",
    "component",
    "education_level",
    "municipalities",
    "capacity_per_period",
    "capacity_period",
    "capacity_year",
    "expected_learners",
    "balance",
    "shortfall",
    "surplus",
    "lot_capacity_year",
    "lot_expected_learners",
)


def _volumes(year: int) -> pd.DataFrame:
    """Per municipality, the figure of each group (``VOLUME_GROUPS``) that the forecast for
    ``year`` uses, and the year it came from (``<group>_year``).

    The rule, for each municipality and each group separately:

    1. the group's figure of ``year``, if one was entered;
    2. else the figure of the latest year before ``year`` that has one for that group (the
       most recent count known; a later year is not preferred even when it is nearer);
    3. else, when the group only has figures for years after ``year``, the earliest of those
       (the nearest expectation);
    4. else, when the group has no figure in any year, 0, and ``<group>_year`` is missing (NA),
       so that the page can say so.

    So when statushouders were entered for 2021 and gezinsmigranten only for 2020, the forecast
    for 2021 uses both. Every municipality has a row, also one with no figures at all. One
    query, whatever the number of municipalities and years.
    """
    columns = ["municipality_id", "municipality_name", "cbs_code", "year", *VOLUME_GROUPS]
    rows = Municipality.objects.order_by().values(
        "cbs_code",
        municipality_id=F("pk"),
        municipality_name=F("name"),
        year=F("intake_volumes__year"),
        statushouders=F("intake_volumes__statushouders"),
        gezinsmigranten=F("intake_volumes__gezinsmigranten"),
    )
    entered = pd.DataFrame(list(rows), columns=columns)
    volumes = entered[columns[:3]].drop_duplicates("municipality_id")
    for group in VOLUME_GROUPS:
        figures = entered.loc[entered[group].notna(), ["municipality_id", "year", group]]
        figures = (
            figures.assign(after=figures["year"] > year, distance=(figures["year"] - year).abs())
            .sort_values(["municipality_id", "after", "distance"])
            .drop_duplicates("municipality_id")
        )
        volumes = volumes.merge(
            figures[["municipality_id", group, "year"]].rename(columns={"year": f"{group}_year"}),
            on="municipality_id",
            how="left",
        )
        volumes[f"{group}_year"] = volumes[f"{group}_year"].astype("Int64")
    return _int_columns(volumes, VOLUME_GROUPS)


def _municipality_part(lots: pd.DataFrame, pairs: pd.DataFrame, municipality: int) -> pd.DataFrame:
    """The lots covering ``municipality``, with that municipality's part of their figures: the
    expected learners attributed from it, and its share of the lot's places in proportion to
    its part of the lot's expected learners (equal shares among the municipalities covered
    when the lot expects nobody). Summed over the municipalities a lot covers, the parts give
    the lot's own figures, so a lot's shortfall or surplus is shared the same way."""
    attributed = pairs.loc[pairs["municipality_id"] == municipality].set_index("lot_id")[
        "attributed"
    ]
    lots = lots[lots["lot_id"].isin(attributed.index)]
    expected = lots["lot_id"].map(attributed).astype(float)
    whole = lots["lot_expected_learners"]
    share = (expected / whole.where(whole > 0)).fillna(1 / lots["municipalities"])
    return lots.assign(
        expected_learners=expected,
        capacity_year=(lots["lot_capacity_year"] * share).astype(float),
    )


def forecast(
    year: int,
    route_split: Sequence[int] = DEFAULT_ROUTE_SPLIT,
    report_filter: ReportFilter | None = None,
) -> Forecast:
    """Expected learners per municipality and component for ``year``, from the volumes entered
    per municipality (``IntakeVolume``) and ``route_split`` (B1-route, onderwijsroute, Z-route in
    percent; ``route_split_validate``), against the capacity of the lots contracted for that
    year. See ``Forecast`` for the two tables and how a lot's capacity is attributed.
    """
    report_filter = report_filter or ReportFilter()
    split = route_split_validate(route_split)
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)

    volumes = _volumes(year)
    shares = component_shares(split)
    demand_rows = []
    for volume in volumes.itertuples(index=False):
        for component, (statushouder_share, gezinsmigrant_share) in shares.items():
            demand_rows.append(
                {
                    "municipality_id": volume.municipality_id,
                    "municipality_name": volume.municipality_name,
                    "cbs_code": volume.cbs_code,
                    "statushouders": volume.statushouders,
                    "statushouders_year": volume.statushouders_year,
                    "gezinsmigranten": volume.gezinsmigranten,
                    "gezinsmigranten_year": volume.gezinsmigranten_year,
                    "component": str(component),
                    "expected_learners": volume.statushouders * statushouder_share
                    + volume.gezinsmigranten * gezinsmigrant_share,
                }
            )
    demand = pd.DataFrame(demand_rows, columns=[*FORECAST_DEMAND_COLUMNS[:8], "expected_learners"])
    for group in VOLUME_GROUPS:
        demand[f"{group}_year"] = demand[f"{group}_year"].astype("Int64")

    in_force = {
        "contract__status": ContractStatus.ACTIVE,
        "contract__starts_on__lte": last_day,
        "contract__ends_on__gte": first_day,
    }
    lots = _lots(
        Lot.objects.filter(status=LotStatus.ACTIVE, **in_force),
        "capacity",
        "capacity_period",
        "contract__starts_on",
    ).rename(columns={"capacity": "capacity_per_period"})
    lots["capacity_year"] = [
        capacity * sum(1 for _period in _periods(kind, max(first_day, starts), min(last_day, ends)))
        for capacity, kind, starts, ends in zip(
            lots["capacity_per_period"],
            lots["capacity_period"],
            lots["contract__starts_on"],
            lots["contract_ends_on"],
            strict=True,
        )
    ]
    covered = pd.DataFrame(
        list(
            Contract.municipalities.through.objects.filter(**in_force).values(
                "contract_id", "municipality_id"
            )
        ),
        columns=["contract_id", "municipality_id"],
    )

    pairs = lots[["lot_id", "contract_id", "component", "capacity_year"]].merge(
        covered, on="contract_id"
    )
    pairs["covering_capacity"] = pairs.groupby(["municipality_id", "component"])[
        "capacity_year"
    ].transform("sum")
    pairs = pairs.merge(
        demand[["municipality_id", "component", "expected_learners"]],
        on=["municipality_id", "component"],
        how="left",
    )
    pairs["expected_learners"] = pairs["expected_learners"].fillna(0.0)
    pairs["attributed"] = (
        pairs["expected_learners"]
        * pairs["capacity_year"]
        / pairs["covering_capacity"].where(pairs["covering_capacity"] > 0)
    ).fillna(0.0)

    lots = lots.merge(
        pairs.groupby("lot_id").agg(
            expected_learners=("attributed", "sum"), municipalities=("municipality_id", "nunique")
        ),
        left_on="lot_id",
        right_index=True,
        how="left",
    )
    lots = lots.assign(
        expected_learners=lots["expected_learners"].fillna(0.0).astype(float),
        municipalities=lots["municipalities"].fillna(0).astype(int),
    )
    lots["lot_capacity_year"] = lots["capacity_year"]
    lots["lot_expected_learners"] = lots["expected_learners"]

    coverage = pairs.groupby(["municipality_id", "component"]).size().rename("covering_lots")
    demand = demand.merge(
        coverage, left_on=["municipality_id", "component"], right_index=True, how="left"
    )
    demand["covering_lots"] = demand["covering_lots"].fillna(0).astype(int)
    demand["uncovered"] = demand["covering_lots"] == 0

    municipality = report_filter.municipality
    if municipality is not None:
        demand = demand[demand["municipality_id"] == municipality]
        lots = _municipality_part(lots, pairs, municipality)
    lots["balance"] = lots["capacity_year"] - lots["expected_learners"]
    lots["shortfall"] = (-lots["balance"]).clip(lower=0)
    lots["surplus"] = lots["balance"].clip(lower=0)
    if report_filter.component is not None:
        demand = demand[demand["component"] == report_filter.component]
        lots = lots[lots["component"] == report_filter.component]
    if report_filter.provider_id is not None:
        lots = lots[lots["provider_id"] == report_filter.provider_id]

    component_order = {code: position for position, code in enumerate(Component.values)}
    demand = demand.assign(order=demand["component"].map(component_order)).sort_values(
        ["municipality_name", "municipality_id", "order"]
    )
    lots = lots.sort_values(["contract_reference", "lot_id"])
    if municipality is not None:
        volumes = volumes[volumes["municipality_id"] == municipality]
    volume_years = {
        int(row["municipality_id"]): VolumeYears(
            **{group: row[f"{group}_year"] for group in VOLUME_GROUPS}
        )
        for row in frame_rows(volumes)
    }
    return Forecast(
        year=year,
        route_split=split,
        demand=_frame(demand, FORECAST_DEMAND_COLUMNS),
        lots=_frame(lots, FORECAST_LOT_COLUMNS),
        volume_years=volume_years,
    )
