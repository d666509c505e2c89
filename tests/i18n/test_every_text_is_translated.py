"""No interface text escapes translation: every text a page shows went through a catalogue.

The pages are rendered in English with a catalogue that marks every text it gives out (gettext,
ngettext and their context forms, so templates' ``{% translate %}`` and ``{% blocktranslate %}``,
forms, Django's, Wagtail's and allauth's own texts alike): the translation between two private-use
characters. A text node or a read-aloud attribute (``title``, ``alt``, ``placeholder``,
``aria-label``, a button's value) with words outside those marks was written into a template or
the code without going through the catalogues, and would stay English (or Dutch) on an Arabic
page. What the people behind the site wrote is not interface text and may stand unmarked: the
database's own texts (schools' courses and terms, places, names, the site's pages), and whatever
sits in an element whose ``lang`` says it is in another language (a school's Dutch text, each
language's name in the switcher).
"""

from __future__ import annotations

import html.parser
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import trans_real

from cms import catalogue_content
from portal.web.choose import STEPS

pytestmark = pytest.mark.django_db

OPEN, CLOSE = "\ue000", "\ue001"
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[^\W\d_]{2,}")
LANGUAGE = "en"
# Read aloud or shown: these attributes are interface text as much as the element's text is.
SHOWN_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description"}
# Not shown as text: their content is code, styles or data for a script.
NOT_TEXT = {"script", "style", "template"}
# Names, not words to translate: the product, the payment method, the loan's lender.
NAMES = ("Routewijzer", "iDEAL", "DUO")


class MarkingTranslation(trans_real.DjangoTranslation):
    """English, with each text it gives out between ``OPEN`` and ``CLOSE``."""

    def gettext(self, message: str) -> str:
        return self._marked(super().gettext(message))

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._marked(super().ngettext(msgid1, msgid2, n))

    @staticmethod
    def _marked(result: str) -> str:
        # pgettext asks for "context\x04text" and gives the text alone back when the answer
        # still holds the separator (untranslated): do that here, so that the mark survives.
        if trans_real.CONTEXT_SEPARATOR in result:
            result = result.split(trans_real.CONTEXT_SEPARATOR, 1)[1]
        return f"{OPEN}{result}{CLOSE}"


@pytest.fixture
def marking_catalogue():
    """The marking catalogue in place of English's, and nothing kept that was rendered without
    it (the catalogue's stand-in renders live in memory per process and language)."""
    kept = trans_real._translations.get(LANGUAGE)
    trans_real._translations[LANGUAGE] = MarkingTranslation(LANGUAGE)
    catalogue_content._stencil_kept.cache_clear()
    try:
        yield
    finally:
        if kept is None:
            trans_real._translations.pop(LANGUAGE, None)
        else:
            trans_real._translations[LANGUAGE] = kept
        catalogue_content._stencil_kept.cache_clear()
        translation.deactivate()


# Tables of the framework's own bookkeeping, not texts anybody reads on the site: their
# entries ("Can add offering", model names, session data, log lines) would only hide words.
BOOKKEEPING = {
    "auth.permission",
    "contenttypes.contenttype",
    "sessions.session",
    "admin.logentry",
    "wagtailcore.modellogentry",
    "wagtailcore.pagelogentry",
}


