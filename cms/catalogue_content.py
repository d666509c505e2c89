"""The catalogue list's content kept whole, with its personal parts left as slots.

Once a result page has been made, everything in it but the visitor's own parts is the same for
everybody who asks for the same address in the same language on the same day, until the
catalogue changes: the count, the cards, the chips, the map, the pagination and the filter
fields. That content (``catalogue_content.html``) is kept in the shared cache under the catalogue
version (``portal.core.pagecache``), keyed by the site, the address as asked (path and query as
typed, so every link in it is the one the long way makes), the language, the day and the
catalogue page's last publication. The next request for it runs neither the FilterSet nor a
query on offerings, and reads one key, with the catalogue version, in one round trip.

Only a page whose filters were valid is kept (a form with errors answers 400 and is rendered
afresh each time), and the key holds the address and language exactly as validated: an invalid
address has no kept content to hit.

The personal parts are slots (``<!--rw-slot:…-->`` comments, which no escaped value can
contain), filled for each request: the compare form's ids and the compare bar (the visitor's
compare list) and each card's controls (``offering_card.html``: the Enrol form with the
visitor's CSRF token when signed in, "Add to compare list" as a form with a token or, without
a session, as a link). Each kind of part (a card with or without Enrol, on the list or not, for
a visitor signed in, with a session or without; the bar for a list of n) is rendered through the
template engine once per process and language with stand-ins for the values, and each request
puts its values in the stand-ins' places, escaped as the template escapes them: the address,
the CSRF token, the ids on the compare list, each card's id, title and start date. Nothing
personal is ever kept.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.defaultfilters import urlencode
from django.template.loader import get_template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.core.pagecache import catalogue_latest_get, catalogue_latest_set

if TYPE_CHECKING:
    from cms.models import CataloguePage

CONTENT_TEMPLATE = "cms/includes/catalogue_content.html"
CARD_CONTROLS_TEMPLATE = "cms/includes/offering_card.html"
COMPARE_FORM_TEMPLATE = "cms/includes/compare_form.html"
COMPARE_BAR_TEMPLATE = "cms/includes/compare_bar.html"

# Raise when ``KeptContent`` or the slots change: content kept by the code before is then not read.
KEPT_FORM = 1

_SLOT = re.compile(r"<!--rw-slot:([a-z0-9:_-]+)-->")


def slot(name: str) -> SafeString:
    """The place of a personal part in the kept content."""
    return mark_safe(f"<!--rw-slot:{name}-->")  # noqa: S308  a fixed comment around our own name


def card_slot(pk: int) -> SafeString:
    return slot(f"card:{pk}")


@dataclass(frozen=True)
class CardRow:
    """What a card's controls need of its offering, as HTML in the content's language."""

    pk: int
    title_html: str
    enrol_start_id: int | None
    starts_html: str


@dataclass(frozen=True)
class KeptContent:
    pieces: tuple[str, ...]
    """The content split at its slots: text, slot name, text, …, text."""
    cards: tuple[CardRow, ...]
    has_map: bool


def content_name(request: HttpRequest, page: CataloguePage) -> str:
    """The key of this address's content: the site, the path and query exactly as asked (with
    the language prefix), the language, the day, and the catalogue page and its last
    publication (its title, introduction and page size are in the content)."""
    address = f"{request.get_host()}\0{request.get_full_path()}"
    digest = hashlib.sha256(address.encode()).hexdigest()
    day = timezone.localdate().isoformat()
    published = page.last_published_at.isoformat() if page.last_published_at else ""
    return (
        f"catalogue-content:{KEPT_FORM}:{get_language()}:{day}:{page.pk}:"
        f"{page.page_size or 20}:{published}:{digest}"
    )


def content_get(name: str) -> tuple[int | None, KeptContent | None]:
    """The catalogue version (to keep content made now under) and the kept content, in one
    round trip to the shared cache."""
    version, kept = catalogue_latest_get(name)
    return version, kept if isinstance(kept, KeptContent) else None


def content_make(html: str, *, cards: Iterable[CardRow], has_map: bool) -> KeptContent:
    """``html`` (rendered with ``slot`` marks) as kept content."""
    return KeptContent(pieces=tuple(_SLOT.split(html)), cards=tuple(cards), has_map=has_map)


def content_keep(name: str, version: int | None, content: KeptContent) -> None:
    catalogue_latest_set(name, version, content)


def content_fill(content: KeptContent, parts: Mapping[str, str]) -> SafeString:
    """The content with each slot filled from ``parts`` (already escaped HTML)."""
    pieces = content.pieces
    filled = [pieces[0]]
    for index in range(1, len(pieces), 2):
        filled.append(parts[pieces[index]])
        filled.append(pieces[index + 1])
    return mark_safe("".join(filled))  # noqa: S308  our templates' output and our parts


# --- The personal parts ---------------------------------------------------------------------------

# Stand-ins for what the personal parts show of a card and of the visitor. Each kind of part is
# rendered through the template engine once with them (``_stencil``) and each is put back by its
# exact text, escaped as the template escapes it. None can come from a request: the parts
# rendered with them hold nothing else of the request's. The address's stand-in has a "&", so its
# escaped and its URL-encoded forms differ.
_STAND_IN_PK = 918273645501
_STAND_IN_START_ID = 918273645502
_STAND_IN_COMPARE_IDS = tuple(918273645601 + index for index in range(99))
_STAND_IN_TITLE = "ZzRwTitleZz"
_STAND_IN_DATE = datetime.date(2, 2, 2)  # "2 February 0002" in the language of the request
_STAND_IN_HERE = "ZzRwHere&Zz"
_STAND_IN_TOKEN = "ZzRwTokenZz"  # noqa: S105  not a secret: the place of the CSRF token


@dataclass(frozen=True)
class _OfferingStandIn:
    """An offering whose values are the stand-ins (no Enrol without ``enrol``)."""

    enrol: bool
    pk: int = _STAND_IN_PK
    title: str = _STAND_IN_TITLE
    next_start: datetime.date = _STAND_IN_DATE

    @property
    def enrol_start_id(self) -> int | None:
        return _STAND_IN_START_ID if self.enrol else None


@dataclass(frozen=True)
class _Visitor:
    is_authenticated: bool


class _Stencil:
    """Rendered HTML split at its stand-ins, to be filled with a card's and a visitor's values."""

    def __init__(self, html: str, stand_ins: Mapping[str, str]) -> None:
        pattern = "|".join(re.escape(text) for text in sorted(stand_ins, key=len, reverse=True))
        self.pieces: list[str] = []
        self.names: list[str] = []
        position = 0
        for match in re.finditer(pattern, html):
            self.pieces.append(html[position : match.start()])
            self.names.append(stand_ins[match.group()])
            position = match.end()
        self.pieces.append(html[position:])

    def fill(self, values: Mapping[str, str]) -> str:
        filled = [self.pieces[0]]
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            filled.append(values[name])
            filled.append(piece)
        return "".join(filled)

    def partly_filled(self, values: Mapping[str, str]) -> _Stencil:
        """This stencil with the stand-ins named in ``values`` filled, the others kept."""
        stencil = _Stencil.__new__(_Stencil)
        stencil.pieces, stencil.names = [self.pieces[0]], []
        for name, piece in zip(self.names, self.pieces[1:], strict=True):
            if name in values:
                stencil.pieces[-1] += values[name] + piece
            else:
                stencil.names.append(name)
                stencil.pieces.append(piece)
        return stencil


def _stencil_render(template_name: str, language: str, **context: object) -> _Stencil:
    """``template_name`` rendered with ``context`` (holding stand-ins), split at the stand-ins.

    The same for the same arguments as long as the process lives (the templates and the
    translations do not change under it), so it is kept in memory (``_stencil``); ``language``
    is part of that key, the render itself uses the active language."""
    del language
    html = get_template(template_name).render(context)
    stand_ins = {
        str(_STAND_IN_PK): "pk",
        str(_STAND_IN_START_ID): "start_id",
        _STAND_IN_TITLE: "title",
        date_shown(_STAND_IN_DATE): "date",
        conditional_escape(_STAND_IN_HERE): "here",
        urlencode(_STAND_IN_HERE): "here_in_query",
        _STAND_IN_TOKEN: "csrf_token",
    }
    stand_ins.update({str(pk): f"compare_id:{n}" for n, pk in enumerate(_STAND_IN_COMPARE_IDS)})
    return _Stencil(html, stand_ins)


_stencil_kept = functools.lru_cache(maxsize=512)(_stencil_render)


def _stencil(template_name: str, **context: object) -> _Stencil:
    language = get_language()
    if settings.DEBUG:  # in development a template edited while the server runs shows at once
        return _stencil_render(template_name, language, **context)
    return _stencil_kept(template_name, language, **context)


def date_shown(day: datetime.date | None) -> str:
    """A start date as ``offering.next_start|date:"j F Y"`` shows it, escaped."""
    return "" if day is None else conditional_escape(date_format(day, "j F Y"))


def card_row(offering: object) -> CardRow:
    """What the controls need of ``offering`` (an ``Offering`` or a kept ``ShownOffering``),
    the title and date already as the template shows them in this language."""
    return CardRow(
        pk=offering.pk,
        title_html=conditional_escape(offering.title),
        enrol_start_id=offering.enrol_start_id,
        starts_html=date_shown(offering.next_start),
    )


@dataclass(frozen=True)
class PersonalContext:
    """Everything of the visitor's that the personal parts show."""

    compare_ids: list[int]
    page_is_personal: bool
    compare_list_url: str
    here: str
    is_authenticated: bool
    csrf_token: Callable[[], str]
    """Asked for only by a form that shows it: a page without one sets no CSRF cookie."""
    max_compare: int
    min_compare: int


