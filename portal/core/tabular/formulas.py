"""Formula injection: text for a spreadsheet cell that no spreadsheet program runs as a formula.

Every text cell that leaves the portal in a spreadsheet goes through ``formula_escape``: a cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a formula by
Excel or LibreOffice (CSV/formula injection, OWASP), so it gets a leading apostrophe, the
spreadsheet programs' own "this is text" mark. ``formula_unescape`` removes it again on upload so
that a downloaded file uploads unchanged.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def formula_escape(value: str) -> str:
    """``value`` made safe for a spreadsheet cell: a leading apostrophe before text that a
    spreadsheet program would run as a formula (``= + - @``, tab, carriage return). Plain numbers
    such as ``-5`` or ``+3,5`` stay as they are."""
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def formula_unescape(value: str) -> str:
    """Undo ``formula_escape``: ``'=text`` read from a cell is the text ``=text``."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value
