"""Rules for offerings that span more than one field or model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from providers.choices import Component

if TYPE_CHECKING:
    from providers.models import Offering, Provider

# The seed's table 1: the municipality offers the brugklas to statushouders only (it pays for it
# between the brede intake and the PIP); gezinsmigranten pay their own course and get none.
STATUSHOUDERS_ONLY = frozenset({Component.BRUGKLAS})


def component_for_self_payers(component: str) -> bool:
    """Whether a component may be offered (and sold) to self-paying learners, the gezinsmigranten.

    The one place of the rule: the offering's validation and the sale (``portal.enrolments.rules``)
    ask it, so a brugklas can neither be marked for gezinsmigranten nor bought by them.
    """
    return component not in STATUSHOUDERS_ONLY


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
    elif offering.for_gezinsmigranten and not component_for_self_payers(offering.component):
        errors["for_gezinsmigranten"] = _(
            "%(component)s is only for statushouders: it cannot be offered to gezinsmigranten."
        ) % {"component": offering.get_component_display()}
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


def offering_never_published_q() -> Q:
    """The offerings that were never public, the only ones that may be deleted."""
    return Q(live=False, first_published_at__isnull=True, last_published_at__isnull=True)


def offering_delete_refusal(*, offering: Offering) -> str | None:
    """Why this offering may not be deleted, or None when it may.

    A course that was ever public is withdrawn (unpublished), never deleted: learners found it,
    enrolled on its start dates and were referred to it, and its revisions are the record of what
    was offered. Deleting it would orphan that history (start dates protect it in the database).
    """
    if offering.live or offering.first_published_at or offering.last_published_at:
        return _(
            "“%(offering)s” has been published, so it cannot be deleted: its history, start "
            "dates and enrolments refer to it. To take it out of the catalogue, unpublish it "
            "(a contract manager can do this)."
        ) % {"offering": offering}
    return None


def offerings_delete_refusals(*, offerings: Iterable[Offering]) -> list[str]:
    return [
        reason for offering in offerings if (reason := offering_delete_refusal(offering=offering))
    ]


# Offering text a provider may write in other languages (``OfferingTranslation``), besides Dutch.
OFFERING_TEXT_FIELDS = ("title", "summary", "description", "price_includes_other")
SOURCE_LANGUAGE = "nl"


@dataclass(frozen=True)
class ProviderText:
    """A text a provider wrote, and the language it is in (``lang`` on its element when that
    is not the page's language)."""

    text: str
    language: str

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)


@dataclass(frozen=True)
class OfferingText:
    """An offering's text for one reader's language, field by field."""

    language: str
    title: ProviderText
    summary: ProviderText
    description: ProviderText
    price_includes_other: ProviderText

    @property
    def fell_back(self) -> bool:
        """Whether some shown text is in Dutch because the provider gave none in ``language``
        (then the page says the school wrote it in Dutch)."""
        return any(
            text and text.language != self.language
            for text in (self.title, self.summary, self.description, self.price_includes_other)
        )


def _language_base(language: str | None) -> str:
    return (language or SOURCE_LANGUAGE).split("-")[0].lower()


def offering_text(offering: Offering, language: str | None = None) -> OfferingText:
    """The offering's text in ``language`` (default: the active one), each field from the
    provider's translation into it when that field is filled, else the Dutch field.

    Reads ``offering.translations.all()``: prefetch them for a list
    (``providers.selectors.offerings_translations_load``).
    """
    language = _language_base(language or get_language())
    translation = None
    if language != SOURCE_LANGUAGE:
        translation = next((t for t in offering.translations.all() if t.language == language), None)
    texts = {}
    for name in OFFERING_TEXT_FIELDS:
        own = getattr(translation, name, "") if translation is not None else ""
        if own and own.strip():
            texts[name] = ProviderText(own, language)
        else:
            texts[name] = ProviderText(getattr(offering, name) or "", SOURCE_LANGUAGE)
    return OfferingText(language=language, **texts)


def provider_cancellation_terms(*, provider: Provider, language: str | None = None) -> ProviderText:
    """The provider's cancellation terms in ``language`` (default: the active one), from its
    translation into it when that is filled, else the Dutch terms; with the language they are in.

    An enrolment copies this (``portal.enrolments.enrolling``), text and language, so that the
    learner keeps the terms they agreed to and their page marks Dutch terms as Dutch.
    Reads ``provider.translations.all()``: prefetch them for a list.
    """
    language = _language_base(language or get_language())
    if language != SOURCE_LANGUAGE:
        for translation in provider.translations.all():
            if translation.language == language and translation.cancellation_terms.strip():
                return ProviderText(translation.cancellation_terms, language)
    return ProviderText(provider.cancellation_terms or "", SOURCE_LANGUAGE)
