"""Row ids from outside: ASCII digits within the database's 64-bit range, or not an id."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils import translation

from portal.core.inputs import ID_MAX, IdField


def url_name(path: str) -> str | None:
    """The name of the URL pattern ``path`` resolves to (None: nothing, not even Wagtail's)."""
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


@pytest.mark.parametrize(("raw", "number"), [("1", 1), (" 42 ", 42), (str(ID_MAX), ID_MAX)])
def test_an_id_is_ascii_digits_up_to_the_largest_64_bit_integer(raw, number):
    assert IdField().clean(raw) == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("²", "invalid"),
        ("١٢", "invalid"),
        ("1_000", "invalid"),
        ("1.0", "invalid"),
        ("1\x00", "invalid"),
        ("-1", "invalid"),
        ("0", "min_value"),
        (str(ID_MAX + 1), "max_value"),
        ("9" * 5000, "max_value"),
    ],
)
def test_anything_else_is_refused_with_the_reason(raw, code):
    with pytest.raises(ValidationError) as refused:
        IdField().clean(raw)
    assert [error.code for error in refused.value.error_list] == [code]


@pytest.mark.parametrize("part", ["0", "007", str(ID_MAX + 1), "9" * 30])
def test_an_id_in_a_url_path_that_cannot_be_a_row_does_not_match(part):
    with translation.override("en"):
        assert resolve(f"/en/inschrijven/{ID_MAX}/").kwargs == {"start_moment_id": ID_MAX}
        assert url_name(f"/en/inschrijven/{part}/") != "enrolment_start"
