"""Numbers given to management commands, checked by argparse before the command runs.

A command run by cron must not take a nonsensical value, print a complaint and exit 0: cron (and
whoever reads its mail) would take that for success. ``whole_number`` makes an argparse ``type=``
that refuses such a value, so that argparse stops with the argument's name and the reason: exit
status 2 on the command line, a ``CommandError`` under ``call_command``. It reads ASCII digits only
(``int()`` would take "1_000", "²" or "١٢") and can keep within a bound, so that a typing error
never reaches ``timedelta`` as an ``OverflowError``. Rules between arguments (one needs another)
are the command's: it raises ``CommandError`` (exit status 1) before doing anything.

Bottom layer: imports none of our apps.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def whole_number(*, minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=``: a whole number from ``minimum`` to ``maximum`` (if given), or a
    clear refusal."""

    def parse(text: str) -> int:
        text = text.strip()
        if not _WHOLE_NUMBER.fullmatch(text):
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number.")
        value = int(text)
        if value < minimum:
            if minimum == 0:
                raise argparse.ArgumentTypeError(f"cannot be negative (got {value}).")
            raise argparse.ArgumentTypeError(f"must be at least {minimum:,} (got {value}).")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum:,} (got {value}).")
        return value

    return parse
