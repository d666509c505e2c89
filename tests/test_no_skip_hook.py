"""CI's complete pass (ROUTEWIJZER_NO_SKIP=1) fails on every skip, including a module that skips
while it is collected, whose tests would otherwise vanish without a trace.

Each test runs ``python -m pytest`` on a tiny temporary test directory whose conftest takes the
hooks from the project's ``tests/conftest.py``; pytester's in-process runner would load a second
pytest-django into this session, so a subprocess it is.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent

CONFTEST = """\
from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401
"""

SKIPS_WHILE_COLLECTED = """\
import pytest

pytest.importorskip("routewijzer_no_such_module", reason="the module is not installed")


def test_never_collected():
    pass
"""

SKIPS_WHILE_RUNNING = """\
import pytest


@pytest.fixture
def browser():
    pytest.skip("no browser here")


def test_skips_in_the_test():
    pytest.skip("not today")


def test_skips_in_a_fixture(browser):
    pass


@pytest.mark.xfail(reason="a known bug", strict=True)
def test_a_known_bug():
    assert False
"""


def run_pytest(tmp_path: Path, module: str, *, no_skip: bool) -> tuple[int, str]:
    """Runs the tiny test directory with the project's skip hooks; returns the exit code and
    the output."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_module.py").write_text(module)
    # Only pytest's own plugins: the hooks under test need no others, and it starts faster.
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("ROUTEWIJZER_NO_SKIP", None)
    if no_skip:
        env["ROUTEWIJZER_NO_SKIP"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr


def summary(output: str) -> str:
    """The counts of the last line, without the time: "2 failed, 1 xfailed"."""
    last = output.strip().splitlines()[-1]
    return re.sub(r"\s+in [\d.]+s.*$", "", last).strip("= ")


def test_a_module_skipped_while_collected_is_a_collection_error_in_ci(tmp_path):
    code, output = run_pytest(tmp_path, SKIPS_WHILE_COLLECTED, no_skip=True)
    assert code == pytest.ExitCode.INTERRUPTED, output
    assert summary(output) == "1 error", output
    assert "Skipped while collecting test_module.py, which CI does not allow" in output
    assert "the module is not installed" in output


def test_a_module_skipped_while_collected_is_a_plain_skip_outside_ci(tmp_path):
    code, output = run_pytest(tmp_path, SKIPS_WHILE_COLLECTED, no_skip=False)
    assert summary(output) == "1 skipped", output
    assert code == pytest.ExitCode.NO_TESTS_COLLECTED, output


def test_a_test_skipped_while_running_fails_in_ci(tmp_path):
    code, output = run_pytest(tmp_path, SKIPS_WHILE_RUNNING, no_skip=True)
    assert code == pytest.ExitCode.TESTS_FAILED, output
    # A skip in a fixture happens in the test's setup, so pytest counts it as an error.
    assert summary(output) == "1 failed, 1 xfailed, 1 error", output
    assert "Skipped, which CI does not allow: Skipped: not today" in output
    assert "Skipped, which CI does not allow: Skipped: no browser here" in output


def test_a_test_skipped_while_running_is_a_plain_skip_outside_ci(tmp_path):
    code, output = run_pytest(tmp_path, SKIPS_WHILE_RUNNING, no_skip=False)
    assert code == pytest.ExitCode.OK, output
    assert summary(output) == "2 skipped, 1 xfailed", output
