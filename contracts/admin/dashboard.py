"""The contract dashboard in the Wagtail admin (``/admin/dashboard/``): charts with their tables
for utilisation, referrals, attendance, outcomes and the self-paid market, filtered by period,
municipality, component and provider in the URL; each table downloadable as CSV or XLSX.

Contract managers see the region; klantmanagers the same figures narrowed to their municipality
(``reporting.ReportFilter.from_query``). The figures come from ``contracts.reporting`` through the
tables of ``contracts.reporting.dashboard_tables``; this module only chooses and draws them.

Beside it, for contract managers only (``/admin/dashboard/duo-loans-at-risk/``, linked from the
Keurmerk risks on the start page and in the Reports menu): the DUO-loan places at schools whose
Keurmerk is not valid today (``portal.enrolments.selectors``).

The downloads of the tables and of all placements, and the page of one's exports made in the
background, are in ``contracts.admin.exports``.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts import reporting
from contracts.models import Contract
from contracts.reporting import ReportFilter, charts
from contracts.reporting.dashboard_tables import (
    MONEY,
    MONTH,
    PAGE_ROWS,
    TABLES,
    CellTexts,
    ReportSet,
    Table,
    default_period,
    revenue_per_provider,
)
from portal import permissions
from portal.enrolments.models import Enrolment
from portal.enrolments.selectors import duo_loan_enrolments_without_valid_keurmerk
from portal.permissions import Action
from portal.places.models import Municipality
from providers import keurmerk
from providers.choices import Component
from providers.models import Provider

if TYPE_CHECKING:
    from portal.accounts.models import User

SECTIONS = (
    (
        "utilisation",
        _("Utilisation"),
        (
            "utilisation-lots",
            "utilisation-contracts",
            "utilisation-components",
            "placements-municipalities",
            "placements-months",
        ),
    ),
    ("referrals", _("Referrals"), ("funnel", "lead-times", "sla-breaches")),
    ("attendance", _("Attendance"), ("attendance-providers", "late-reporters", "attendance")),
    ("outcomes", _("Outcomes"), ("outcomes",)),
    ("market", _("Self-paid market"), ("self-paid", "waiting-lists")),
)


def dashboard_filter(request: HttpRequest, *, today: datetime.date) -> ReportFilter:
    """The filter of the URL, this year when it names no period, locked for a klantmanager."""
    query = request.GET.copy()
    if not query.get("from") and not query.get("until"):
        start, end = default_period(today)
        query["from"], query["until"] = start.isoformat(), end.isoformat()
    return ReportFilter.from_query(query, user=request.user)


def filter_fields(report_filter: ReportFilter) -> list[dict]:
    """The filter's fields for the template: GET name, label, value, choices (with their
    ``<option>`` elements) and the message ``ReportFilter.from_query`` left about the value."""
    municipalities = Municipality.objects.order_by("name")
    if report_filter.locked_municipality_id is not None:
        municipality_choices = [
            (str(pk), name)
            for pk, name in municipalities.filter(
                pk=report_filter.locked_municipality_id
            ).values_list("pk", "name")
        ]
    else:
        municipality_choices = [("", gettext("All municipalities"))] + [
            (str(pk), name) for pk, name in municipalities.values_list("pk", "name")
        ]
    providers = Provider.objects.filter(pk__in=Contract.objects.values("provider_id"))
    provider_choices = [("", gettext("All providers"))] + [
        (str(pk), name) for pk, name in providers.order_by("name").values_list("pk", "name")
    ]
    component_choices = [("", gettext("All components")), *Component.choices]
    errors = report_filter.error_messages

    def field(name, label, value, choices=None) -> dict:
        value = "" if value is None else str(value)
        return {
            "name": name,
            "id": f"filter-{name}",
            "label": label,
            "value": value,
            "choices": choices,
            "options": None if choices is None else select_options(choices, value),
            "error": errors.get(name, ""),
        }

    return [
        field(
            "from", gettext("From"), report_filter.date_from and report_filter.date_from.isoformat()
        ),
        field(
            "until",
            gettext("Until"),
            report_filter.date_until and report_filter.date_until.isoformat(),
        ),
        field(
            "municipality",
            gettext("Municipality"),
            report_filter.municipality,
            municipality_choices,
        ),
        field("component", gettext("Component"), report_filter.component, component_choices),
        field("provider", gettext("Provider"), report_filter.provider_id, provider_choices),
    ]


def select_options(choices: list[tuple[str, str]], selected: str) -> SafeString:
    """The ``<option>`` elements of a filter's choices. Built here: through template tags some
    700 municipalities and providers took about ten milliseconds a page."""
    return mark_safe(  # noqa: S308 (every value and label is escaped)
        "\n".join(
            f'<option value="{conditional_escape(value)}"'
            f"{' selected' if value == selected else ''}>{conditional_escape(label)}</option>"
            for value, label in choices
        )
    )


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "contracts/dashboard/index.html"
    page_title = _("Dashboard")
    header_icon = "table"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reporting.dashboard_viewer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": _("Dashboard")}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        report_filter = dashboard_filter(self.request, today=today)
        report_set = ReportSet(
            report_filter, today=today, refresh=bool(self.request.GET.get("refresh"))
        )
        report_set.compute_all()
        query = report_filter.to_query()
        texts = CellTexts()
        sections = []
        for key, title, names in SECTIONS:
            frames = {name: TABLES[name].frame(report_set) for name in names}
            sections.append(
                {
                    "id": key,
                    "title": title,
                    "charts": section_charts(key, report_set, frames, texts),
                    "tables": [
                        _table_context(TABLES[name], frame, query, texts)
                        for name, frame in frames.items()
                    ],
                }
            )
        context.update(
            {
                "filter_fields": filter_fields(report_filter),
                "report_filter": report_filter,
                "locked": report_filter.locked_municipality_id is not None,
                "sections": sections,
                "query": query,
                "placements_csv": _export_url("placements", "csv", query),
                "placements_xlsx": _export_url("placements", "xlsx", query),
                "exports_url": reverse("contract_exports"),
                "too_few": reporting.MIN_GROUP,
                "computed_at": report_set.computed_at,
                "refresh_url": f"?{query}&refresh=1" if query else "?refresh=1",
            }
        )
        return context


def _export_url(name: str, file_format: str, query: str) -> str:
    url = reverse("contract_dashboard_export", args=[name, file_format])
    return f"{url}?{query}" if query else url


def _table_context(table: Table, frame: pd.DataFrame, query: str, texts: CellTexts) -> dict:
    rows = table.page_rows(frame, texts=texts)
    return {
        "id": table.name,
        "title": table.title,
        "headers": table.headers(),
        "rows": rows,
        "body": table_body(rows),
        "total": len(frame),
        "more": max(len(frame) - PAGE_ROWS, 0),
        "csv": _export_url(table.name, "csv", query),
        "xlsx": _export_url(table.name, "xlsx", query),
    }


def table_body(rows: list[list[str]]) -> SafeString:
    """The rows as ``<tr>`` elements, the first cell of each a row header. Built here: through
    template tags the page's some 4,000 cells took a fifth of its time."""
    return mark_safe(  # noqa: S308 (every cell is escaped)
        "\n".join(
            '<tr><th scope="row">'
            + conditional_escape(row[0])
            + "</th>"
            + "".join(["<td>" + conditional_escape(cell) + "</td>" for cell in row[1:]])
            + "</tr>"
            for row in rows
        )
    )