def personal_context(
    request: HttpRequest,
    *,
    compare_ids: list[int],
    page_is_personal: bool,
    compare_list_url: str,
    max_compare: int,
    min_compare: int,
) -> PersonalContext:
    return PersonalContext(
        compare_ids=compare_ids[: len(_STAND_IN_COMPARE_IDS)],
        page_is_personal=page_is_personal,
        compare_list_url=compare_list_url,
        here=request.get_full_path(),
        is_authenticated=request.user.is_authenticated,
        csrf_token=lambda: get_token(request),
        max_compare=max_compare,
        min_compare=min_compare,
    )


def _visitor_values(personal: PersonalContext, stencils: Iterable[_Stencil]) -> dict[str, str]:
    """The visitor's values for the stand-ins; the CSRF token only when a part shows it (a
    token asked for sets the CSRF cookie, and an anonymous visitor's page sets none)."""
    values = {
        "here": conditional_escape(personal.here),
        "here_in_query": urlencode(personal.here),
    }
    values.update({f"compare_id:{n}": str(pk) for n, pk in enumerate(personal.compare_ids)})
    if any("csrf_token" in stencil.names for stencil in stencils):
        values["csrf_token"] = conditional_escape(personal.csrf_token())
    return values


def personal_parts(content: KeptContent, personal: PersonalContext) -> dict[str, str]:
    """The HTML of each of ``content``'s slots: the compare form's ids, the compare bar, and
    each card's controls."""
    wanted = set(content.pieces[1::2])
    compare_ids = _STAND_IN_COMPARE_IDS[: len(personal.compare_ids)]
    parts_stencils: dict[str, _Stencil] = {}
    if "compare_form" in wanted:
        parts_stencils["compare_form"] = _stencil(COMPARE_FORM_TEMPLATE, compare_ids=compare_ids)
    if "compare_bar" in wanted:
        parts_stencils["compare_bar"] = _stencil(
            COMPARE_BAR_TEMPLATE,
            compare_ids=compare_ids,
            compare_list_url=personal.compare_list_url,
            here=_STAND_IN_HERE,
            max_compare=personal.max_compare,
            min_compare=personal.min_compare,
        )
    on_list = set(personal.compare_ids)
    card_stencils = {
        (enrol, listed): _stencil(
            CARD_CONTROLS_TEMPLATE,
            offering=_OfferingStandIn(enrol=enrol),
            compare_ids=(_STAND_IN_PK,) if listed else (),
            page_is_personal=personal.page_is_personal,
            compare_list_url=personal.compare_list_url,
            here=_STAND_IN_HERE,
            user=_Visitor(is_authenticated=personal.is_authenticated),
            csrf_token=_STAND_IN_TOKEN,
        )
        for enrol, listed in {
            (bool(card.enrol_start_id), card.pk in on_list) for card in content.cards
        }
    }
    visitor = _visitor_values(personal, [*parts_stencils.values(), *card_stencils.values()])
    # The content has the whitespace around the form's ids and the bar: a template file's last
    # line break is not part of them.
    parts = {name: stencil.fill(visitor).strip() for name, stencil in parts_stencils.items()}
    # The visitor's values once for each kind of card; what is left are the card's own.
    card_stencils = {
        kind: stencil.partly_filled(visitor) for kind, stencil in card_stencils.items()
    }
    for card in content.cards:
        stencil = card_stencils[bool(card.enrol_start_id), card.pk in on_list]
        parts[f"card:{card.pk}"] = stencil.fill(
            {
                "pk": str(card.pk),
                "title": card.title_html,
                "start_id": str(card.enrol_start_id),
                "date": card.starts_html,
            }
        )
    return parts


def content_with_personal_parts(content: KeptContent, personal: PersonalContext) -> SafeString:
    return content_fill(content, personal_parts(content, personal))
