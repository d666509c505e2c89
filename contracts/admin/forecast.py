"""The forecast page of the contract dashboard (issue 6) in the Wagtail admin.

* ``/admin/dashboard/forecast/``: expected learners per municipality and component for a year
  (the next calendar year unless asked), from the intake volumes and the route split, against
  the capacity contracted for that year; a chart and table per lot (shortfall or surplus) and a
  table per municipality and component. Where a group's figure for the year is missing, the page
  says per municipality and group which year's figure is used, or that none was entered (0).
* ``/admin/dashboard/forecast/export/<lots|demand>.<csv|xlsx>``: either table as a download,
  with the same year, split and filters, exact (unrounded) figures.

All state is in the URL: ``year``, the route split ``b1_route``, ``onderwijsroute``,
``z_route`` (whole percentages) and the filters ``municipality``, ``component``, ``provider``.
A bad value is shown beside its field and the default is used meanwhile, so the page always
answers. The figures come from ``contracts.reporting.forecast``; this module reads the query,
rounds for display and renders. Who may look: ``reporting.dashboard_viewer``; a klantmanager's
filter is locked to their municipality (``ReportFilter.from_query``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.text import format_lazy, get_text_list
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView, View
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts import reporting
from contracts.models import CapacityPeriod, Contract, IntakeVolume
from contracts.reporting import DEFAULT_ROUTE_SPLIT, VOLUME_GROUPS, Forecast, ReportFilter, exports
from contracts.reporting.charts import BarChart, bar_chart
from portal import permissions
from portal.accounts.models import User
from portal.permissions import Action
from portal.places.models import Municipality
from providers.choices import Component, EducationLevel
from providers.models import Provider

FIRST_YEAR, LAST_YEAR = 2000, 2100
PAGE_ROWS = 100
"""Rows per table on the page; the downloads hold them all."""
MAX_NAMED_MUNICIPALITIES = 20
"""Each note on missing figures (one per group and year used) names at most this many
municipalities; the demand table says it for every municipality and group."""
SPLIT_FIELDS = ("b1_route", "onderwijsroute", "z_route")
FILTER_FIELDS = ("municipality", "component", "provider")
TABLES = ("lots", "demand")
SPLIT_ERROR_ID = "forecast-route-split-error"


# --- Reading the query --------------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastQuery:
    """What the page shows: the year, the route split and the filter, all valid."""

    year: int
    route_split: tuple[int, int, int]
    report_filter: ReportFilter

    def to_query(self) -> str:
        """As GET parameters (without ``?``) for links that keep it: the downloads."""
        pairs = [("year", self.year), *zip(SPLIT_FIELDS, self.route_split, strict=True)]
        return "&".join(part for part in (urlencode(pairs), self.report_filter.to_query()) if part)


def default_year() -> int:
    """The forecast looks ahead: the next calendar year."""
    return timezone.localdate().year + 1


def _number_input(**attrs: object) -> forms.NumberInput:
    return forms.NumberInput(attrs={"step": 1, "inputmode": "numeric", **attrs})


class ForecastForm(forms.Form):
    """The GET form. Every field is text so that a bad value reaches ``clean`` and is answered
    there with the domain's own message (``route_split_validate``, ``ReportFilter.from_query``)
    on its field; ``forecast_query`` then holds the valid values, with the defaults in place of
    the bad ones."""

    year = forms.CharField(
        label=_("Year"),
        required=False,
        widget=_number_input(min=FIRST_YEAR, max=LAST_YEAR),
    )
    b1_route = forms.CharField(
        label=format_lazy("{} (%)", Component.B1_ROUTE.label),
        required=False,
        widget=_number_input(min=0, max=100),
    )
    onderwijsroute = forms.CharField(
        label=format_lazy("{} (%)", Component.ONDERWIJSROUTE.label),
        required=False,
        widget=_number_input(min=0, max=100),
    )
    z_route = forms.CharField(
        label=format_lazy("{} (%)", Component.Z_ROUTE.label),
        required=False,
        widget=_number_input(min=0, max=100),
    )
    municipality = forms.CharField(label=_("Municipality"), required=False, widget=forms.Select)
    component = forms.CharField(label=_("Component"), required=False, widget=forms.Select)
    provider = forms.CharField(label=_("Provider"), required=False, widget=forms.Select)

    def __init__(
        self,
        query: Mapping[str, str],
        *,
        user: User,
        municipalities: Sequence[tuple[int, str]],
        providers: Sequence[tuple[int, str]],
        locked: bool,
    ) -> None:
        data = {name: (query.get(name) or "").strip() for name in self.base_fields}
        data["year"] = data["year"] or str(default_year())
        if not any(data[name] for name in SPLIT_FIELDS):
            data.update(zip(SPLIT_FIELDS, map(str, DEFAULT_ROUTE_SPLIT), strict=True))
        super().__init__(data)
        self.user = user
        self.split_error = ""
        self.forecast_query: ForecastQuery | None = None
        everyone = [] if locked else [("", gettext("All municipalities"))]
        self.fields["municipality"].widget.choices = everyone + list(municipalities)
        self.fields["component"].widget.choices = [
            ("", gettext("All components")),
            *Component.choices,
        ]
        self.fields["provider"].widget.choices = [("", gettext("All providers")), *providers]

    def clean(self) -> dict:
        cleaned = super().clean()
        year = self._year(cleaned.get("year", ""))
        route_split = self._route_split([cleaned.get(name, "") for name in SPLIT_FIELDS])
        report_filter = ReportFilter.from_query(
            {name: cleaned.get(name, "") for name in FILTER_FIELDS}, user=self.user
        )
        for name, message in report_filter.errors:
            self.add_error(name, message)
        self.forecast_query = ForecastQuery(
            year=year, route_split=route_split, report_filter=report_filter
        )
        return cleaned

    def _year(self, raw: str) -> int:
        if raw.isascii() and raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
            return int(raw)
        message = gettext("Enter a year from %(first)s to %(last)s, e.g. %(example)s.")
        self.add_error(
            "year", message % {"first": FIRST_YEAR, "last": LAST_YEAR, "example": default_year()}
        )
        return default_year()

    def _route_split(self, parts: list[str]) -> tuple[int, int, int]:
        """The split as asked, or the default with the message once for the three fields (they
        are one answer: a fieldset whose inputs all point at the message)."""
        try:
            return reporting.route_split_validate(parts)
        except ValueError as error:
            self.split_error = str(error)
        for name in SPLIT_FIELDS:
            self.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": SPLIT_ERROR_ID}
            )
        return DEFAULT_ROUTE_SPLIT

    def read(self) -> ForecastQuery:
        """The query to show: always one, with defaults where the input was bad."""
        self.full_clean()
        assert self.forecast_query is not None
        return self.forecast_query


def _locked_municipality(user: User) -> int | None:
    """The municipality the user's figures are locked to (the rule is ``ReportFilter``'s)."""
    return ReportFilter.from_query({}, user=user).locked_municipality_id


def _municipality_choices(locked: int | None) -> list[tuple[int, str]]:
    municipalities = Municipality.objects.order_by("name", "pk")
    if locked is not None:
        municipalities = municipalities.filter(pk=locked)
    return list(municipalities.values_list("pk", "name"))


def _provider_choices() -> list[tuple[int, str]]:
    with_contracts = Exists(Contract.objects.filter(provider_id=OuterRef("pk")))
    return list(
        Provider.objects.filter(with_contracts).order_by("name", "pk").values_list("pk", "name")
    )


def _forecast_form(request: HttpRequest) -> tuple[ForecastForm, dict[int, str]]:
    """The bound form and the names of the municipalities it offers."""
    locked = _locked_municipality(request.user)
    municipalities = _municipality_choices(locked)
    form = ForecastForm(
        request.GET,
        user=request.user,
        municipalities=municipalities,
        providers=_provider_choices(),
        locked=locked is not None,
    )
    return form, dict(municipalities)


# --- Rows for the page --------------------------------------------------------------------------


def whole(value: float) -> int:
    """Learners rounded half up to whole people, for display; the downloads keep the fraction."""
    return math.floor(value + 0.5)


def balance_text(balance: int) -> str:
    """The balance in words, so that a shortfall is not told by colour alone."""
    if balance < 0:
        return ngettext(
            "Shortfall of %(count)s place", "Shortfall of %(count)s places", -balance
        ) % {"count": -balance}
    if balance > 0:
        return ngettext("Surplus of %(count)s place", "Surplus of %(count)s places", balance) % {
            "count": balance
        }
    return gettext("Exactly enough places")


def _balance_short(balance: int) -> str:
    if balance < 0:
        return gettext("%(count)s short") % {"count": -balance}
    return gettext("%(count)s left") % {"count": balance}


@dataclass(frozen=True)
class LotRow:
    contract_reference: str
    provider_name: str
    lot_label: str
    component: str
    municipalities: int
    capacity: int
    """The lot's places in the year; with a municipality filter, that municipality's share."""
    expected: int
    balance: int
    """Capacity minus the rounded expected learners, so the page adds up as shown."""
    lot_capacity: int
    """The whole lot's places in the year, whatever the filter."""

    @property
    def shortfall(self) -> bool:
        return self.balance < 0

    @property
    def balance_text(self) -> str:
        return balance_text(self.balance)


