"""The provider's catalogue as an import compares with it, read in a fixed number of queries.

Promises: ``catalogue_snapshot_load`` returns the provider's referenced offerings as their latest
revision has them (which may await approval), their start moments, the provider's locations and
all languages, optionally locked until the transaction ends. ``unreferenced_counts`` says what an
upload cannot reach. Writes nothing.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from wagtail.models import Revision, WorkflowState

from providers.models import (
    Language,
    Location,
    Offering,
    OfferingTranslation,
    Provider,
    StartMoment,
)
from providers.offerings import OFFERING_TEXT_FIELDS
from providers.spreadsheets import Column, Kind

# Kept from the row when an offering is rebuilt from its latest revision (as Wagtail's
# ``with_content_json`` does).
_KEPT_FROM_ROW = frozenset(
    {"id", "provider", "latest_revision", "live", "has_unpublished_changes", "first_published_at"}
)


@dataclass
class CurrentOffering:
    """An offering of the provider as its latest revision has it (which may await approval)."""

    offering: Offering
    latest: Offering
    language_codes: tuple[str, ...]
    location_ids: tuple[int, ...]
    workflow_status: str | None = None
    """The status of its active workflow (in progress, or rejected and awaiting changes)."""
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Its text in other languages (language → field → text), as the latest revision has it."""

    @property
    def workflow_in_progress(self) -> bool:
        return self.workflow_status == WorkflowState.STATUS_IN_PROGRESS

    def values_in(self, columns: Sequence[Column]) -> list[object]:
        return [
            offering_value(self.latest, column, self.language_codes, self.translations)
            for column in columns
        ]


@dataclass
class CatalogueSnapshot:
    """Everything the import compares with, read in a fixed number of queries."""

    provider: Provider
    offerings: dict[str, CurrentOffering]
    start_moments: dict[tuple[int, str], StartMoment]
    locations: dict[int, Location]
    locations_by_name: dict[str, list[Location]]
    location_names: dict[int, str]
    languages: dict[str, Language]

    def start_moments_of(self, offering_id: int) -> list[StartMoment]:
        return [m for m in self.start_moments.values() if m.offering_id == offering_id]


def catalogue_snapshot_load(*, provider: Provider, lock: bool = False) -> CatalogueSnapshot:
    """The provider's referenced offerings (at their latest revision) and start moments, its
    locations and all languages. With ``lock``, the offerings and start moments stay locked until
    the transaction ends (PostgreSQL; SQLite serialises writers anyway)."""
    offerings_qs = Offering.objects.filter(provider=provider).exclude(reference="")
    moments_qs = StartMoment.objects.filter(offering__provider=provider).exclude(reference="")
    if lock:
        offerings_qs = offerings_qs.select_for_update(of=("self",))
        moments_qs = moments_qs.select_for_update(of=("self",))
    offerings = list(offerings_qs)
    ids = [offering.pk for offering in offerings]
    languages = {language.code: language for language in Language.objects.all()}
    code_of = {language.pk: language.code for language in languages.values()}
    live_languages: dict[int, list[str]] = defaultdict(list)
    for offering_id, language_id in Offering.support_languages.through.objects.filter(
        offering_id__in=ids
    ).values_list("offering_id", "language_id"):
        live_languages[offering_id].append(code_of[language_id])
    live_locations: dict[int, list[int]] = defaultdict(list)
    for offering_id, location_id in Offering.locations.through.objects.filter(
        offering_id__in=ids
    ).values_list("offering_id", "location_id"):
        live_locations[offering_id].append(location_id)
    live_translations: dict[int, dict[str, dict[str, str]]] = defaultdict(dict)
    for translation in OfferingTranslation.objects.filter(offering_id__in=ids):
        live_translations[translation.offering_id][translation.language] = _texts(translation)
    contents = dict(
        Revision.objects.filter(
            pk__in=[o.latest_revision_id for o in offerings if o.has_unpublished_changes]
        ).values_list("pk", "content")
    )
    workflow_status = dict(
        WorkflowState.objects.active()
        .filter(
            base_content_type=ContentType.objects.get_for_model(Offering),
            object_id__in=[str(pk) for pk in ids],
        )
        .values_list("object_id", "status")
    )
    current: dict[str, CurrentOffering] = {}
    for offering in offerings:
        offering.provider = provider
        content = contents.get(offering.latest_revision_id)
        if content is not None:
            latest = _offering_from_content(offering, content)
            language_codes = [code_of[pk] for pk in content.get("support_languages", [])]
            location_ids = list(content.get("locations", []))
            translations = {
                item["language"]: _texts(item) for item in content.get("translations", [])
            }
        else:
            latest = offering
            language_codes = live_languages[offering.pk]
            location_ids = live_locations[offering.pk]
            translations = live_translations[offering.pk]
        current[offering.reference] = CurrentOffering(
            offering=offering,
            latest=latest,
            language_codes=tuple(sorted(language_codes)),
            location_ids=tuple(sorted(location_ids)),
            workflow_status=workflow_status.get(str(offering.pk)),
            translations=translations,
        )
    start_moments = {(m.offering_id, m.reference): m for m in moments_qs}
    own_locations = list(Location.objects.filter(provider=provider))
    by_name: dict[str, list[Location]] = defaultdict(list)
    for location in own_locations:
        by_name[location.name.strip().casefold()].append(location)
    names = {location.pk: location.name for location in own_locations}
    other_ids = {i for o in current.values() for i in o.location_ids} - names.keys()
    names.update(Location.objects.filter(pk__in=other_ids).values_list("pk", "name"))
    return CatalogueSnapshot(
        provider=provider,
        offerings=current,
        start_moments=start_moments,
        locations={location.pk: location for location in own_locations},
        locations_by_name=dict(by_name),
        location_names=names,
        languages=languages,
    )


def _offering_from_content(offering: Offering, content: dict) -> Offering:
    """The offering as its revision ``content`` has it, without a query per foreign key (what
    ``offering.with_content_json(content)`` returns, minus its look-ups)."""
    latest = copy.copy(offering)
    for model_field in Offering._meta.concrete_fields:
        if model_field.name in _KEPT_FROM_ROW or model_field.name not in content:
            continue
        value = content[model_field.name]
        if model_field.is_relation:
            setattr(latest, model_field.attname, value)
        else:
            setattr(latest, model_field.attname, model_field.to_python(value))
    return latest


def _texts(translation: OfferingTranslation | dict) -> dict[str, str]:
    """A translation's fields (from a row or from revision content) as a plain dict."""
    if isinstance(translation, dict):
        return {name: translation.get(name) or "" for name in OFFERING_TEXT_FIELDS}
    return {name: getattr(translation, name) or "" for name in OFFERING_TEXT_FIELDS}


def offering_value(
    offering: Offering,
    column: Column,
    language_codes: Sequence[str],
    translations: dict[str, dict[str, str]] | None = None,
) -> object:
    if column.language:
        return (translations or {}).get(column.language, {}).get(column.field, "")
    if column.kind == Kind.LANGUAGES:
        return tuple(language_codes)
    return getattr(offering, column.field)


def unreferenced_counts(*, provider: Provider) -> dict[str, int]:
    """How many of the provider's offerings and start moments have no own reference, so that the
    export leaves them out and an upload cannot change them."""
    return {
        "offerings": Offering.objects.filter(provider=provider, reference="").count(),
        "start_moments": StartMoment.objects.filter(
            offering__provider=provider, offering__reference__gt="", reference=""
        ).count(),
    }
