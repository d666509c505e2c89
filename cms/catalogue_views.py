"""The catalogue page's routes: parse input, call a selector, render. No rules of their own.

The compare list ("basket") lives in the session, so it survives the result pages. Anonymous
catalogue pages are cached whole for visitors *without* a session (``portal/core/pagecache.py``):
such a visitor has no compare list, so the cached page (with an empty list and without a CSRF
token) is right for every one of them. A visitor with a session gets a page of their own, which
shows their list and carries the token for the "Add to compare" forms. Without a token (a
cached page) the card links to the compare-list page instead, which asks once with a form that
has one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from cms.catalogue_content import (
    CONTENT_TEMPLATE,
    KeptContent,
    card_row,
    card_slot,
    content_get,
    content_keep,
    content_make,
    content_name,
    content_with_personal_parts,
    personal_context,
    slot,
)
from cms.catalogue_map import CatalogueMap, catalogue_map_data, catalogue_map_from_places
from cms.catalogue_result import result_get, result_keep, result_name, result_page
from cms.fragments import filter_fields_render, offering_cards_attach, offering_cards_found
from cms.structured_data import offering_json_ld
from portal.core.forms import StrictBooleanField
from portal.core.inputs import IdField
from portal.core.pagecache import cache_for_anonymous, cached_by_catalogue_version
from portal.enrolments.rules import offering_sale_refusal, sale_refusal
from portal.places.geo import Point
from providers.compare import (
    MAX_OFFERINGS,
    MIN_OFFERINGS,
    CompareListFull,
    compare_list_add,
    compare_list_remove,
    offerings_compare,
)
from providers.filters import OfferingFilterSet
from providers.models import Offering, Provider
from providers.selectors import (
    offering_public_get,
    offering_public_queryset,
    offerings_nearest_slice,
    provider_public_get,
)

if TYPE_CHECKING:
    from cms.models import CataloguePage


def _render(request: HttpRequest, page: CataloguePage, template: str, context: dict, status=200):
    context = {**page.get_context(request), **context}
    response = TemplateResponse(request, template, context, status=status)
    return cache_for_anonymous(response) if status == 200 else response


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# --- Active filters as chips -------------------------------------------------------------------

# Parameters that are not filters: they never become a chip nor count in "Filters (n)".
_NOT_FILTERS = frozenset({"page", "ordering"})


@dataclass(frozen=True)
class FilterChip:
    """One active filter value and the address of the same list without it."""

    label: str
    remove_url: str


def _chip_label(bound_field: forms.BoundField, value: str) -> str:
    field = bound_field.field
    label = str(bound_field.label)
    try:
        cleaned = field.to_python(value)
    except ValidationError:
        cleaned = None
    if isinstance(field, StrictBooleanField) and cleaned is not None:
        return label if cleaned else _("%(label)s: no") % {"label": label}
    for code, choice_label in getattr(field, "choices", ()):
        if str(code) == value:
            return f"{label}: {choice_label}"
    if isinstance(field, forms.DateField) and cleaned is not None:
        return f"{label}: {date_format(cleaned, 'j F Y')}"
    return f"{label}: {Truncator(value).chars(30)}"


def filter_chips(request: HttpRequest, form: forms.Form) -> list[FilterChip]:
    """The active filters, one chip per value (``component=MAP&component=PVT`` is two), each
    linking to this list without that value and on its first page. The same for everybody who
    asks for the same filters at the same address (its language): kept by the query without
    ``page`` until the catalogue changes (the municipalities' names come from it)."""
    query = request.GET.copy()
    query.pop("page", None)
    if not query:
        return []
    digest = hashlib.sha256(f"{request.path}?{query.urlencode()}".encode()).hexdigest()
    return cached_by_catalogue_version(
        f"catalogue-chips:{get_language()}:{digest}", lambda: _filter_chips(request, form)
    )


def _filter_chips(request: HttpRequest, form: forms.Form) -> list[FilterChip]:
    chips = []
    for bound_field in form:
        name = bound_field.name
        if name in _NOT_FILTERS:
            continue
        seen = set()
        for value in request.GET.getlist(name):
            if not value.strip() or value in seen:
                continue
            seen.add(value)
            query = request.GET.copy()
            query.setlist(name, [other for other in query.getlist(name) if other != value])
            query.pop("page", None)
            encoded = query.urlencode()
            chips.append(
                FilterChip(
                    label=_chip_label(bound_field, value),
                    remove_url=f"{request.path}?{encoded}" if encoded else request.path,
                )
            )
    return chips


# --- The compare list ----------------------------------------------------------------------------

COMPARE_LIST_SESSION_KEY = "compare_list"


def _page_is_personal(request: HttpRequest) -> bool:
    """Whether this visitor's page is rendered for them alone: the page cache neither serves
    nor stores pages for a request with a session cookie (``pagecache``'s own test)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def compare_list_get(request: HttpRequest) -> list[int]:
    """The offering ids on this visitor's compare list; empty without a session."""
    if not _page_is_personal(request):
        return []  # and no session is looked up, let alone created
    stored = request.session.get(COMPARE_LIST_SESSION_KEY)
    if not isinstance(stored, list):
        return []
    return [pk for pk in stored if isinstance(pk, int)][:MAX_OFFERINGS]


def _compare_context(request: HttpRequest, page: CataloguePage, *, catalogue_path: str) -> dict:
    """What the cards and the compare bar show; the addresses keep the visitor's language
    (``/en/aanbod/…``), which ``{% routablepageurl %}`` would drop."""
    compare_ids = compare_list_get(request)
    return {
        "compare_list_url": catalogue_path + page.reverse_subpage("compare_list"),
        "compare_url": catalogue_path + page.reverse_subpage("compare"),
        "max_compare": MAX_OFFERINGS,
        "min_compare": MIN_OFFERINGS,
        "compare_ids": compare_ids,
        "compare_query": "&".join(f"ids={pk}" for pk in compare_ids),
        "page_is_personal": _page_is_personal(request),
        "here": request.get_full_path(),
    }


class NearestFirstPaginator(Paginator):
    """Pages of a list sorted nearest first, each sought among the offerings near the point
    (``offerings_nearest_slice``): the same pages as ``Paginator``'s, without measuring the
    distance of every offering in the country for each one."""

    def __init__(self, object_list, per_page: int, *, point: Point) -> None:
        super().__init__(object_list, per_page)
        self.point = point

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = offerings_nearest_slice(self.object_list, point=self.point, bottom=bottom, top=top)
        if rows is None:
            return super().page(number)
        return self._get_page(rows, number, self)


def offering_list(request: HttpRequest, *, page: CataloguePage) -> HttpResponse:
    # The content kept for this address (cms/catalogue_content.py): kept only for valid filters,
    # so a hit needs neither the FilterSet nor a query on offerings. Its version is read before
    # anything is computed: content made while the catalogue changes is kept under the old one.
    content_key = content_name(request, page)
    version, kept = content_get(content_key)
    if kept is not None:
        return _content_response(request, page, kept)
    # No prefetching: the cards come from the cache, and those rendered afresh read their
    # locations themselves (cms/fragments.py).
    # Named before the queryset takes its day: a result made across midnight is kept under
    # the day before, which nobody asks for any more.
    name = result_name(request, page)
    queryset = offering_public_queryset().prefetch_related(None)
    filterset = OfferingFilterSet(request.GET, queryset=queryset)
    chips = filter_chips(request, filterset.form)
    if not filterset.is_valid():
        content = _content_make(
            request,
            page,
            {
                "filter": filterset,
                "page_obj": None,
                "invalid": True,
                "chips": chips,
                "filter_fields": filter_fields_render(filterset, request=request),
            },
        )
        return _content_response(request, page, content, status=400)
    per_page = page.page_size or 20
    result_version, kept_result = result_get(name)
    if kept_result is not None:
        page_obj = result_page(kept_result, per_page)
        offerings = list(page_obj.object_list)
        if offering_cards_found(offerings, request=request, page=page):
            return _list_keep_and_render(
                request,
                page,
                content_key,
                version,
                filterset=filterset,
                chips=chips,
                page_obj=page_obj,
                offerings=offerings,
                catalogue_map=catalogue_map_from_places(kept_result.places, filterset=filterset),
            )
    point = filterset.form.cleaned_data.get("near")
    if point is not None and filterset.form.cleaned_data.get("ordering") == "distance":
        paginator = NearestFirstPaginator(filterset.qs, per_page, point=point)
    else:
        paginator = Paginator(filterset.qs, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    offerings = list(page_obj.object_list)
    for offering in offerings:
        # The card's "Enrol" takes its next open start date, when the course is sold online.
        sold_online = offering_sale_refusal(offering) is None
        offering.enrol_start_id = offering.next_start_id if sold_online else None
    # The map first: it reads the page's locations in one query, which fresh cards then reuse.
    catalogue_map = catalogue_map_data(offerings=offerings, filterset=filterset)
    offering_cards_attach(offerings, request=request, page=page)
    result_keep(
        name,
        result_version,
        page_obj=page_obj,
        offerings=offerings,
        places=catalogue_map["places"] if catalogue_map else None,
    )
    return _list_keep_and_render(
        request,
        page,
        content_key,
        version,
        filterset=filterset,
        chips=chips,
        page_obj=page_obj,
        offerings=offerings,
        catalogue_map=catalogue_map,
    )


def _list_keep_and_render(
    request: HttpRequest,
    page: CataloguePage,
    content_key: str,
    version: int | None,
    *,
    filterset: OfferingFilterSet,
    chips: list[FilterChip],
    page_obj: Page,
    offerings: list,
    catalogue_map: CatalogueMap | None,
) -> HttpResponse:
    """The list page made the long way, its content kept for the next request."""
    content = _content_make(
        request,
        page,
        {
            "filter": filterset,
            "page_obj": page_obj,
            "offerings": offerings,
            "catalogue_map": catalogue_map,
            "page_query": _query_without(request, "page"),
            "chips": chips,
            "filter_fields": filter_fields_render(filterset, request=request),
        },
    )
    content_keep(content_key, version, content)
    return _content_response(request, page, content)


def _content_make(request: HttpRequest, page: CataloguePage, context: dict) -> KeptContent:
    """The list's content (``catalogue_content.html``) with its personal parts as slots."""
    offerings = context.get("offerings") or []
    for offering in offerings:
        offering.controls = card_slot(offering.pk)
    html = get_template(CONTENT_TEMPLATE).render(
        {
            **page.get_context(request),
            **context,
            "compare_url": request.path + page.reverse_subpage("compare"),
            "slots": {"compare_form": slot("compare_form"), "compare_bar": slot("compare_bar")},
        }
    )
    cards = [card_row(offering) for offering in offerings]
    return content_make(html, cards=cards, has_map=bool(context.get("catalogue_map")))


def _content_response(
    request: HttpRequest, page: CataloguePage, content: KeptContent, *, status: int = 200
) -> HttpResponse:
    """The list page around ``content``, its slots filled for this visitor."""
    personal = personal_context(
        request,
        compare_ids=compare_list_get(request),
        page_is_personal=_page_is_personal(request),
        compare_list_url=request.path + page.reverse_subpage("compare_list"),
        max_compare=MAX_OFFERINGS,
        min_compare=MIN_OFFERINGS,
    )
    return _render(
        request,
        page,
        "cms/catalogue_page.html",
        {
            "catalogue_content": content_with_personal_parts(content, personal),
            "catalogue_map": content.has_map,
        },
        status=status,
    )


def offering_detail(request: HttpRequest, *, page: CataloguePage, offering_id: int):
    try:
        offering = offering_public_get(offering_id=offering_id)
    except Offering.DoesNotExist as exc:
        raise Http404(_("This offering does not exist or is no longer published.")) from exc
    start_moments = offering.upcoming_start_moments
    # Why a start date cannot be bought online, the same for every visitor (the page is cached).
    for moment in start_moments:
        moment.sale_refusal = sale_refusal(moment)
    refusals = {moment.sale_refusal for moment in start_moments}
    return _render(
        request,
        page,
        "cms/offering_detail.html",
        {
            "offering": offering,
            "start_moments": start_moments,
            # One reason for all start dates (no price, not for self-payers) is said once.
            "sale_refusal": refusals.pop() if len(refusals) == 1 else None,
            "json_ld": offering_json_ld(offering=offering, request=request, page=page),
        },
    )


def provider_detail(request: HttpRequest, *, page: CataloguePage, provider_slug: str):
    try:
        provider = provider_public_get(slug=provider_slug)
    except Provider.DoesNotExist as exc:
        raise Http404(_("This provider does not exist.")) from exc
    offerings = offering_public_queryset().filter(provider=provider).order_by("component", "title")
    return _render(
        request,
        page,
        "cms/provider_detail.html",
        {"provider": provider, "offerings": offerings},
    )


def offering_compare(request: HttpRequest, *, page: CataloguePage) -> HttpResponse:
    comparison = offerings_compare(
        raw_ids=request.GET.getlist("ids"), queryset=offering_public_queryset()
    )
    status = 200 if comparison.can_compare else 400
    return _render(
        request, page, "cms/offering_compare.html", {"comparison": comparison}, status=status
    )


def _catalogue_path(request: HttpRequest, page: CataloguePage) -> str:
    """The catalogue list's path in this request's language (``/aanbod/`` or ``/en/aanbod/``)."""
    return request.path.removesuffix(page.reverse_subpage("compare_list"))


def _back_to(request: HttpRequest, page: CataloguePage) -> str:
    """Where to go after a change: the ``next`` page if it is a page of this catalogue (without
    its fragment), else the catalogue's first page."""
    catalogue = _catalogue_path(request, page)
    wanted = (request.POST.get("next") or request.GET.get("next") or "").split("#", 1)[0]
    if (
        wanted.startswith(catalogue)
        and url_has_allowed_host_and_scheme(wanted, allowed_hosts=None)
        and wanted.isprintable()  # no line break into the Location header
        and len(wanted) <= 2000
    ):
        return wanted
    return catalogue


def _offering_id(raw: str | None) -> int | None:
    try:
        return IdField().clean(raw)
    except ValidationError:
        return None


def _compare_list_page(
    request: HttpRequest,
    page: CataloguePage,
    *,
    error: str = "",
    adding=None,
    status: int = 200,
) -> HttpResponse:
    """The compare list: what is on it, "Compare (n)", and the question "Add this course?"
    that a visitor of a cached page answers with a token-carrying form. Never cached."""
    compare_ids = compare_list_get(request)
    found = {o.pk: o for o in offering_public_queryset().filter(pk__in=compare_ids)}
    context = {
        **page.get_context(request),
        "offerings": [found[pk] for pk in compare_ids if pk in found],
        "adding": adding,
        "error": error,
        "next": _back_to(request, page),
        "list_is_full": len(compare_ids) >= MAX_OFFERINGS,
        **_compare_context(request, page, catalogue_path=_catalogue_path(request, page)),
    }
    return TemplateResponse(request, "cms/includes/compare_list_page.html", context, status=status)


def compare_list_change(request: HttpRequest, *, page: CataloguePage) -> HttpResponse:
    """GET shows the list (and asks about ``?add=<id>``); POST ``add``, ``remove`` or ``clear``
    changes it and goes back (303) to ``next`` at the card (``#offering-<id>``).

    The POST is a Wagtail route, so Django's CSRF middleware has checked it before it gets here.
    """
    if request.method in ("GET", "HEAD"):
        if "add" not in request.GET:
            return _compare_list_page(request, page)
        offering_id = _offering_id(request.GET["add"])
        adding = offering_public_queryset().filter(pk=offering_id).first() if offering_id else None
        if adding is None:
            return _compare_list_page(
                request, page, error=_("This course does not exist."), status=400
            )
        return _compare_list_page(request, page, adding=adding)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    back = _back_to(request, page)
    if "clear" in request.POST:
        request.session[COMPARE_LIST_SESSION_KEY] = []
        return HttpResponseRedirect(back, status=303)
    adding = "add" in request.POST
    offering_id = _offering_id(request.POST.get("add" if adding else "remove"))
    if offering_id is None:
        return _compare_list_page(request, page, error=_("This course does not exist."), status=400)
    compare_ids = compare_list_get(request)
    if adding:
        if not offering_public_queryset().filter(pk=offering_id).exists():
            return _compare_list_page(
                request, page, error=_("This course does not exist."), status=400
            )
        try:
            compare_ids = compare_list_add(offering_ids=compare_ids, offering_id=offering_id)
        except CompareListFull:
            messages.error(
                request,
                ngettext(
                    "You can compare at most %(max)s course. Remove one first.",
                    "You can compare at most %(max)s courses. Remove one first.",
                    MAX_OFFERINGS,
                )
                % {"max": MAX_OFFERINGS},
            )
    else:
        compare_ids = compare_list_remove(offering_ids=compare_ids, offering_id=offering_id)
    request.session[COMPARE_LIST_SESSION_KEY] = compare_ids
    return HttpResponseRedirect(f"{back}#offering-{offering_id}", status=303)
