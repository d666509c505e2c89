"""The providers' DUO invoicing aid in the admin (``/admin/duo-invoices/``), with its download.

For provider staff only (``permissions.works_for_a_provider``); everybody else is refused, and a
provider the user does not work for is a 404. Per quarter (the last finished one unless chosen)
and provider (the user's first unless chosen): each DUO-loan place with its hours and the amount
to invoice, the learner's warning over DUO's quarterly maximum, and the totals; as XLSX or CSV
too. The rules are ``portal.enrolments.duo_invoicing``'s; this module only reads the request and
presents. It sits at the top (beside ``background_views``) because the download is
``contracts.reporting.exports``'s, which the enrolments app below the contracts may not import;
its name ends in ``admin_views`` so that its texts are staff-only (``scripts/i18n_scope.py``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.auth import require_admin_access
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from contracts.reporting import exports
from portal import permissions
from portal.enrolments import duo_invoicing
from portal.enrolments.duo_invoicing import Quarter
from portal.permissions import Action
from providers.models import Provider

if TYPE_CHECKING:
    from collections.abc import Iterator

PAGE_SIZE = 50


def quarter_label(quarter: Quarter) -> str:
    return gettext("Q%(number)d %(year)d") % {"number": quarter.number, "year": quarter.year}


@dataclasses.dataclass
class Choice:
    """What the request asked for, as far as the user may ask it."""

    quarter: Quarter
    quarters: list[Quarter]
    quarter_error: str
    provider_id: int
    providers: list[tuple[int, str]]

    @property
    def provider_name(self) -> str:
        return dict(self.providers)[self.provider_id]

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter)

    @property
    def quarter_options(self) -> list[dict]:
        """The picker's options, latest first; the first is today's quarter, not over yet."""
        return [
            {
                "code": quarter.code,
                "label": quarter_label(quarter)
                if position
                else gettext("%(quarter)s (not over yet)") % {"quarter": quarter_label(quarter)},
                "selected": quarter == self.quarter,
            }
            for position, quarter in enumerate(self.quarters)
        ]

    @property
    def query(self) -> str:
        return urlencode({"quarter": self.quarter.code, "provider": self.provider_id})


def choice_read(request: HttpRequest) -> Choice:
    """The quarter and provider of the query string. A quarter not on the list leaves a message
    and shows the default; a provider the user does not work for is a 404."""
    if not permissions.works_for_a_provider(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    providers = list(
        permissions.scope(request.user, Action.VIEW, Provider.objects.all())
        .order_by("name", "pk")
        .values_list("pk", "name")
    )
    asked = request.GET.get("provider", "")
    if asked:
        # Compared as text with the user's own providers: nothing else is parsed or looked up.
        provider_id = {str(pk): pk for pk, _name in providers}.get(asked)
        if provider_id is None:
            raise Http404
    elif providers:
        provider_id = providers[0][0]
    else:
        raise PermissionDenied
    quarters = duo_invoicing.quarters_to_choose(today=today)
    quarter = duo_invoicing.last_finished_quarter(today=today)
    error = ""
    if code := request.GET.get("quarter", ""):
        chosen = Quarter.from_code(code)
        if chosen in quarters:
            quarter = chosen
        else:
            error = gettext("Choose a quarter from the list.")
    return Choice(
        quarter=quarter,
        quarters=quarters,
        quarter_error=error,
        provider_id=provider_id,
        providers=providers,
    )


class DuoInvoicingView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "portal/admin/duo_invoicing.html"
    page_title = _("DUO invoices")
    header_icon = "doc-full"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not permissions.works_for_a_provider(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        choice = choice_read(self.request)
        overview = duo_invoicing.duo_quarter_overview(
            user=self.request.user,
            provider_id=choice.provider_id,
            quarter=choice.quarter,
            today=today,
        )
        paginator = Paginator(overview.lines, PAGE_SIZE)
        page = paginator.get_page(self.request.GET.get("p"))
        context.update(
            {
                "choice": choice,
                "overview": overview,
                "page_obj": page,
                "lines": page.object_list,
                "elided_page_range": paginator.get_elided_page_range(page.number),
                "maximum_cents": duo_invoicing.DUO_MAX_PER_QUARTER_CENTS,
                "download_xlsx": f"{reverse('duo_invoicing_export', args=['xlsx'])}?"
                + choice.query,
                "download_csv": f"{reverse('duo_invoicing_export', args=['csv'])}?" + choice.query,
            }
        )
        return context


def _euros_number(cents: int) -> Decimal:
    """Cents as a number of euros for a spreadsheet cell (a number, not a text)."""
    return Decimal(cents) / 100


def export_headers() -> list[str]:
    return [
        gettext("Learner"),
        gettext("E-mail address"),
        gettext("Reference"),
        gettext("Course"),
        gettext("Start date"),
        gettext("End date"),
        gettext("Cancelled on"),
        gettext("Hours in the quarter"),
        gettext("Amount to invoice (euros)"),
        gettext("Learner's total this quarter (euros)"),
        gettext("Over DUO's quarterly maximum by (euros)"),
    ]


def export_rows(lines: list[duo_invoicing.InvoiceLine]) -> Iterator[list[object]]:
    for line in lines:
        enrolment = line.enrolment
        cancelled = enrolment.cancelled_at and timezone.localtime(enrolment.cancelled_at).date()
        yield [
            line.learner_name,
            enrolment.learner_email,
            enrolment.reference,
            enrolment.start_moment.offering.title,
            enrolment.start_moment.starts_on,
            enrolment.start_moment.ends_on,
            cancelled or None,
            line.hours,
            _euros_number(line.amount_cents),
            _euros_number(line.learner_total_cents),
            _euros_number(line.over_by_cents),
        ]


def export_view(request: HttpRequest, file_format: str) -> HttpResponse:
    """The chosen quarter's lines as XLSX or CSV (``contracts.reporting.exports``). Read only:
    any other method than GET is refused, after who may ask (as the screen does)."""
    if not permissions.works_for_a_provider(request.user):
        raise PermissionDenied
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    if file_format not in exports.FORMATS:
        raise Http404
    choice = choice_read(request)
    overview = duo_invoicing.duo_quarter_overview(
        user=request.user, provider_id=choice.provider_id, quarter=choice.quarter
    )
    return exports.table_response(
        format=file_format,
        name=gettext("DUO invoices %(quarter)s %(provider)s")
        % {"quarter": choice.quarter_label, "provider": choice.provider_name},
        headers=export_headers(),
        rows=export_rows(overview.lines),
    )


@hooks.register("register_admin_urls")
def duo_invoicing_urls() -> list:
    return [
        path(
            "duo-invoices/",
            require_admin_access(DuoInvoicingView.as_view()),
            name="duo_invoicing",
        ),
        path(
            "duo-invoices/export.<slug:file_format>",
            require_admin_access(export_view),
            name="duo_invoicing_export",
        ),
    ]


class DuoInvoicingMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return permissions.works_for_a_provider(request.user)


@hooks.register("register_admin_menu_item")
def duo_invoicing_menu_item() -> MenuItem:
    return DuoInvoicingMenuItem(
        _("DUO invoices"), reverse("duo_invoicing"), icon_name="doc-full", order=225
    )