def lot_period_label(
    lot_label: str, provider_name: str, start: datetime.date, end: datetime.date
) -> str:
    """A lot-period as a chart names it: the lot first (a provider has several lots), then,
    when its capacity counts per quarter or half year, the months (such a lot has a row per
    period), then the provider: "Perceel 6: brugklas (apr-jun) · Taalhuis"."""
    whole_year = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    months = "" if whole_year else f" ({date_format(start, 'b')}\N{EN DASH}{date_format(end, 'b')})"
    return f"{lot_label}{months} · {provider_name}"


def _largest_first(
    frame: pd.DataFrame, most: list[str], count: int, *, ties: tuple[str, ...] = ("provider_name",)
) -> pd.DataFrame:
    """The ``count`` rows with the most of the ``most`` columns (missing values last), ties in
    the order of ``ties``: what a chart shows at a glance, while the table beside it keeps its
    own order."""
    return frame.sort_values(
        [*most, *ties],
        ascending=[False] * len(most) + [True] * len(ties),
        na_position="last",
        kind="stable",
    ).head(count)


def _without_total(frame):
    return frame[frame["provider_id"].notna()] if "provider_id" in frame else frame


def section_charts(
    key: str, report_set: ReportSet, frames: dict[str, pd.DataFrame], texts: CellTexts
) -> list[charts.BarChart]:
    """The charts of a section, drawn from the same frames as its tables. A chart draws at most
    ``charts.MAX_ROWS`` rows, so only those are taken from a frame, with the frame's length."""
    shown = charts.MAX_ROWS
    if key == "utilisation":
        lots = frames["utilisation-lots"]
        first_lots = _largest_first(
            lots,
            ["share", "lot_placements"],
            shown,
            ties=("contract_reference", "lot_id", "period_start"),
        )
        per_month = frames["placements-months"]
        first_months = per_month.head(shown)
        return [
            charts.bar_chart(
                id="chart-utilisation",
                title=gettext("Fullest lots: placements against capacity"),
                labels=[
                    lot_period_label(r.lot_label, r.provider_name, r.period_start, r.period_end)
                    for r in first_lots.itertuples()
                ],
                values=list(first_lots["capacity"]),
                second=list(first_lots["lot_placements"]),
                series_names=[gettext("Capacity"), gettext("Placements")],
                flagged=list(first_lots["above_threshold"]),
                total=len(lots),
            ),
            charts.bar_chart(
                id="chart-months",
                title=gettext("Placements per month (referrals sent)"),
                labels=[texts(month, MONTH) for month in first_months["month"]],
                values=list(first_months["placements"]),
                total=len(per_month),
            ),
        ]
    if key == "referrals":
        funnel = frames["funnel"]
        total = funnel[funnel["provider_id"].isna()]
        steps = ["sent", "accepted", "started", "completed", "stopped"]
        names = [str(TABLES["funnel"].label_of(step)) for step in steps]
        values = [int(total.iloc[0][step]) if len(total) else 0 for step in steps]
        breaches = _without_total(frames["sla-breaches"])
        first_breaches = _largest_first(breaches, ["breaches"], shown)
        return [
            charts.bar_chart(
                id="chart-funnel",
                title=gettext("Referral funnel"),
                labels=names if any(values) else [],
                values=values,
            ),
            charts.bar_chart(
                id="chart-sla",
                title=gettext("SLA breaches per provider, most first"),
                labels=list(first_breaches["provider_name"]),
                values=list(first_breaches["breaches"]),
                flagged=[value > 0 for value in first_breaches["breaches"]],
                total=len(breaches),
            ),
        ]
    if key == "attendance":
        per_provider = frames["attendance-providers"]
        first_providers = _largest_first(per_provider, ["absence_hours"], shown)
        return [
            charts.bar_chart(
                id="chart-attendance",
                title=gettext("Hours offered and attended per provider, most absence first"),
                labels=list(first_providers["provider_name"]),
                values=[float(v) for v in first_providers["hours_offered"]],
                second=[float(v) for v in first_providers["hours_attended"]],
                series_names=[gettext("Hours offered"), gettext("Hours attended")],
                total=len(per_provider),
            )
        ]
    if key == "market":
        revenue = revenue_per_provider(report_set["self_paid_market"])
        first_revenue = _largest_first(revenue, ["revenue_cents"], shown)
        cents = [int(value) for value in first_revenue["revenue_cents"]]
        return [
            charts.bar_chart(
                id="chart-revenue",
                title=gettext("Self-paid revenue per provider, highest first"),
                labels=list(first_revenue["provider_name"]),
                values=[value / 100 for value in cents],
                text=lambda index: texts(cents[index], MONEY),  # as the table writes it
                total=len(revenue),
            )
        ]
    return []


