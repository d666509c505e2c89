"""Dates, numbers and prices in each language's conventions; prices always in euros."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from portal.core.money import euros

DAY = datetime.date(2026, 3, 2)


@pytest.mark.parametrize(
    ("language", "price", "date"),
    [
        ("nl", "€ 1.234,50", "2 maart 2026"),
        ("en", "€\u00a01,234.50", "2 March 2026"),
        ("tr", "€\u00a01.234,50", "2 Mart 2026"),
        ("ar", "€\u00a01234,50", "2 مارس 2026"),
        ("fa", "€\u00a01234.50", "2 مارس 2026"),
        ("ti", "€\u00a01,234.50", "2 መጋቢት 2026"),
    ],
)
def test_prices_and_dates_follow_the_language(language, price, date):
    with translation.override(language):
        assert euros(123_450) == price
        assert Template('{{ day|date:"j F Y" }}').render(Context({"day": DAY})) == date


def test_whole_euros_and_negative_amounts():
    with translation.override("nl"):
        assert euros(780_000) == "€ 7.800,-"
        assert euros(-5) == "€ -0,05"
    with translation.override("en"):
        assert euros(780_000) == "€\u00a07,800"
        assert euros(-123_456) == "€\u00a0-1,234.56"
    assert euros(None) == ""
