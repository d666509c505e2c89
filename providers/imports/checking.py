"""Checking a ``Sheet`` row by row and comparing it with the catalogue: ``import_check``.

Promises: every problem in the file is reported as a ``RowError`` (row, column code, cell text,
reason), found by the admin forms' rules (``full_clean`` of each offering and start moment) plus
the checks across rows; a file without errors gets a plan saying per offering and start moment
whether it is new, changed (old → new per field) or unchanged, against the latest revision of each
offering. Writes nothing.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _

from portal.core.tabular.reading import RowError, RowErrors, Sheet, SheetRow
from providers.imports.catalogue import (
    CatalogueSnapshot,
    CurrentOffering,
    catalogue_snapshot_load,
    offering_value,
)
from providers.imports.cells import cell_parse
from providers.models import Offering, Provider, StartMoment
from providers.offerings import OFFERING_TEXT_FIELDS
from providers.spreadsheets import (
    COLUMN_CODES,
    OFFERING_COLUMNS,
    START_MOMENT_COLUMNS,
    TRANSLATION_COLUMNS,
    Column,
    Kind,
    cell_text,
)

if TYPE_CHECKING:
    from portal.accounts.models import User


# Fields that ``full_clean`` would check with one query each; the import resolves them itself
# (the provider is the one chosen, locations are looked up among the provider's own).
_OFFERING_CLEAN_EXCLUDE = ("provider", "latest_revision", "live_revision", "locked_by")
_START_MOMENT_CLEAN_EXCLUDE = ("offering", "location")


@dataclass
class Change:
    column: str
    old: str
    new: str


@dataclass
class StartMomentPlan:
    row: int
    reference: str
    instance: StartMoment
    status: str
    changes: list[Change]


@dataclass
class OfferingPlan:
    row: int
    reference: str
    instance: Offering
    current: CurrentOffering | None
    language_codes: tuple[str, ...]
    location_ids: tuple[int, ...]
    status: str
    changes: list[Change]
    start_moments: list[StartMomentPlan] = field(default_factory=list)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    """Its text in other languages after the upload (language → field → text)."""


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass
class ImportCheck:
    """The outcome of ``import_check``: ``errors`` (sorted by row), or else the ``plan`` of what an
    apply would do and its JSON ``summary`` for the preview."""

    errors: list[RowError]
    plan: list[OfferingPlan]
    snapshot: CatalogueSnapshot
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> dict:
        counts = {
            "offerings": dict.fromkeys((NEW, CHANGED, UNCHANGED), 0),
            "start_moments": dict.fromkeys((NEW, CHANGED, UNCHANGED), 0),
        }
        offerings = []
        for plan in self.plan:
            counts["offerings"][plan.status] += 1
            moments = []
            for moment in plan.start_moments:
                counts["start_moments"][moment.status] += 1
                moments.append(
                    {
                        "reference": moment.reference,
                        "starts_on": moment.instance.starts_on.isoformat(),
                        "status": moment.status,
                        "changes": [[c.column, c.old, c.new] for c in moment.changes],
                    }
                )
            offerings.append(
                {
                    "reference": plan.reference,
                    "title": plan.instance.title,
                    "status": plan.status,
                    "changes": [[c.column, c.old, c.new] for c in plan.changes],
                    "start_moments": moments,
                }
            )
        return {"counts": counts, "offerings": offerings, "ignored_columns": self.ignored_columns}


def import_check(
    *,
    provider: Provider,
    user: User,
    sheet: Sheet,
    lock: bool = False,
) -> ImportCheck:
    """Check every row of ``sheet`` for ``provider`` and compare the result with the catalogue.

    Promises: every problem in the file is in ``errors`` (row, column code, cell text, reason in
    the active language), found by the same rules as the admin forms plus the checks across rows;
    with no errors, ``plan`` says per offering and start moment whether it is new, changed (old →
    new per field) or unchanged, against the latest revision of each offering. Writes nothing.
    """
    snapshot = catalogue_snapshot_load(provider=provider, lock=lock)
    errors = RowErrors(sheet.errors, columns=COLUMN_CODES)
    groups: dict[str, list[SheetRow]] = {}
    for row in sheet.rows:
        reference = row.cells.get("offering_reference", "").strip()
        if not reference:
            errors.add(
                row.number,
                "offering_reference",
                "",
                _("Fill in your own reference for the offering; rows are matched on it."),
            )
            continue
        groups.setdefault(reference, []).append(row)
    plan = [
        _check_offering(reference, rows, snapshot, user, errors)
        for reference, rows in groups.items()
    ]
    return ImportCheck(
        errors=errors.sorted(),
        plan=plan,
        snapshot=snapshot,
        ignored_columns=sheet.ignored_columns,
    )


def _parse_cells(
    row: SheetRow, columns: Sequence[Column], snapshot: CatalogueSnapshot, errors: RowErrors
) -> dict[str, object]:
    """The row's cells in ``columns`` as typed values; unreadable cells become errors and are
    left out."""
    values: dict[str, object] = {}
    for column in columns:
        text = row.cells.get(column.code, "")
        try:
            values[column.code] = cell_parse(column, text, snapshot)
        except ValidationError as error:
            errors.add(row.number, column.code, text, error.messages[0])
    return values


def _has_start_moment(row: SheetRow) -> bool:
    return any(row.cells.get(column.code, "") for column in START_MOMENT_COLUMNS)


def _check_offering(
    reference: str,
    rows: list[SheetRow],
    snapshot: CatalogueSnapshot,
    user: User,
    errors: RowErrors,
) -> OfferingPlan:
    first_row = rows[0]
    first = _parse_cells(first_row, OFFERING_COLUMNS, snapshot, errors)
    # The same offering described differently on two rows: which one is meant? Cells written
    # the same way are the same; others are compared by value (1250 and 1.250,00 are equal).
    for row in rows[1:]:
        for column in OFFERING_COLUMNS:
            code = column.code
            text = row.cells.get(code, "")
            if text == first_row.cells.get(code, "") or errors.has(row.number, code):
                continue
            try:
                value = cell_parse(column, text, snapshot)
            except ValidationError as error:
                errors.add(row.number, code, text, error.messages[0])
                continue
            if code in first and value != first[code]:
                errors.add(
                    row.number,
                    code,
                    text,
                    _(
                        "Differs from row %(row)d, which describes the same offering "
                        "(%(reference)s). Repeat the offering's columns unchanged on each of its "
                        "rows."
                    )
                    % {"row": first_row.number, "reference": reference},
                )

    current = snapshot.offerings.get(reference)
    instance = copy.copy(current.latest) if current else Offering(provider=snapshot.provider)
    instance.provider = snapshot.provider
    instance.reference = reference
    for column in OFFERING_COLUMNS:
        if column.language:
            continue
        if column.kind not in (Kind.LANGUAGES, Kind.REFERENCE) and column.code in first:
            setattr(instance, column.field, first[column.code])
    translations = _translations(current, first_row, first, errors)
    _full_clean(instance, _OFFERING_CLEAN_EXCLUDE, first_row, errors, _offering_column_of)
    if current and current.offering.locked and current.offering.locked_by_id != user.pk:
        errors.add(
            first_row.number,
            "offering_reference",
            reference,
            _(
                "This offering is locked in the admin by somebody else. Ask them to unlock it, "
                "or leave its rows out of the file."
            ),
        )

    start_plans: list[StartMomentPlan] = []
    seen: dict[str, int] = {}
    for row in rows:
        if not _has_start_moment(row):
            continue
        values = _parse_cells(row, START_MOMENT_COLUMNS, snapshot, errors)
        start_reference = values.get("start_reference") or ""
        if not start_reference:
            errors.add(
                row.number,
                "start_reference",
                "",
                _("Fill in your own reference for the start date; rows are matched on it."),
            )
            continue
        if start_reference in seen:
            errors.add(
                row.number,
                "start_reference",
                start_reference,
                _(
                    "Row %(row)d already has this start date reference for offering "
                    "%(reference)s. Each start date of an offering needs its own reference."
                )
                % {"row": seen[start_reference], "reference": reference},
            )
            continue
        seen[start_reference] = row.number
        start_plans.append(
            _check_start_moment(row, values, start_reference, instance, current, snapshot, errors)
        )

    languages = first.get("support_languages", ())
    old_locations = current.location_ids if current else ()
    new_locations = tuple(
        sorted(
            set(old_locations)
            | {p.instance.location_id for p in start_plans if p.instance.location_id}
        )
    )
    changes = _offering_changes(current, instance, languages, new_locations, snapshot, translations)
    status = NEW if current is None else (CHANGED if changes else UNCHANGED)
    return OfferingPlan(
        row=first_row.number,
        reference=reference,
        instance=instance,
        current=current,
        language_codes=tuple(languages),
        location_ids=new_locations,
        status=status,
        changes=changes if current else [],
        start_moments=start_plans,
        translations=translations,
    )


def _translations(
    current: CurrentOffering | None,
    row: SheetRow,
    values: dict[str, object],
    errors: RowErrors,
) -> dict[str, dict[str, str]]:
    """The offering's translations after the upload: the current ones, with the language
    columns the file has put over them (an empty cell removes that text). A language left
    with no text at all is dropped."""
    translations = {
        language: dict(texts)
        for language, texts in (current.translations if current else {}).items()
    }
    for column in TRANSLATION_COLUMNS:
        if column.code not in row.cells or column.code not in values:
            continue  # not in the file (an older template), or unreadable (already an error)
        text = str(values[column.code])
        try:
            column.model_field.run_validators(text)
            if "\x00" in text:
                raise ValidationError(_("Remove the invisible null character from this cell."))
        except ValidationError as error:
            errors.add(row.number, column.code, text[:200], error.messages[0])
            continue
        texts = translations.setdefault(column.language, dict.fromkeys(OFFERING_TEXT_FIELDS, ""))
        texts[column.field] = text
    return {
        language: texts for language, texts in sorted(translations.items()) if any(texts.values())
    }


def _check_start_moment(
    row: SheetRow,
    values: dict[str, object],
    reference: str,
    offering: Offering,
    current: CurrentOffering | None,
    snapshot: CatalogueSnapshot,
    errors: RowErrors,
) -> StartMomentPlan:
    existing = snapshot.start_moments.get((current.offering.pk, reference)) if current else None
    instance = copy.copy(existing) if existing else StartMoment(reference=reference)
    instance.offering = offering
    for column in START_MOMENT_COLUMNS:
        if column.code in ("start_reference", "location"):
            continue
        if column.code in values:
            setattr(instance, column.field, values[column.code])
    if "location" in values:
        location_id = values["location"]
        instance.location = snapshot.locations[location_id] if location_id else None
    _full_clean(instance, _START_MOMENT_CLEAN_EXCLUDE, row, errors, _start_moment_column_of)
    changes = []
    if existing:
        for column in START_MOMENT_COLUMNS:
            if column.code == "start_reference":
                continue
            attribute = "location_id" if column.kind == Kind.LOCATION else column.field
            old, new = getattr(existing, attribute), getattr(instance, attribute)
            if old != new:
                changes.append(_change(column, old, new, snapshot))
    status = NEW if existing is None else (CHANGED if changes else UNCHANGED)
    return StartMomentPlan(
        row=row.number, reference=reference, instance=instance, status=status, changes=changes
    )


def _column_finder(columns, reference_column: str):
    """Maps a model field named in a ``ValidationError`` to the spreadsheet column it came from."""

    def column_of(field_name: str) -> str:
        if field_name == "reference":
            return reference_column
        for column in columns:
            if column.field == field_name:
                return column.code
        return "" if field_name == NON_FIELD_ERRORS else field_name

    return column_of


_offering_column_of = _column_finder(OFFERING_COLUMNS, "offering_reference")
_start_moment_column_of = _column_finder(START_MOMENT_COLUMNS, "start_reference")


def _full_clean(instance, exclude, row: SheetRow, errors: RowErrors, column_of) -> None:
    """The admin form's validation of one object: field validators and the model's ``clean``.

    Uniqueness is not asked of the database here: references are unique by construction (a
    reference that exists is matched, not created again; duplicates within the file are row
    errors), and every check constraint of Offering and StartMoment has a matching rule in
    ``clean``/field validators. The constraints still guard the writes in ``import_apply``.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            code = column_of(field_name)
            for message in messages:
                errors.add(row.number, code, row.cells.get(code, ""), message)


