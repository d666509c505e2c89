from __future__ import annotations

from django import template
from django.conf import settings
from django.db.models import Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info, gettext
from wagtail.contrib.routable_page.templatetags.wagtailroutablepage_tags import routablepageurl
from wagtail.models import Page, Site

from cms.page_language import page_content_language
from portal import permissions
from portal.core.locale import path_in_language
from portal.core.money import euros
from portal.web import after_login
from portal.web.choose import because_lines
from providers.offerings import OfferingText, ProviderText, offering_text

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict]:
    """The current page in every language the site speaks, for the language switch and the
    ``hreflang`` alternates: each language named in itself (Django's ``name_local``)."""
    request: HttpRequest | None = context.get("request")
    path = request.get_full_path() if request else "/"
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        info = get_language_info(code)
        url = path_in_language(path, code)
        links.append(
            {
                "code": code,
                "name": info["name_local"],
                "direction": "rtl" if info["bidi"] else "ltr",
                "url": url,
                "absolute_url": request.build_absolute_uri(url) if request else url,
                "current": code == current,
            }
        )
    return links


@register.simple_tag(takes_context=True)
def content_language(context: template.Context, page: Page | None = None) -> str:
    """The language the page's own text (title, introduction, body) is written in: its locale's,
    or for a page not yet translated (wagtail-localize keeps a copy of the Dutch page in each
    language's tree) the language of the page it copies."""
    page = page if page is not None else context.get("page")
    if not isinstance(page, Page):
        return get_language()
    return page_content_language(page)


@register.simple_tag(takes_context=True)
def content_lang(context: template.Context, page: Page | None = None) -> str:
    """`` lang="nl"`` on an element holding the page's own text when that text is not in the
    reader's language (so a screen reader reads it as Dutch); nothing when it is."""
    language = content_language(context, page)
    if language == get_language():
        return ""
    return format_html(' lang="{}"', language)


@register.simple_tag(takes_context=True)
def menu_pages(context) -> list[Page]:
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return []
    # The children of the home page in the visitor's language (each a translation, or a copy of
    # the Dutch page until it is translated), else of the Dutch home: in one query.
    root = site.root_page
    page = context.get("page")
    pages = Page.objects.live().in_menu().filter(depth=root.depth + 1)
    if isinstance(page, Page):
        home = Page.objects.filter(translation_key=root.translation_key, locale_id=page.locale_id)
    else:
        home = Page.objects.filter(
            translation_key=root.translation_key, locale__language_code=get_language()
        )
    if isinstance(page, Page) and page.locale_id == root.locale_id:
        pages = pages.filter(path__startswith=root.path)
    else:
        pages = pages.filter(
            path__startswith=Coalesce(Subquery(home.values("path")[:1]), Value(root.path))
        )
    return list(pages.order_by("path").specific(defer=True))


def in_current_language(url: str) -> str:
    """A site-relative address of a Wagtail page with the visitor's language prefix: Wagtail
    gives its pages' addresses in the page's own locale (``/aanbod/``), which would take an
    ``/en/`` visitor back to Dutch."""
    return path_in_language(url)


@register.simple_tag(takes_context=True)
def route_url(context: template.Context, page: Page, route_name: str, *args) -> str:
    """``{% routablepageurl %}`` in the visitor's language."""
    return in_current_language(routablepageurl(context, page, route_name, *args))


@register.simple_tag(takes_context=True)
def page_url(context: template.Context, page: Page) -> str:
    """``{% pageurl %}`` in the visitor's language."""
    request = context.get("request")
    return in_current_language(page.get_url(request=request) or "")


register.filter("euros", euros)


@register.filter
def isolate(value: object) -> str:
    """The value in ``<bdi>``: a name or date in a right-to-left sentence keeps its own direction
    and does not pull the punctuation around it into its own. For values given to
    ``{% blocktranslate with %}``, which escapes plain strings (so the msgid stays the same)."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def isolate_ltr(value: object) -> str:
    """The value in ``<bdi dir="ltr">``: prices, references, e-mail addresses, phone numbers and
    postcodes read left to right in Arabic and Persian too (a price's euro sign stays in front)."""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


# Role questions in templates ask the permission engine, like the views.
register.filter("is_learner", permissions.is_learner)
register.filter("may_edit_site_pages", permissions.may_edit_site_pages)


@register.simple_tag
def yes_no(value: bool | None) -> str:
    if value is None:
        return gettext("unknown")
    return gettext("yes") if value else gettext("no")


@register.simple_tag(takes_context=True)
def choose_because(context: template.Context) -> list[str]:
    """The catalogue's "Because you said" lines for the answers of "Help me choose" in the
    query (``portal.web.choose.because_lines``); empty for any other visit."""
    request = context.get("request")
    return because_lines(request.GET) if request is not None else []


@register.simple_tag(takes_context=True)
def waiting_for_login(context: template.Context) -> after_login.Request | None:
    """On the log-in and sign-up pages: the start date the visitor pressed "Enrol" (or "Join the
    waiting list") on while logged out, when this page leads back to it; else None."""
    request = context.get("request")
    return after_login.waiting_for_login(request) if request is not None else None


@register.simple_tag(name="offering_text")
def offering_text_tag(offering) -> OfferingText:
    """``{% offering_text offering as text %}``: the offering's text in the active language,
    field by field falling back to the Dutch the provider wrote (``providers.offerings``)."""
    return offering_text(offering)


@register.filter
def lang_attr(text: ProviderText) -> str:
    """`` lang="nl"`` for the element holding a provider's text when it is not in the page's
    language (so a screen reader reads it as Dutch); empty otherwise."""
    page_language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    language = getattr(text, "language", page_language)
    if language == page_language:
        return ""
    return format_html(' lang="{}"', language)
