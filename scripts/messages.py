"""``make messages``: update every catalogue from the sources, fill what can be filled without a
translator, compile.

1. ``makemessages`` for the six languages (``scripts/i18n_scope.py`` says what each must have).
2. English: the source texts are English, so an empty English translation is the text itself
   (the few English wordings that differ, such as allauth's "Sign In" as "Log in", are kept).
3. Arabic, Persian and Turkish: a text that is Django's or allauth's own (a form error, a month)
   takes Django's or allauth's translation when ours is empty. Tigrinya has none upstream.
4. ``compilemessages``. Then ``tests/i18n/test_catalogues.py`` fails on any text still missing.

Never marks anything fuzzy: Django ignores fuzzy translations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from i18n_scope import LANGUAGES  # noqa: E402

SITE = Path(polib.__file__).resolve().parent
UPSTREAM = ["django/conf/locale", "django/contrib/auth/locale", "allauth/locale"]
# Unicode CLDR's plural rules, as gettext writes them (makemessages leaves a placeholder).
PLURAL_FORMS = {
    "nl": "nplurals=2; plural=(n != 1);",
    "en": "nplurals=2; plural=(n != 1);",
    "ar": "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
    "n%100>=11 && n%100<=99 ? 4 : 5;",
    "ti": "nplurals=2; plural=(n > 1);",
    "tr": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
}


def manage(*args: str) -> None:
    subprocess.run(  # noqa: S603  our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DEBUG": "true"},
    )


def upstream(language: str) -> dict[tuple[str, str], polib.POEntry]:
    found: dict[tuple[str, str], polib.POEntry] = {}
    for base in UPSTREAM:
        path = SITE / base / language / "LC_MESSAGES" / "django.po"
        if path.exists():
            for entry in polib.pofile(str(path)):
                if entry.translated() and (entry.msgctxt or "", entry.msgid) not in found:
                    found[(entry.msgctxt or "", entry.msgid)] = entry
    return found


def fill(language: str) -> int:
    path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
    po = polib.pofile(str(path), wrapwidth=0)
    po.metadata_is_fuzzy = False
    po.metadata["Language"] = language
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = PLURAL_FORMS[language]
    plurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    known = upstream(language) if language != "en" else {}
    filled = 0
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            # msgmerge's guess from a similar text ("This field is required." got "De verwijzing
            # is afgewezen."): never a translation. Empty, so a translator (or the test) sees it.
            entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        if entry.msgid_plural and len(entry.msgstr_plural) != plurals:
            forms = [entry.msgstr_plural.get(i, "") for i in range(plurals)]
            entry.msgstr_plural = dict(enumerate(forms))
        if entry.translated():
            continue
        if language == "en":
            if entry.msgid_plural:
                entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
            else:
                entry.msgstr = entry.msgid
            filled += 1
            continue
        source = known.get((entry.msgctxt or "", entry.msgid))
        if source is not None and bool(source.msgid_plural) == bool(entry.msgid_plural):
            if entry.msgid_plural:
                entry.msgstr_plural = dict(source.msgstr_plural)
            else:
                entry.msgstr = source.msgstr
            filled += 1
    po.save()
    return filled


def main() -> None:
    args = ["makemessages", "--no-obsolete", "--no-wrap"]
    for ignored in (".venv/*", "node_modules/*", "static/*", "media/*"):
        args += ["--ignore", ignored]
    for language in LANGUAGES:
        args += ["-l", language]
    manage(*args)
    for language in LANGUAGES:
        print(f"{language}: {fill(language)} filled")
    manage("compilemessages", "--ignore", ".venv/*", "--ignore", "node_modules/*")


if __name__ == "__main__":
    main()