def _offering_changes(
    current: CurrentOffering | None,
    instance: Offering,
    language_codes: tuple[str, ...],
    location_ids: tuple[int, ...],
    snapshot: CatalogueSnapshot,
    translations: dict[str, dict[str, str]],
) -> list[Change]:
    if current is None:
        return []
    changes = []
    for column in OFFERING_COLUMNS:
        if column.kind == Kind.REFERENCE:
            continue
        old = offering_value(current.latest, column, current.language_codes, current.translations)
        new = offering_value(instance, column, language_codes, translations)
        if old != new:
            changes.append(_change(column, old, new, snapshot))
    if tuple(current.location_ids) != tuple(location_ids):
        changes.append(
            Change(
                column="locations",
                old=_location_list(current.location_ids, snapshot),
                new=_location_list(location_ids, snapshot),
            )
        )
    return changes


def _change(column: Column, old: object, new: object, snapshot: CatalogueSnapshot) -> Change:
    names = snapshot.location_names
    return Change(
        column=column.code,
        old=cell_text(column, old, location_names=names),
        new=cell_text(column, new, location_names=names),
    )


def _location_list(ids: Iterable[int], snapshot: CatalogueSnapshot) -> str:
    return "; ".join(sorted(snapshot.location_names.get(pk, str(pk)) for pk in ids))
