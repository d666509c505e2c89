"""Parts of the catalogue page rendered once and kept until the catalogue changes.

Rendering twenty cards through the template engine (a dozen ``{% translate %}`` and
``{% blocktranslate %}`` each) cost more than the rest of the catalogue page. The part of a card
that is the same for every visitor (``offering_card_body.html``: title, provider, places,
distance, facts) is kept in the shared cache under the catalogue version
(``portal.core.pagecache``), so any change to an offering, provider, location or start moment
shows at once. The key also holds what else the card shows that varies: the language, the day
(next start and quality mark depend on it), the site and page (the link), and the distance as
shown. The compare controls (the visitor's compare list and CSRF token) are rendered around it
for every request (``offering_card.html``) and never cached.

The filter fields (``filter_fields.html``, a few hundred options) are the same for everybody who
asks for the same filters in the same language: they are kept by the query.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.template.defaultfilters import floatformat
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.core.pagecache import (
    cached_by_catalogue_version,
    cached_many_by_catalogue_version,
    cached_many_found,
)
from providers.models import Offering
from providers.selectors import offerings_locations_load, offerings_translations_load

if TYPE_CHECKING:
    from cms.models import CataloguePage
    from providers.filters import OfferingFilterSet

CARD_BODY_TEMPLATE = "cms/includes/offering_card_body.html"
FILTER_FIELDS_TEMPLATE = "cms/includes/filter_fields.html"
CARD_NAME = "offering-card"


def _distance_shown(offering: Offering) -> str:
    """The distance as the card shows it (whole kilometres), or ``-`` without one."""
    distance = getattr(offering, "distance_km", None)
    return "-" if distance is None else str(floatformat(distance, "0"))


def _card_keys[T](offerings: list[T], *, request: HttpRequest, page: CataloguePage) -> dict[T, str]:
    """What each card's body depends on besides the catalogue version."""
    language = get_language()
    day = timezone.localdate().isoformat()
    site = f"{request.get_host()}:{page.pk}"
    return {
        offering: f"{language}:{day}:{site}:{offering.pk}:{_distance_shown(offering)}"
        for offering in offerings
    }


def offering_cards_found(offerings: list, *, request: HttpRequest, page: CataloguePage) -> bool:
    """Give each of ``offerings`` (the rows of a kept search result: pk, title, distance) its
    ``card_html`` from the cache, rendering none; False, and none given, when any is missing
    (the page is then made the long way, which renders and keeps them)."""
    bodies = cached_many_found(CARD_NAME, _card_keys(offerings, request=request, page=page))
    if len(bodies) < len(offerings):
        return False
    for offering in offerings:
        offering.card_html = mark_safe(bodies[offering])  # noqa: S308  rendered by our template
    return True


def offering_cards_attach(
    offerings: list[Offering], *, request: HttpRequest, page: CataloguePage
) -> None:
    """Give each offering its ``card_html`` (the card without its compare controls), from the
    cache where it is there; the others are rendered in one go, their locations read in one
    query only for them (so the list's queryset need not prefetch them)."""
    keys = _card_keys(offerings, request=request, page=page)

    def render(missing: list[Offering]) -> dict[Offering, str]:
        template = get_template(CARD_BODY_TEMPLATE)
        offerings_locations_load(missing)
        offerings_translations_load(missing)
        return {
            offering: str(template.render({"offering": offering, "page": page, "request": request}))
            for offering in missing
        }

    bodies = cached_many_by_catalogue_version(CARD_NAME, keys, render)
    for offering in offerings:
        offering.card_html = mark_safe(bodies[offering])  # noqa: S308  rendered by our template


def filter_fields_render(filterset: OfferingFilterSet, *, request: HttpRequest) -> SafeString:
    """The filter form's fields for this query (without ``page``, which is not a field), from
    the cache when the same filters were asked for before in this language. Only a valid form
    is kept; one with errors is rendered afresh."""

    def render() -> str:
        template = get_template(FILTER_FIELDS_TEMPLATE)
        return str(template.render({"filter": filterset, "request": request}))

    if not filterset.is_valid():
        return mark_safe(render())  # noqa: S308  rendered by our template
    query = request.GET.copy()
    query.pop("page", None)
    digest = hashlib.sha256(query.urlencode().encode()).hexdigest()
    html = cached_by_catalogue_version(f"catalogue-filters:{get_language()}:{digest}", render)
    return mark_safe(html)  # noqa: S308  rendered by our template