def figure_source(used: int | None, *, year: int) -> str:
    """Where a group's figure came from, for display: nothing when from ``year`` itself."""
    if used is None:
        return gettext("no figure entered")
    if used != year:
        return gettext("figure of %(year)s") % {"year": used}
    return ""


@dataclass(frozen=True)
class DemandRow:
    municipality_name: str
    statushouders: int
    statushouders_source: str
    """Empty when the figure is of the year asked, else which year it is of, or that none was
    entered (``figure_source``)."""
    gezinsmigranten: int
    gezinsmigranten_source: str
    component: str
    expected: int
    covering_lots: int

    @property
    def uncovered(self) -> bool:
        return self.covering_lots == 0


def _labels(choices: Sequence[tuple[str, str]]) -> dict[str, str]:
    return {code: str(label) for code, label in choices}


def lot_rows(forecast: Forecast) -> list[LotRow]:
    components = _labels(Component.choices)
    rows = []
    for lot in reporting.frame_rows(forecast.lots):
        expected = whole(lot["expected_learners"])
        capacity = whole(lot["capacity_year"])
        rows.append(
            LotRow(
                contract_reference=lot["contract_reference"],
                provider_name=lot["provider_name"],
                lot_label=lot["lot_label"],
                component=components.get(lot["component"], lot["component"]),
                municipalities=lot["municipalities"],
                capacity=capacity,
                expected=expected,
                balance=capacity - expected,
                lot_capacity=lot["lot_capacity_year"],
            )
        )
    return rows


