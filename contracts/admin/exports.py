"""The dashboard's downloads in the Wagtail admin: small ones at once, large ones made in the
background, and the page of one's own exports.

* ``/admin/dashboard/export/<name>.<format>`` (``ExportView``): GET gives the file at once when
  it is small (``large_exports.export_in_background`` says which are not); for a large one it
  shows how many rows it has and a button that asks for it by POST (with CSRF), offering CSV
  where XLSX cannot hold the rows. The POST enqueues the task and goes to the exports page.
* ``/admin/dashboard/exports/`` (``ExportListView``): the exports the signed-in person asked
  for, newest first, paginated, each with its state, how far it got, its download link when
  ready and the reason when it failed. Without JavaScript a link reloads the page; with it,
  ``contracts/exports.js`` reloads the list every few seconds while one is being made.
* ``/admin/dashboard/exports/<id>/download/`` (``export_download_view``): the file, streamed from
  the private storage, to the person who asked for it; anybody else gets 404, as if it did not
  exist (other contract managers and superusers too: see ``large_exports``).

Who may use them: whoever may see the dashboard (``reporting.dashboard_viewer``); the rules are
in ``contracts.reporting.large_exports``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    QueryDict,
)
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts import reporting
from contracts.admin.dashboard import dashboard_filter
from contracts.models import ExportFormat
from contracts.reporting import ReportFilter, exports, large_exports
from portal.core import inputs  # noqa: F401  (registers the <id:…> converter)
from portal.places.models import Municipality
from providers.choices import Component
from providers.models import Provider

PAGE_SIZE = 20
# While an export is being made, the list is fetched again this often (JavaScript).
REFRESH_SECONDS = 3


class _DashboardViewersOnly:
    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reporting.dashboard_viewer(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def export_url(name: str, file_format: str, query: str = "") -> str:
    """The address of a download, with the dashboard's filter as its query."""
    url = reverse("contract_dashboard_export", args=[name, file_format])
    return f"{url}?{query}" if query else url


class ExportView(WagtailAdminTemplateMixin, TemplateView):
    """GET: a small download at once, else the offer to make it in the background; POST: ask
    for it in the background and go to the exports page."""

    template_name = "contracts/dashboard/export_large.html"
    page_title = _("Make the download in the background")
    header_icon = "download"
    http_method_names = ["get", "head", "post"]

    def setup(self, request: HttpRequest, *args, **kwargs) -> None:
        super().setup(request, *args, **kwargs)
        self.name = kwargs["name"]
        self.file_format = kwargs["file_format"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not reporting.dashboard_viewer(request.user):
            raise PermissionDenied
        if self.file_format not in exports.FORMATS or self.name not in large_exports.export_names():
            raise Http404
        self.today = timezone.localdate()
        self.report_filter = dashboard_filter(request, today=self.today)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("contract_dashboard"), "label": gettext("Dashboard")},
            {"url": "", "label": self.page_title},
        ]

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        source = large_exports.export_source(self.name, self.report_filter, today=self.today)
        if not large_exports.export_in_background(file_format=self.file_format, rows=source.count):
            return exports.table_response(
                format=self.file_format,
                name=source.title,
                headers=source.headers,
                rows=source.rows,
            )
        return self.render_to_response(self.get_context_data(rows=source.count))

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            export, created = large_exports.report_export_request(
                user=request.user,
                name=self.name,
                file_format=self.file_format,
                report_filter=self.report_filter,
                today=self.today,
            )
        except large_exports.ExportRefused as refused:
            context = self.get_context_data(rows=None, refused=refused.message)
            return self.render_to_response(context, status=400)
        # Stored as text now: messages are rendered after the view, in another language maybe.
        if created:
            messages.success(
                request,
                gettext("The file is being made. You can download it here when it is ready."),
            )
        else:
            messages.info(request, gettext("This file is already being made."))
        return HttpResponseRedirect(f"{reverse('contract_exports')}#export-{export.pk}")

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        rows = kwargs.get("rows")
        query = self.report_filter.to_query()
        offered = large_exports.formats_offered(rows) if rows is not None else [self.file_format]
        if self.file_format in offered:  # the format asked for first
            offered = [self.file_format, *(f for f in offered if f != self.file_format)]
        context.update(
            {
                "title": large_exports.export_title(self.name),
                "rows": rows,
                "asked_format": ExportFormat(self.file_format).label,
                "xlsx_possible": rows is None or large_exports.xlsx_possible(rows),
                "xlsx_max_rows": exports.XLSX_MAX_ROWS - 1,
                "formats": [
                    {
                        "label": ExportFormat(file_format).label,
                        "url": export_url(self.name, file_format, query),
                    }
                    for file_format in offered
                ],
                "filter_errors": self.report_filter.errors,
                "filter_labels": _filter_labels(),
                "refused": kwargs.get("refused"),
                "dashboard_url": f"{reverse('contract_dashboard')}?{query}",
                "keep_days": large_exports.KEEP.days,
            }
        )
        return context


