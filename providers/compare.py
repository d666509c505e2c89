"""Comparing 2 to 4 offerings side by side: which ids are asked for, and what is wrong with them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.core.inputs import IdField
from providers.models import Offering
from providers.selectors import offerings_translations_load

MIN_OFFERINGS = 2
MAX_OFFERINGS = 4


@dataclass
class Comparison:
    offerings: list[Offering] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    too_many: bool = False

    @property
    def can_compare(self) -> bool:
        return len(self.offerings) >= MIN_OFFERINGS and not self.too_many


def parse_ids(raw_values: Iterable[str]) -> tuple[list[int], list[str]]:
    """Ids from ``?ids=3&ids=7`` or ``?ids=3,7`` in order, without duplicates, and the bad ones.

    An id is what ``portal.core.inputs.IdField`` takes (ASCII digits within the database's
    range), so "²" or a 30-digit number is named as bad instead of reaching the query.
    """
    field = IdField()
    ids: dict[int, None] = {}  # ordered and without duplicates
    bad: list[str] = []
    for raw in raw_values:
        for part in raw.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                ids[field.clean(part)] = None
            except ValidationError:
                bad.append(part)
    return list(ids), bad


def offerings_compare(*, raw_ids: Iterable[str], queryset: QuerySet[Offering]) -> Comparison:
    ids, bad = parse_ids(raw_ids)
    comparison = Comparison()
    if bad:
        comparison.errors.append(
            _("These are not offering numbers: %(values)s.")
            % {"values": ", ".join(Truncator(value).chars(20) for value in bad[:10])}
        )
    if len(ids) > MAX_OFFERINGS:
        comparison.too_many = True
        comparison.errors.append(
            _(
                "You can compare at most %(max)d offerings at once; you chose %(count)d. "
                "Remove some and try again."
            )
            % {"max": MAX_OFFERINGS, "count": len(ids)}
        )
        return comparison
    found = {offering.pk: offering for offering in queryset.filter(pk__in=ids)}
    offerings_translations_load(list(found.values()))
    missing = [pk for pk in ids if pk not in found]
    if missing:
        comparison.errors.append(
            ngettext(
                "Offering %(ids)s does not exist or is no longer published.",
                "Offerings %(ids)s do not exist or are no longer published.",
                len(missing),
            )
            % {"ids": ", ".join(str(pk) for pk in missing)}
        )
    comparison.offerings = [found[pk] for pk in ids if pk in found]
    if len(comparison.offerings) < MIN_OFFERINGS:
        comparison.errors.append(
            _("Choose at least %(min)d offerings to compare.") % {"min": MIN_OFFERINGS}
        )
    return comparison


class CompareListFull(Exception):
    """The compare list already holds ``MAX_OFFERINGS`` offerings."""


def compare_list_add(*, offering_ids: list[int], offering_id: int) -> list[int]:
    """The list with ``offering_id`` added at the end (once); at most ``MAX_OFFERINGS``."""
    if offering_id in offering_ids:
        return list(offering_ids)
    if len(offering_ids) >= MAX_OFFERINGS:
        raise CompareListFull
    return [*offering_ids, offering_id]


def compare_list_remove(*, offering_ids: list[int], offering_id: int) -> list[int]:
    return [pk for pk in offering_ids if pk != offering_id]
