"""Numbers given to management commands: ASCII digits within bounds, or argparse's refusal with
the reason (``portal.core.command_arguments``)."""

from __future__ import annotations

import argparse
import re

import pytest

from portal.core.command_arguments import whole_number


@pytest.mark.parametrize(
    ("text", "value"), [("0", 0), ("7", 7), (" 12 ", 12), ("-0", 0), ("5000", 5000)]
)
def test_a_whole_number_within_bounds_is_read(text, value):
    assert whole_number(minimum=0, maximum=5000)(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-1", "cannot be negative (got -1)."),
        ("5001", "must be at most 5,000 (got 5001)."),
        ("abc", "'abc' is not a whole number."),
        ("1_000", "'1_000' is not a whole number."),
        ("١٢", "'١٢' is not a whole number."),
        ("2.5", "'2.5' is not a whole number."),
        ("", "'' is not a whole number."),
    ],
)
def test_anything_else_is_refused_with_the_reason(text, reason):
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape(reason)):
        whole_number(minimum=0, maximum=5000)(text)


def test_a_minimum_above_zero_is_named():
    with pytest.raises(argparse.ArgumentTypeError, match=re.escape("must be at least 1 (got 0)")):
        whole_number(minimum=1)("0")
