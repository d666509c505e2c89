"""Text that leaves the portal in a spreadsheet never runs as a formula
(``portal.core.tabular.formulas``)."""

import pytest

from portal.core.tabular.formulas import formula_escape


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+x", "'+x"),
        ("-x", "'-x"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-5", "-5"),
        ("+3,5", "+3,5"),
        ("1250.00", "1250.00"),
        ("Taal", "Taal"),
    ],
)
def test_formula_escape(value, escaped):
    assert formula_escape(value) == escaped
