"""Amounts typed in euros as people type them, read as whole cents (portal/core/money.py), and the
form field that stores them in cents (portal/core/forms.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal.core.forms import EurosField
from portal.core.money import euros, euros_input_text, euros_parse

CENTS = st.integers(min_value=0, max_value=2_147_483_647)


def _dutch(text: str) -> int | None:
    return euros_parse(text, grouping=".")


def _english(text: str) -> int | None:
    return euros_parse(text, grouping=",")


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("7800", 780000),
        ("7.800,00", 780000),
        ("7800,00", 780000),
        ("7800.5", 780050),
        ("7800,5", 780050),
        ("€ 7.800", 780000),
        ("€ 7.800,-", 780000),
        ("€\u00a07.800,50", 780050),
        ("7,800.00", 780000),  # English notation in a Dutch admin: two separators are clear
        ("1.250.000", 125_000_000),
        ("7800 EUR", 780000),
        ("0", 0),
        ("0,01", 1),
        ("", None),
        ("  ", None),
    ],
)
def test_dutch_admins_type_euros_in_dutch_and_english_notation(text, cents):
    assert _dutch(text) == cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("7,800.00", 780000),
        ("7800.5", 780050),
        ("€ 7,800", 780000),
        ("€\u00a07,800.50", 780050),
        ("7.800,00", 780000),
        ("€ 7.800,-", 780000),
    ],
)
def test_english_admins_type_euros_in_english_and_dutch_notation(text, cents):
    assert _english(text) == cents


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # One separator before three digits groups thousands only in the language that writes
        # it so; elsewhere it would be three decimals, and an amount has at most two.
        ("7.800", _english),
        ("7,800", _dutch),
        ("7.875", lambda text: euros_parse(text, grouping=None)),  # a spreadsheet's number cell
        ("7.8.00", _dutch),
        ("1.2345", _dutch),
        ("12.50.000", _dutch),
        ("7.800,00,00", _dutch),
        ("7,,8", _dutch),
        ("7800.", _dutch),
        (",50", _dutch),
        ("zeventig", _dutch),
        ("1e3", _dutch),
        ("7 800 euro's", _dutch),
        ("9" * 50, _dutch),
    ],
)
def test_anything_else_is_refused_with_the_reason(text, read):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        read(text)
    assert refused.value.code == "invalid"
    assert "at most two decimals" in refused.value.messages[0]


@pytest.mark.parametrize("text", ["-5", "\u22127.800,00", "- 12"])
def test_a_negative_amount_is_refused_as_negative(text):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        _dutch(text)
    assert refused.value.code == "negative"
    assert refused.value.messages == ["The amount cannot be negative."]


@given(cents=CENTS)
@example(cents=0)
@example(cents=1)
@example(cents=780000)
@example(cents=123_456_789)
@settings(max_examples=300, derandomize=True)
def test_what_the_admin_shows_reads_back_as_the_same_cents_in_each_language(cents):
    for language, grouping in (("nl", "."), ("en", ","), ("tr", "."), ("ar", ".")):
        with translation.override(language):
            assert euros_parse(euros_input_text(cents), grouping=grouping) == cents
            assert euros_parse(euros(cents), grouping=grouping) == cents


@given(
    euros_part=st.integers(min_value=0, max_value=21_000_000),
    decimals=st.sampled_from(["", "0", "5", "00", "05", "50", "99"]),
    decimal=st.sampled_from([".", ","]),
    grouped=st.booleans(),
    sign=st.sampled_from(["", "€", "€ ", "€\u00a0"]),
)
@settings(max_examples=300, derandomize=True)
def test_any_amount_written_with_two_decimals_at_most_reads_as_its_cents(
    euros_part, decimals, decimal, grouped, sign
):
    thousands = "," if decimal == "." else "."
    whole = f"{euros_part:,}".replace(",", thousands) if grouped else str(euros_part)
    text = f"{sign}{whole}{decimal}{decimals}" if decimals else f"{sign}{whole}"
    cents = euros_part * 100 + int(decimals.ljust(2, "0") or "0")
    assert euros_parse(text, grouping=thousands) == cents


@given(text=st.text(max_size=30))
@settings(max_examples=500, derandomize=True)
def test_any_text_is_cents_none_or_a_refusal_never_a_crash(text):
    try:
        cents = _dutch(text)
    except ValidationError as refused:
        assert refused.code in {"invalid", "negative"}
    else:
        assert cents is None or (isinstance(cents, int) and cents >= 0)


def test_the_form_field_cleans_euros_to_cents_and_shows_cents_as_euros():
    field = EurosField(required=False, min_value=0, max_value=2_147_483_647)
    with translation.override("nl"):
        assert field.clean("€ 7.800") == 780000
        assert field.prepare_value(780000) == "7.800,00"
        assert field.clean("") is None
    with translation.override("en"):
        assert field.clean("7800.5") == 780050
        assert field.prepare_value(780050) == "7,800.50"
        assert not field.has_changed(780050, "7,800.50")
        assert field.has_changed(780050, "7,800.00")


def test_the_form_field_refuses_more_than_the_column_holds_in_euros():
    field = EurosField(max_value=2_147_483_647)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        field.clean("21474837")
    assert refused.value.messages == ["The amount can be at most €\u00a021,474,836.47."]