def demand_rows(forecast: Forecast, limit: int) -> list[DemandRow]:
    components = _labels(Component.choices)
    return [
        DemandRow(
            municipality_name=row["municipality_name"],
            statushouders=row["statushouders"],
            statushouders_source=figure_source(row["statushouders_year"], year=forecast.year),
            gezinsmigranten=row["gezinsmigranten"],
            gezinsmigranten_source=figure_source(row["gezinsmigranten_year"], year=forecast.year),
            component=components.get(row["component"], row["component"]),
            expected=whole(row["expected_learners"]),
            covering_lots=row["covering_lots"],
        )
        for row in reporting.frame_rows(forecast.demand.head(limit))
    ]


def lots_chart(rows: Sequence[LotRow], *, year: int, municipality: str = "") -> BarChart:
    """Capacity against expected learners per lot, the largest shortfall first (the chart
    shows the first ``charts.MAX_ROWS``; the table has every lot); for one ``municipality``,
    its share of the places against the learners expected from it."""
    ordered = sorted(rows, key=lambda row: row.balance)
    if municipality:
        title = gettext(
            "Places for %(municipality)s and learners expected from it per lot in %(year)s, "
            "largest shortfall first"
        )
        series = [
            gettext("Places for %(municipality)s in %(year)s"),
            gettext("Expected learners from %(municipality)s"),
        ]
    else:
        title = gettext(
            "Capacity and expected learners per lot in %(year)s, largest shortfall first"
        )
        series = [gettext("Capacity in %(year)s"), gettext("Expected learners")]
    names = {"year": year, "municipality": municipality}
    return bar_chart(
        id="forecast-lots-chart",
        title=title % names,
        labels=[f"{row.provider_name}: {row.lot_label}" for row in ordered],
        values=[row.capacity for row in ordered],
        second=[row.expected for row in ordered],
        series_names=[name % names for name in series],
        text=lambda index: _balance_short(ordered[index].balance),
        flagged=[row.shortfall for row in ordered],
    )


