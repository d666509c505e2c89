"""Every text a person reads is translated: each catalogue holds every text of the sources,
translated as ``scripts/i18n_scope.py`` says (Dutch and English all, Arabic, Tigrinya, Turkish
and Persian every public one), with the same placeholders, and the compiled catalogue says the
same as the ``.po``. A new string without its translations fails here (and so CI)."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from i18n_scope import LANGUAGES, must_translate  # noqa: E402

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]+\}")


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def forms(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict[str, polib.POFile]:
    """The Dutch catalogue as ``makemessages`` makes it from today's sources, in a copy of the
    project (``makemessages`` writes into the ``locale`` beside the sources)."""
    copy = tmp_path_factory.mktemp("project") / "main"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", ".git", "static", "media", "__pycache__", "*.sqlite3*"
        ),
    )
    args = [sys.executable, "manage.py", "makemessages", "--no-obsolete", "--no-wrap", "-l", "nl"]
    subprocess.run(
        args,
        cwd=copy,
        check=True,
        capture_output=True,
        env={**os.environ, "DEBUG": "true"},
    )
    return {"nl": polib.pofile(str(copy / "locale" / "nl" / "LC_MESSAGES" / "django.po"))}


def test_the_catalogues_hold_every_text_of_the_sources(fresh):
    wanted = {(e.msgctxt, e.msgid) for e in fresh["nl"] if not e.obsolete}
    for language in LANGUAGES:
        held = {(e.msgctxt, e.msgid) for e in catalogue(language) if not e.obsolete}
        missing = sorted(m for _c, m in wanted - held)
        assert not missing, f"{language}: run `make messages`; not in the catalogue: {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated_as_its_scope_says(language):
    untranslated = [
        e.msgid
        for e in catalogue(language)
        if not e.obsolete and must_translate(language, e.occurrences) and not e.translated()
    ]
    assert not untranslated, (
        f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_nothing_is_fuzzy_and_placeholders_match(language):
    po = catalogue(language)
    assert not [e.msgid for e in po if "fuzzy" in e.flags and not e.obsolete]
    wrong = []
    for entry in po:
        sources = {tuple(sorted(PLACEHOLDER.findall(entry.msgid)))}
        if entry.msgid_plural:
            sources.add(tuple(sorted(PLACEHOLDER.findall(entry.msgid_plural))))
        for text in forms(entry):
            found = tuple(sorted(PLACEHOLDER.findall(text)))
            # A plural form may leave out the number (Arabic's "one" and "two" forms do).
            if (
                text
                and found not in sources
                and not (entry.msgid_plural and set(found) < set(max(sources)))
            ):
                wrong.append((entry.msgid, text))
    assert not wrong, wrong[:5]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_says_what_the_po_says(language):
    """``make messages`` compiles; a ``.po`` edited without compiling would not show."""
    with open(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue(language):
        if entry.obsolete or not entry.translated() or entry.msgid_plural:
            continue
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if compiled._catalog.get(key) != entry.msgstr:
            stale.append(entry.msgid)
    assert not stale, f"{language}: run `make messages` (compile): {stale[:5]}"
