"""The catalogue page's routes: parse input, call a selector, render. No rules of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from cms.structured_data import offering_json_ld
from portal.core.pagecache import cache_for_anonymous
from portal.enrolments.rules import sale_refusal
from providers.compare import MAX_OFFERINGS, offerings_compare
from providers.filters import OfferingFilterSet
from providers.models import Offering, Provider
from providers.selectors import (
    offering_public_get,
    offering_public_queryset,
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


def offering_list(request: HttpRequest, *, page: CataloguePage) -> HttpResponse:
    filterset = OfferingFilterSet(request.GET, queryset=offering_public_queryset())
    if not filterset.is_valid():
        return _render(
            request,
            page,
            "cms/catalogue_page.html",
            {"filter": filterset, "page_obj": None, "invalid": True},
            status=400,
        )
    paginator = Paginator(filterset.qs, page.page_size or 20)
    page_obj = paginator.get_page(request.GET.get("page"))
    return _render(
        request,
        page,
        "cms/catalogue_page.html",
        {
            "filter": filterset,
            "page_obj": page_obj,
            "offerings": page_obj.object_list,
            "page_query": _query_without(request, "page"),
            "max_compare": MAX_OFFERINGS,
        },
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