def group_labels() -> dict[str, str]:
    """The groups of ``reporting.VOLUME_GROUPS`` as the page names them."""
    return {
        "statushouders": gettext("Statushouders"),
        "gezinsmigranten": gettext("Gezinsmigranten"),
    }


def volume_notes(forecast: Forecast, names: Mapping[int, str]) -> list[dict[str, object]]:
    """Per group and year used instead of the asked one (or no figure at all: ``used`` None),
    the municipalities (by name) it applies to: the groups in order, within a group the latest
    year first and "no figure" last. Nothing when no figure was entered at all (the page says
    that on its own)."""
    if not forecast.has_volumes:
        return []
    labels = group_labels()
    by_source: dict[tuple[str, int | None], list[str]] = defaultdict(list)
    for municipality_id, years in forecast.other_volume_years.items():
        for group in VOLUME_GROUPS:
            used = getattr(years, group)
            if used != forecast.year:
                by_source[(group, used)].append(names.get(municipality_id, str(municipality_id)))
    notes = []
    for group, used in sorted(
        by_source,
        key=lambda key: (VOLUME_GROUPS.index(key[0]), key[1] is None, -(key[1] or 0)),
    ):
        municipality_names = sorted(by_source[(group, used)])
        shown = municipality_names[:MAX_NAMED_MUNICIPALITIES]
        more = len(municipality_names) - len(shown)
        if more:
            shown.append(
                ngettext("%(count)s other municipality", "%(count)s other municipalities", more)
                % {"count": more}
            )
        notes.append(
            {
                "group": labels[group],
                "used": used,
                "municipalities": get_text_list(shown, gettext("and")),
            }
        )
    return notes


# --- Downloads ----------------------------------------------------------------------------------


def _lot_export(
    forecast: Forecast, municipality: str = ""
) -> tuple[list[str], Iterator[list[object]]]:
    """The lots table; for one ``municipality`` its part of each lot (as on the page), with
    the whole lot's places and expected learners after it."""
    components = _labels(Component.choices)
    levels = _labels(EducationLevel.choices)
    periods = _labels(CapacityPeriod.choices)
    names = {"year": forecast.year, "municipality": municipality}
    headers = [
        gettext("Contract"),
        gettext("Provider"),
        gettext("Lot"),
        gettext("Component"),
        gettext("Prepares for"),
        gettext("Municipalities covered"),
        gettext("Capacity per period"),
        gettext("Capacity period"),
    ]
    if municipality:
        headers += [
            gettext("Places for %(municipality)s in %(year)s (its share of the lot)") % names,
            gettext("Expected learners from %(municipality)s") % names,
            gettext("Balance for %(municipality)s (places minus expected learners)") % names,
            gettext("Shortfall"),
            gettext("Surplus"),
            gettext("Capacity of the whole lot in %(year)s") % names,
            gettext("Expected learners of the whole lot"),
        ]
    else:
        headers += [
            gettext("Capacity in %(year)s") % names,
            gettext("Expected learners"),
            gettext("Balance (capacity minus expected learners)"),
            gettext("Shortfall"),
            gettext("Surplus"),
        ]
    whole_lot = ("lot_capacity_year", "lot_expected_learners") if municipality else ()
    rows = (
        [
            lot["contract_reference"],
            lot["provider_name"],
            lot["lot_label"],
            components.get(lot["component"], lot["component"]),
            levels.get(lot["education_level"] or "", ""),
            lot["municipalities"],
            lot["capacity_per_period"],
            periods.get(lot["capacity_period"], lot["capacity_period"]),
            lot["capacity_year"],
            lot["expected_learners"],
            lot["balance"],
            lot["shortfall"],
            lot["surplus"],
            *(lot[column] for column in whole_lot),
        ]
        for lot in reporting.frame_rows(forecast.lots)
    )
    return headers, rows


def _demand_export(forecast: Forecast) -> tuple[list[str], Iterator[list[object]]]:
    components = _labels(Component.choices)
    headers = [
        gettext("Municipality"),
        gettext("CBS code"),
        gettext("Statushouders"),
        gettext("Statushouders: year of the figure (empty: none entered)"),
        gettext("Gezinsmigranten"),
        gettext("Gezinsmigranten: year of the figure (empty: none entered)"),
        gettext("Component"),
        gettext("Expected learners"),
        gettext("Contracted lots covering it"),
        gettext("No contracted lot"),
    ]
    rows = (
        [
            row["municipality_name"],
            row["cbs_code"],
            row["statushouders"],
            row["statushouders_year"],
            row["gezinsmigranten"],
            row["gezinsmigranten_year"],
            components.get(row["component"], row["component"]),
            row["expected_learners"],
            row["covering_lots"],
            row["uncovered"],
        ]
        for row in reporting.frame_rows(forecast.demand)
    )
    return headers, rows


