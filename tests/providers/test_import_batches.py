"""Retention of stored spreadsheet imports (providers/imports/batches.py, import_batches_purge)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from providers.imports import batches, import_batch_create, import_check, sheet_read
from providers.models import OfferingImport
from tests.providers.factories import ProviderFactory, contract_manager_create
from tests.providers.test_imports import csv_of, without_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return ProviderFactory(name="Taalhuis Haarlem")


@pytest.fixture
def manager():
    return contract_manager_create()


def batch_stored(*, provider, user, hours_ago: float) -> OfferingImport:
    batch = OfferingImport.objects.create(user=user, provider=provider, file_name="oud.csv")
    # created_at is auto_now_add: set the age afterwards.
    created_at = timezone.now() - datetime.timedelta(hours=hours_ago)
    OfferingImport.objects.filter(pk=batch.pk).update(created_at=created_at)
    return batch


def new_batch(provider, user) -> OfferingImport:
    sheet = sheet_read(file_name="nieuw.csv", data=csv_of([without_start()]))
    check = import_check(provider=provider, user=user, sheet=sheet)
    assert check.ok, check.errors
    return import_batch_create(user=user, provider=provider, sheet=sheet, check=check)


def test_storing_a_batch_deletes_batches_older_than_the_maximum_age(provider, manager, settings):
    settings.IMPORT_BATCH_MAX_AGE_HOURS = 48
    other_user = contract_manager_create(username="other")
    old = batch_stored(provider=provider, user=other_user, hours_ago=49)
    old_applied = batch_stored(provider=provider, user=manager, hours_ago=100)
    OfferingImport.objects.filter(pk=old_applied.pk).update(status=OfferingImport.Status.APPLIED)
    recent = batch_stored(provider=provider, user=other_user, hours_ago=47)

    created = new_batch(provider, manager)

    remaining = set(OfferingImport.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, created.pk}
    assert old.pk not in remaining


def test_the_maximum_age_defaults_to_48_hours(settings):
    del settings.IMPORT_BATCH_MAX_AGE_HOURS
    assert batches.import_batch_max_age() == datetime.timedelta(hours=48)


def test_the_purge_is_one_delete_statement(provider, manager, django_assert_num_queries):
    batch_stored(provider=provider, user=manager, hours_ago=72)
    with django_assert_num_queries(1):
        assert batches.import_batches_purge() == 1


def test_the_purge_command_deletes_old_batches_and_says_how_many(provider, manager, settings):
    settings.IMPORT_BATCH_MAX_AGE_HOURS = 24
    batch_stored(provider=provider, user=manager, hours_ago=25)
    batch_stored(provider=provider, user=manager, hours_ago=30)
    kept = batch_stored(provider=provider, user=manager, hours_ago=1)
    output = io.StringIO()

    call_command("import_batches_purge", stdout=output)

    assert list(OfferingImport.objects.values_list("pk", flat=True)) == [kept.pk]
    assert output.getvalue().strip() == "Deleted 2 spreadsheet import(s) older than 24 hours."


def test_the_purge_command_takes_another_age(provider, manager):
    batch_stored(provider=provider, user=manager, hours_ago=3)
    kept = batch_stored(provider=provider, user=manager, hours_ago=1)
    output = io.StringIO()

    call_command("import_batches_purge", "--max-age-hours", "2", stdout=output)

    assert list(OfferingImport.objects.values_list("pk", flat=True)) == [kept.pk]
    assert "Deleted 1 " in output.getvalue()


def test_the_purge_command_refuses_a_negative_age():
    with pytest.raises(CommandError, match="cannot be negative"):
        call_command("import_batches_purge", "--max-age-hours", "-1")


def test_the_purge_command_explains_itself():
    from providers.management.commands.import_batches_purge import Command

    assert "IMPORT_BATCH_MAX_AGE_HOURS" in Command.help
