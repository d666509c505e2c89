"""One spreadsheet cell's text as the typed value of its column, or a ``ValidationError``.

Promises: ``cell_parse`` accepts the spellings people type in Dutch and English spreadsheets
(``ja``/``nee``, ``1250,00`` and ``€ 1.250,00``, ``2027-01-31`` and ``31-01-2027``, language codes
separated by ``;`` or ``,``, location names regardless of case) and refuses anything else with a
reason in the active language. Prices come back as whole cents, read by
``portal.core.money.euros_parse`` as the admin's money fields read them. Whole numbers and dates
are read by ``portal.core.tabular.cells``, as the cells of other uploads are.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.core.money import euros_parse
from portal.core.tabular.cells import date_parse, integer_parse
from providers.imports.catalogue import CatalogueSnapshot
from providers.spreadsheets import FALSE_WORDS, LANGUAGE_SEPARATOR, TRUE_WORDS, Column, Kind


def cell_parse(column: Column, text: str, snapshot: CatalogueSnapshot) -> object:
    text = text.strip()
    match column.kind:
        case Kind.REFERENCE | Kind.TEXT:
            return text
        case Kind.CHOICE:
            if not text:
                return ""
            code = text.upper()
            if code not in column.choice_values:
                raise ValidationError(
                    _("Unknown value. Use one of these codes: %(codes)s.")
                    % {"codes": ", ".join(column.choices.values)}
                )
            return code
        case Kind.BOOLEAN:
            word = text.casefold()
            if not word:
                return column.default
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValidationError(_("Fill in ja or nee."))
        case Kind.INTEGER:
            return integer_parse(text, minimum=column.minimum)
        case Kind.PRICE:
            # Number cells arrive as 7.875 whatever the language: a lone group of three digits
            # is refused, never read as thousands (``portal.core.money.euros_parse``).
            return euros_parse(text, grouping=None)
        case Kind.DATE:
            return date_parse(text)
        case Kind.LANGUAGES:
            return _parse_languages(text, snapshot)
        case Kind.LOCATION:
            return _parse_location(text, snapshot)
    raise AssertionError(column.kind)  # pragma: no cover


def _parse_languages(text: str, snapshot: CatalogueSnapshot) -> tuple[str, ...]:
    codes = [part.strip().lower() for part in re.split(r"[;,]", text) if part.strip()]
    unknown = [code for code in codes if code not in snapshot.languages]
    if unknown:
        raise ValidationError(
            _(
                "Unknown language code: %(codes)s. Use two-letter codes (ISO 639-1) separated by "
                "%(separator)s, such as ar%(separator)sen."
            )
            % {"codes": ", ".join(unknown), "separator": LANGUAGE_SEPARATOR}
        )
    return tuple(sorted(set(codes)))


def _parse_location(text: str, snapshot: CatalogueSnapshot) -> int | None:
    if not text:
        return None
    found = snapshot.locations_by_name.get(text.casefold(), [])
    if len(found) > 1:
        raise ValidationError(
            _(
                "%(provider)s has more than one location with this name. Give them different "
                "names in the admin first."
            )
            % {"provider": snapshot.provider.name}
        )
    if not found:
        names = sorted(location.name for location in snapshot.locations.values())
        raise ValidationError(
            _(
                "This is not a location of %(provider)s. Use one of: %(names)s; or leave it "
                "empty for an online course."
            )
            % {"provider": snapshot.provider.name, "names": ", ".join(names) or "—"}
        )
    return found[0].pk