def _filter_labels() -> dict[str, str]:
    return {
        "from": gettext("From"),
        "until": gettext("Until"),
        "municipality": gettext("Municipality"),
        "component": gettext("Component"),
        "provider": gettext("Provider"),
    }


class ExportListView(_DashboardViewersOnly, WagtailAdminTemplateMixin, TemplateView):
    """The signed-in person's exports, newest first."""

    template_name = "contracts/dashboard/exports.html"
    page_title = _("Your exports")
    header_icon = "download"

    def get_breadcrumbs_items(self) -> list[dict]:
        return [
            *self.breadcrumbs_items,
            {"url": reverse("contract_dashboard"), "label": gettext("Dashboard")},
            {"url": "", "label": self.page_title},
        ]

    def get_template_names(self) -> list[str]:
        if self.request.GET.get("list"):  # the script fetches the list alone
            return ["contracts/dashboard/_exports_list.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        paginator = WagtailPaginator(large_exports.exports_of(self.request.user), PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        items = list(page.object_list)
        selections = _selections([export.query for export in items])
        context.update(
            {
                "page_obj": page,
                "elided_page_range": paginator.get_elided_page_range(page.number),
                "exports": [
                    {
                        "export": export,
                        "selection": selections[export.query],
                        "kept_until": export.created_at + large_exports.KEEP,
                        "download_url": reverse("contract_export_download", args=[export.pk]),
                    }
                    for export in items
                ],
                "unfinished": any(export.unfinished for export in items),
                "keep_days": large_exports.KEEP.days,
                "refresh_seconds": REFRESH_SECONDS,
                "check_again_url": reverse("contract_exports")
                + (f"?p={page.number}" if page.number > 1 else ""),
            }
        )
        return context


def _selections(queries: list[str]) -> dict[str, str]:
    """Each stored filter in words ("01-01-2026-31-12-2026 · Haarlem · B1-route"), with
    the names of all municipalities and providers read in two queries for the whole page."""
    parsed = {query: ReportFilter.from_query(QueryDict(query)) for query in set(queries)}
    municipality_ids = {f.municipality_id for f in parsed.values() if f.municipality_id}
    provider_ids = {f.provider_id for f in parsed.values() if f.provider_id}
    municipalities = dict(
        Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "name")
        if municipality_ids
        else []
    )
    providers = dict(
        Provider.objects.filter(pk__in=provider_ids).values_list("pk", "name")
        if provider_ids
        else []
    )
    words = {}
    for query, report_filter in parsed.items():
        parts = []
        if report_filter.date_from or report_filter.date_until:
            parts.append(
                "\N{EN DASH}".join(
                    date_format(day, "SHORT_DATE_FORMAT") if day else "…"
                    for day in (report_filter.date_from, report_filter.date_until)
                )
            )
        if report_filter.municipality_id:
            parts.append(municipalities.get(report_filter.municipality_id, gettext("(removed)")))
        if report_filter.component:
            parts.append(str(Component(report_filter.component).label))
        if report_filter.provider_id:
            parts.append(providers.get(report_filter.provider_id, gettext("(removed)")))
        words[query] = " · ".join(parts) or gettext("Everything")
    return words


def export_download_view(request: HttpRequest, export_id: int) -> HttpResponse:
    """The file of a ready export, to the person who asked for it; 404 for anybody else."""
    export = large_exports.export_for_download(request.user, export_id)
    if export is None:
        raise Http404
    opened = large_exports.export_file_open(export)
    if opened is None:
        raise Http404
    response = FileResponse(
        opened,
        as_attachment=True,
        filename=export.download_name,
        content_type=large_exports.CONTENT_TYPES[ExportFormat(export.file_format)],
    )
    response["Cache-Control"] = "private, no-store"
    return response


class ExportsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return reporting.dashboard_viewer(request.user)


@hooks.register("register_reports_menu_item")
def exports_menu_item() -> MenuItem:
    return ExportsMenuItem(
        _("Your exports"), reverse("contract_exports"), name="exports", icon_name="download"
    )


@hooks.register("register_admin_urls")
def export_urls() -> list:
    return [
        path(
            "dashboard/export/<slug:name>.<slug:file_format>",
            require_admin_access(ExportView.as_view()),
            name="contract_dashboard_export",
        ),
        path(
            "dashboard/exports/",
            require_admin_access(ExportListView.as_view()),
            name="contract_exports",
        ),
        path(
            "dashboard/exports/<id:export_id>/download/",
            require_admin_access(export_download_view),
            name="contract_export_download",
        ),
    ]
