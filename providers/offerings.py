"""Rules for offerings that span more than one field or model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from providers.choices import Component

if TYPE_CHECKING:
    from providers.models import Offering


def offering_validate(*, offering: Offering) -> None:
    """Raise a ``ValidationError`` keyed by field for every rule the offering breaks."""
    errors: dict[str, str] = {}
    if offering.cefr_from and offering.cefr_to and offering.cefr_to < offering.cefr_from:
        errors["cefr_to"] = _("The level aimed for cannot be below the starting level.")
    if offering.education_level and offering.component != Component.ONDERWIJSROUTE:
        errors["education_level"] = _("Only an education route prepares for a school level.")
    if offering.component == Component.ONDERWIJSROUTE and not offering.education_level:
        errors["education_level"] = _("Say which level of education this route prepares for.")
    if not (offering.for_statushouders or offering.for_gezinsmigranten):
        errors["for_gezinsmigranten"] = _("Choose at least one target group.")
    if offering.pass_rate_percent is not None and (
        offering.pass_rate_year is None or offering.pass_rate_sample_size is None
    ):
        errors["pass_rate_year"] = _(
            "A pass rate needs the year and the number of learners it is based on."
        )
    if offering.duo_loan_eligible and offering.provider_id:
        provider = offering.provider
        if not provider.keurmerk_is_valid:
            errors["duo_loan_eligible"] = _(
                "A DUO loan is only possible at a provider with a valid Keurmerk Inburgeren; "
                "%(provider)s has none that is valid today."
            ) % {"provider": provider.name}
    if errors:
        raise ValidationError(errors)
