"""The catalogue's search result kept in the shared cache: the count and, for one page of it,
what the parts of the page rendered per request need of each offering.

Every visitor (signed in or not) who asks for the same filters and page in the same language on
the same day gets the same result: it is kept under the catalogue version
(``portal.core.pagecache``), so a change to an offering, provider, location, start moment or
seat shows on the next request, and under the day, on which the next start date and the
start dates still open depend. A page whose result and cards (``cms/fragments.py``) are both
kept is made without a database query of its own: no count, no list, no locations (the map's
places are kept with the result). Nothing personal is kept: the compare controls and the
tokens are rendered for each request around the kept parts.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language

from portal.core.pagecache import catalogue_cache_get, catalogue_cache_set

if TYPE_CHECKING:
    from cms.catalogue_map import MapPlace
    from cms.models import CataloguePage
    from providers.models import Offering


# Raise when ``KeptResult`` or its rows change: results kept by the code before are then not read.
KEPT_FORM = 1


@dataclass(eq=False)
class ShownOffering:
    """An offering on a result page as far as the parts made per request need it: the card's
    Enrol and compare controls, and the key of its kept body (``distance_km``)."""

    pk: int
    title: str
    next_start: datetime.date | None
    enrol_start_id: int | None
    distance_km: float | None
    card_html: str = ""


@dataclass(frozen=True)
class KeptResult:
    count: int
    number: int
    rows: tuple[tuple[int, str, datetime.date | None, int | None, float | None], ...]
    places: list[MapPlace] | None


def result_name(request: HttpRequest, page: CataloguePage) -> str:
    """The key of this request's result: the day, the language, the catalogue page and its page
    size, the filters (in a fixed order of names; the values of a name in the order given) and
    the page asked for, as given (``get_page`` makes the same of a missing or wrong one each
    time). The language, because what the filters mean can depend on it: a date such as
    ``03/02/2027`` is 3 February in Dutch and 2 March in English."""
    filters = urlencode(
        sorted((name, values) for name, values in request.GET.lists() if name != "page"),
        doseq=True,
    )
    asked = request.GET.get("page", "")
    digest = hashlib.sha256(f"{filters}\0{asked}".encode()).hexdigest()
    day = timezone.localdate().isoformat()
    return (
        f"catalogue-result:{KEPT_FORM}:{day}:{get_language()}:{page.pk}:{page.page_size or 20}:"
        f"{digest}"
    )


def result_get(name: str) -> tuple[int | None, KeptResult | None]:
    """The catalogue version (to keep a result computed now under) and the kept result."""
    version, kept = catalogue_cache_get(name)
    return version, kept if isinstance(kept, KeptResult) else None


def result_keep(
    name: str,
    version: int | None,
    *,
    page_obj: Page,
    offerings: list[Offering],
    places: list[MapPlace] | None,
) -> None:
    rows = tuple(
        (
            offering.pk,
            offering.title,
            offering.next_start,
            offering.enrol_start_id,
            getattr(offering, "distance_km", None),
        )
        for offering in offerings
    )
    kept = KeptResult(
        count=page_obj.paginator.count, number=page_obj.number, rows=rows, places=places
    )
    catalogue_cache_set(name, version, kept)


def result_page(kept: KeptResult, per_page: int) -> Page:
    """The kept page, with a paginator that knows the count (so never asks for it)."""
    paginator = Paginator((), per_page)
    paginator.count = kept.count  # a cached_property: set, it is not computed
    return Page([ShownOffering(*row) for row in kept.rows], kept.number, paginator)
