"""Links into the public catalogue (the ``CataloguePage`` and its routes) in the current language.

For the pages of other apps that point a visitor back to the catalogue or to one course (the
learner's enrolment pages): the domain packages below do not import ``cms``; the views pass
these addresses in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.core.locale import path_in_language

if TYPE_CHECKING:
    from django.http import HttpRequest


class CatalogueLinks:
    """Links into the public catalogue in the current language; one query however many."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        from cms.models import CataloguePage

        self._page = CataloguePage.objects.live().first()
        self._url = self._page.get_url(request) if self._page is not None else None

    def home(self) -> str | None:
        return path_in_language(self._url) if self._url else None

    def offering(self, offering_id: int) -> str | None:
        return self._route("offering", offering_id)

    def provider(self, slug: str) -> str | None:
        return self._route("provider", slug)

    def _route(self, name: str, *args: object) -> str | None:
        if not self._url:
            return None
        route = self._page.reverse_subpage(name, args=list(args))
        return path_in_language(self._url.rstrip("/") + "/" + route)


def catalogue_url(
    request: HttpRequest | None = None, *, offering_id: int | None = None
) -> str | None:
    """The catalogue (or one offering's page on it) in the current language, or None."""
    links = CatalogueLinks(request)
    return links.home() if offering_id is None else links.offering(offering_id)
