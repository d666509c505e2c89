"""``{% load advice_tags %}``: whether a learner's account holds advice from their municipality
(the account pages show "Advice from your municipality" only then; one query)."""

from __future__ import annotations

from django import template

from contracts import advising

register = template.Library()


@register.filter
def has_advice(user) -> bool:
    return advising.account_has_advice(user=user)
