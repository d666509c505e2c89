"""Management commands refuse bad arguments with a non-zero exit status and a clear message, so
that cron reports a failure instead of a quiet success (``portal.core.command_arguments``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command, get_commands, load_command_class

from providers.models import OfferingImport, Provider

OUR_APPS = ("portal", "contracts", "providers", "cms")
MANAGE_PY = Path(settings.BASE_DIR) / "manage.py"


def _our_commands() -> list[tuple[str, str]]:
    return sorted(
        (name, app) for name, app in get_commands().items() if app.split(".")[0] in OUR_APPS
    )


def test_every_number_our_commands_take_is_checked():
    """A bare ``type=int`` takes 0, -1 and 10**20 alike; each number goes through
    ``whole_number`` with its bounds."""
    commands = _our_commands()
    assert {"learners_anonymise", "seed_scale", "import_batches_purge"} <= dict(commands).keys()
    unchecked = []
    for name, app in commands:
        parser = load_command_class(app, name).create_parser("manage.py", name)
        for action in parser._actions:
            if action.type in (int, float) and not action.choices:
                unchecked.append(f"{name} {action.option_strings[0]}")
    assert unchecked == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--providers", "0"], "argument --providers: must be at least 1 (got 0)."),
        (["--learners", "-5"], "argument --learners: cannot be negative (got -5)."),
        (["--referrals", "many"], "argument --referrals: 'many' is not a whole number."),
        (["--municipalities", "10000"], "argument --municipalities: must be at most 9,999"),
        (["--seed", "-1"], "argument --seed: cannot be negative (got -1)."),
        (
            ["--offerings", "0", "--start-moments", "5"],
            "--start-moments needs at least one offering (--offerings).",
        ),
    ],
)
def test_seed_scale_refuses_bad_sizes_before_building_anything(arguments, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("seed_scale", *arguments, verbosity=0)
    assert not Provider.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-1", "argument --max-age-hours: cannot be negative (got -1)."),
        ("soon", "argument --max-age-hours: 'soon' is not a whole number."),
        ("99999999999", "argument --max-age-hours: must be at most 876,600"),
    ],
)
def test_import_batches_purge_refuses_a_bad_age(value, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("import_batches_purge", "--max-age-hours", value)
    assert not OfferingImport.objects.exists()  # and nothing was read or deleted


def test_cron_sees_a_bad_argument_in_the_exit_status(tmp_path):
    """The real command line (the bug: a complaint on stderr and exit status 0): argparse's
    refusal is status 2, before the command touches the database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "LEARNER_RETENTION_DAYS"}
    }
    database = tmp_path / "unused.sqlite3"
    env |= {"ROUTEWIJZER_TESTING": "true", "DATABASE_URL": f"sqlite:///{database}"}
    result = subprocess.run(
        [sys.executable, str(MANAGE_PY), "learners_anonymise", "--older-than-days", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "error: argument --older-than-days: must be at least 1 (got 0)." in result.stderr
    assert result.stdout == ""
    assert not database.exists()