def duo_loans_at_risk_viewer(user: User) -> bool:
    """Who sees the DUO-loan places at schools without a valid Keurmerk: those who see the
    Keurmerk risks of lots on the start page (contract managers, superusers), not providers or
    klantmanagers."""
    return permissions.can_on_model(user, Action.VIEW, Contract) and permissions.can_on_model(
        user, Action.VIEW, Enrolment
    )


class DuoLoansAtRiskView(WagtailAdminTemplateMixin, TemplateView):
    """The live DUO-loan places whose school's Keurmerk is not valid today, by school and start
    date, with the school's mark as it stands."""

    template_name = "contracts/dashboard/duo_loans_at_risk.html"
    page_title = _("DUO loans at schools without a valid quality mark")
    header_icon = "warning"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not duo_loans_at_risk_viewer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        enrolments = permissions.scope(
            self.request.user, Action.VIEW, duo_loan_enrolments_without_valid_keurmerk(on=today)
        )
        rows = []
        for enrolment in enrolments:
            provider = enrolment.start_moment.offering.provider
            mark = keurmerk.state(
                status=provider.keurmerk_status,
                valid_until=provider.keurmerk_valid_until,
                on=today,
            )
            rows.append({"enrolment": enrolment, "provider": provider, "mark": mark.label})
        context["rows"] = rows
        return context


class DuoLoansAtRiskMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return duo_loans_at_risk_viewer(request.user)


@hooks.register("register_reports_menu_item")
def duo_loans_at_risk_menu_item() -> MenuItem:
    return DuoLoansAtRiskMenuItem(
        _("DUO loans at risk"),
        reverse("duo_loans_at_risk"),
        name="duo-loans-at-risk",
        icon_name="warning",
        order=600,
    )


class DashboardMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return reporting.dashboard_viewer(request.user)


@hooks.register("register_admin_menu_item")
def dashboard_menu_item():
    return DashboardMenuItem(
        _("Dashboard"), reverse("contract_dashboard"), icon_name="table", order=240
    )


@hooks.register("register_admin_urls")
def dashboard_urls():
    return [
        path(
            "dashboard/", require_admin_access(DashboardView.as_view()), name="contract_dashboard"
        ),
        path(
            "dashboard/duo-loans-at-risk/",
            require_admin_access(DuoLoansAtRiskView.as_view()),
            name="duo_loans_at_risk",
        ),
    ]