def database_texts() -> re.Pattern[str]:
    """Every text the database holds (the people behind the site wrote it, or a visitor typed
    it) as one pattern of whole words, longest first so that a longer one is taken out before a
    shorter one inside it."""
    texts: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, str):
            for part in re.split(r"[\n\r]+", strip_tags(value) if "<" in value else value):
                if part.strip():
                    texts.add(part.strip())
        elif isinstance(value, dict):
            for item in value.values():
                add(item)
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)

    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label_lower in BOOKKEEPING:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
            or field.get_internal_type() in ("CharField", "TextField", "JSONField")
        ]
        if fields:
            for row in model._base_manager.values_list(*fields):
                for value in row:
                    add(value)
    # Each language's name in itself, in the language switcher (settings, not the catalogue).
    for code, _name in settings.LANGUAGES:
        texts.add(translation.get_language_info(code)["name_local"])
    texts.update(NAMES)
    alternatives = "|".join(re.escape(text) for text in sorted(texts, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class _TextNodes(html.parser.HTMLParser):
    """The page's unmarked text and shown attributes that are interface text: outside
    ``NOT_TEXT`` elements and outside elements whose ``lang`` is another language than the
    page's. A mark may span elements (``{% blocktranslate %}`` around a link), so the text
    between ``OPEN`` and ``CLOSE`` counts as marked across tags."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.depth = 0
        # (where, text) pairs: a tag and attribute, or "" for the text of the page.
        self.found: list[tuple[str, str]] = []

    def _skipped(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        lang = (attributes.get("lang") or "").split("-")[0]
        skip = tag in NOT_TEXT or (tag != "html" and lang != "" and lang != LANGUAGE)
        if not skip and not self._skipped():
            for name in sorted(SHOWN_ATTRIBUTES & attributes.keys()):
                self.found.append((f"<{tag} {name}>", _unmarked(attributes[name] or "")))
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.found.append(("<input value>", _unmarked(attributes.get("value") or "")))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        unmarked = []
        for part in re.split(f"([{OPEN}{CLOSE}])", data):
            if part == OPEN:
                self.depth += 1
            elif part == CLOSE:
                self.depth = max(self.depth - 1, 0)
            elif self.depth == 0:
                unmarked.append(part)
        if not self._skipped():
            self.found.append(("", " ".join(unmarked)))


def _unmarked(text: str) -> str:
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    return text


def unmarked_words(page: str, known: re.Pattern[str], typed: Iterable[str] = ()) -> list[str]:
    """The texts on ``page`` with a word that went through no catalogue, is not one of the
    ``known`` database texts and not what the visitor ``typed`` (a search, shown back)."""
    parser = _TextNodes()
    parser.feed(page)
    problems = []
    for where, rest in parser.found:
        if not WORD.search(rest):
            continue
        rest = known.sub(" ", rest)
        for value in typed:
            rest = rest.replace(value, " ")
        if WORD.search(rest):
            problems.append(f"{where}{' '.join(rest.split())}")
    return problems


def test_the_marking_catalogue_marks_what_it_translates(marking_catalogue):
    """The check itself: a text through the catalogue is marked, a text written into the page is
    found, a database text and a text in another language are not."""
    # Through variables: makemessages must not take these for the site's own texts.
    log_in, month, january = "Log in", "month name", "January"
    with translation.override(LANGUAGE):
        marked = translation.gettext(log_in)
        context = translation.pgettext(month, january)
    assert marked.startswith(OPEN) and marked.endswith(CLOSE)
    assert context == f"{OPEN}January{CLOSE}"
    page = (
        f"<p>{marked}</p><p>Written in the template</p><p>Haarlem Noord</p>"
        '<p lang="nl">Geschreven door de school</p><button aria-label="Close">&times;</button>'
        "<script>var words = 'not shown';</script>"
    )
    known = re.compile(r"(?<!\w)(?:Haarlem Noord|Best)(?!\w)")
    assert unmarked_words(page + "<p>Best price</p><p>Bestand</p>", known) == [
        "Written in the template",
        "<button aria-label>Close",
        "price",
        "Bestand",
    ]
    # A mark around a link holds the link's text too.
    linked = f'<p>{OPEN}Have an account? <a href="/">Log in</a>{CLOSE}</p>'
    assert unmarked_words(linked, known) == []


def test_every_text_on_every_page_went_through_a_catalogue(pages, marking_catalogue):
    anonymous = Client()
    known = database_texts()
    problems = []
    # Besides the pages of every language test: each question of "Help me choose" (the last
    # one as a gezinsmigrant would see it), the guided catalogue with its "because" lines, an
    # empty list, the learner's advice and account pages, enrolling and the waiting list.
    questions = [f"/kies/?step={step}&who=gezinsmigrant" for step in STEPS]
    guided = "/aanbod/?guided=1&component=B1_ROUTE&schedule=EVENING&childcare=true&duo_loan=true"
    learner_pages = [
        "/mijn-advies/",
        "/accounts/profile/delete/",
        "/accounts/2fa/",
        f"/inschrijven/{pages['start_moment'].pk}/",
    ]
    anonymous_pages = [*questions, guided, "/aanbod/?q=nothing-like-this"]
    for who, paths in (
        ("anonymous", [*pages["anonymous"], *anonymous_pages]),
        ("learner", [*pages["learner"], *learner_pages]),
    ):
        client = anonymous if who == "anonymous" else pages["client"]
        for path in paths:
            address = f"/{LANGUAGE}{path}"
            response = client.get(address, follow=True)
            assert response.status_code == 200, address
            typed = [value for _name, value in parse_qsl(urlsplit(path).query) if len(value) > 3]
            for text in unmarked_words(response.content.decode(), known, typed):
                problems.append(f"{address}: {text}")
    assert not problems, "Texts that went through no catalogue:\n" + "\n".join(problems)


def test_the_not_found_pages_went_through_a_catalogue(site_pages, marking_catalogue):
    """A wrong address (Django's 404 page) and a course that is gone (the catalogue's)."""
    known = database_texts()
    problems = []
    for path in ("/en/no-such-page/", "/en/aanbod/cursus/999999/", "/en/mijn-cursussen/RW-NONE/"):
        response = Client().get(path)
        assert response.status_code in (404, 302), path
        if response.status_code == 404:
            assert "<h1" in response.content.decode(), path
            problems += [
                f"{path}: {text}" for text in unmarked_words(response.content.decode(), known)
            ]
    assert not problems, "\n".join(problems)
