"""Every public and learner page in each of the six languages: status 200, ``lang`` and ``dir``
right, and no interface text left in another language (no Dutch sentence of the catalogue on a
page that is not Dutch, no English one on a page in Arabic, Tigrinya, Turkish or Persian)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import polib
import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from i18n_scope import LANGUAGES, is_public  # noqa: E402

pytestmark = pytest.mark.django_db
RIGHT_TO_LEFT = {"ar", "fa"}
PLACEHOLDER = re.compile(r"%|\{|<|\\n")


def _catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def _sentences(language: str, *, source: str) -> set[str]:
    """The interface sentences (three words or more, no placeholders) of ``source`` ("nl": the
    Dutch translations; "en": the English source texts) that read differently in ``language``."""
    own = {(e.msgctxt, e.msgid): e.msgstr for e in _catalogue(language) if not e.msgid_plural}
    found = set()
    for entry in _catalogue("nl"):
        if entry.obsolete or entry.msgid_plural or not is_public(entry.occurrences):
            continue
        text = entry.msgstr if source == "nl" else entry.msgid
        if len(text.split()) < 3 or PLACEHOLDER.search(text):
            continue
        if own.get((entry.msgctxt, entry.msgid), entry.msgid) != text:
            found.add(text)
    return found


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(page))


def in_language(language: str, path: str) -> str:
    return path if language == "nl" else f"/{language}{path}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_chosen_language(pages, language):
    dutch = _sentences(language, source="nl") if language != "nl" else set()
    english = _sentences(language, source="en") if language not in ("nl", "en") else set()
    anonymous = Client()
    problems = []
    for who, paths in (("anonymous", pages["anonymous"]), ("learner", pages["learner"])):
        client = anonymous if who == "anonymous" else pages["client"]
        for path in paths:
            problems += page_problems(
                client, in_language(language, path), language, dutch | english, follow=True
            )
    assert not problems, "\n".join(problems)


def page_problems(
    client: Client, address: str, language: str, foreign: set[str], *, follow: bool = False
) -> list[str]:
    """What is wrong with the page at ``address`` in ``language``: not 200, ``lang`` or ``dir``
    wrong, or one of the ``foreign`` sentences (another language's) on it."""
    response = client.get(address, follow=follow)
    if response.status_code != 200:
        return [f"{address}: {response.status_code}"]
    problems = []
    page = response.content.decode()
    opening = re.search(r"<html[^>]*>", page).group(0)
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    if f'lang="{language}"' not in opening or f'dir="{direction}"' not in opening:
        problems.append(f"{address}: {opening}")
    left = sorted(s for s in foreign if s in visible_text(page))
    if left:
        problems.append(f"{address}: not in {language}: {left[:3]}")
    return problems