# --- Views --------------------------------------------------------------------------------------


class _DashboardViewerRequired:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reporting.dashboard_viewer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ForecastView(_DashboardViewerRequired, WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/dashboard/forecast.html"
    page_title = _("Forecast")
    header_icon = "table"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("contract_dashboard"), "label": _("Dashboard")},
            {"url": "", "label": _("Forecast")},
        ]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        form, names = _forecast_form(self.request)
        query = form.read()
        result = reporting.forecast(query.year, query.route_split, query.report_filter)
        municipality = _municipality_name(query, names)
        lots = lot_rows(result)
        demand = demand_rows(result, PAGE_ROWS)
        export_query = query.to_query()
        context.update(
            {
                "form": form,
                "split_fields": [form[name] for name in SPLIT_FIELDS],
                "filter_fields": [form[name] for name in ("year", *FILTER_FIELDS)],
                "split_error_id": SPLIT_ERROR_ID,
                "forecast": result,
                "year": query.year,
                "route_split": query.route_split,
                "no_municipality": query.report_filter.municipality == 0,
                "volume_notes": volume_notes(result, names),
                "has_volumes": result.has_volumes,
                "lots_chart": lots_chart(lots, year=query.year, municipality=municipality)
                if lots
                else None,
                "municipality_name": municipality,
                "page_rows": PAGE_ROWS,
                "lots": lots[:PAGE_ROWS],
                "lots_more": max(len(lots) - PAGE_ROWS, 0),
                "demand": demand,
                "demand_more": max(len(result.demand) - PAGE_ROWS, 0),
                "downloads": {
                    table: {
                        format: f"{reverse('contract_forecast_export', args=[table, format])}"
                        f"?{export_query}"
                        for format in exports.FORMATS
                    }
                    for table in TABLES
                },
                "municipality_chosen": query.report_filter.municipality is not None,
            }
        )
        if not result.has_volumes:
            context["intake_volumes_url"] = _intake_volumes_url(self.request.user)
        if not lots:
            context["contracts_url"] = _contracts_url(self.request.user)
        return context


def _municipality_name(query: ForecastQuery, names: Mapping[int, str]) -> str:
    """The name of the one municipality the figures are narrowed to, or ""."""
    chosen = query.report_filter.municipality
    return names.get(chosen, "") if chosen else ""


def _intake_volumes_url(user: User) -> str | None:
    """Where the volumes are entered, if the user may go there."""
    viewset = IntakeVolume.snippet_viewset
    if viewset.permission_policy.user_has_any_permission(user, {"add", "change", "view"}):
        return reverse(viewset.get_url_name("list"))
    return None


def _contracts_url(user: User) -> str | None:
    if permissions.can_on_model(user, Action.VIEW, Contract):
        return reverse(Contract.snippet_viewset.get_url_name("list"))
    return None


class ForecastExportView(_DashboardViewerRequired, View):
    def get(self, request: HttpRequest, table: str, format: str) -> HttpResponse:
        form, names = _forecast_form(request)
        query = form.read()
        result = reporting.forecast(query.year, query.route_split, query.report_filter)
        if table == "lots":
            headers, rows = _lot_export(result, _municipality_name(query, names))
            name = gettext("Forecast per lot %(year)s") % {"year": query.year}
        else:
            headers, rows = _demand_export(result)
            name = gettext("Forecast per municipality %(year)s") % {"year": query.year}
        return exports.table_response(format=format, name=name, headers=headers, rows=rows)


@hooks.register("register_admin_urls")
def forecast_admin_urls() -> list:
    return [
        path(
            "dashboard/forecast/",
            require_admin_access(ForecastView.as_view()),
            name="contract_forecast",
        ),
        re_path(
            rf"^dashboard/forecast/export/(?P<table>{'|'.join(TABLES)})"
            rf"\.(?P<format>{'|'.join(exports.FORMATS)})$",
            require_admin_access(ForecastExportView.as_view()),
            name="contract_forecast_export",
        ),
    ]
