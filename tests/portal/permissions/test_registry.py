"""The permission engine decides alone: each app states its object rules to it, and no role
check is written anywhere else."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

from portal.permissions import ROLE_PERMISSIONS, Action, ObjectRules, Role, rules_register
from portal.permissions.registry import rules_registered

ROOT = Path(__file__).resolve().parents[3]

# The roles that do not see every object of a kind: they work on their provider's, their
# municipality's or their own objects, which only the model's app can say.
NARROWED_ROLES = (Role.PROVIDER_STAFF, Role.CASE_MANAGER, Role.LEARNER, Role.SITE_EDITOR)


def test_every_model_a_narrowed_role_works_on_has_object_rules_from_its_app():
    registered = rules_registered()
    missing = {
        label
        for role in NARROWED_ROLES
        for label in ROLE_PERMISSIONS[role]
        if label not in registered
    }
    assert missing == set()


def test_rules_are_registered_for_real_models_by_the_app_that_owns_them():
    for label in rules_registered():
        app_label, model_name = label.split(".")
        model = apps.get_model(app_label, model_name)
        owner = apps.get_app_config(app_label).name
        module = f"{owner}.permissions"
        assert model._meta.label_lower == label
        assert Path(ROOT, *module.split(".")).with_suffix(".py").exists(), module


def test_a_model_cannot_get_two_different_rules():
    label = "providers.location"
    current = rules_registered()[label]
    rules_register(label, current)  # the same statement again is harmless (a second ready())
    with pytest.raises(ValueError, match="twice"):
        rules_register(label, ObjectRules(provider_path="pk", shared=True))
    assert rules_registered()[label] == current


def _python_files() -> list[Path]:
    files = []
    for package in ("portal", "providers", "contracts", "cms"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative.startswith("portal/permissions/"):
                continue
            files.append(path)
    return files


def _role_checks(tree: ast.AST) -> list[int]:
    """Lines that decide on a role themselves: ``x.is_superuser`` read anywhere, or a comparison
    with ``x.role`` or ``Role.X``. Filters (``role=...``) and assignments are not checks."""
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "is_superuser"
            and isinstance(node.ctx, ast.Load)
        ):
            lines.append(node.lineno)
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                for part in ast.walk(side):
                    if isinstance(part, ast.Attribute) and (
                        part.attr == "role"
                        or (isinstance(part.value, ast.Name) and part.value.id == "Role")
                    ):
                        lines.append(node.lineno)
    return sorted(set(lines))


def test_no_role_check_is_written_outside_the_permissions_package():
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in _python_files()
        if (lines := _role_checks(ast.parse(path.read_text(), filename=str(path))))
    }
    assert found == {}


def test_the_role_check_finder_finds_role_checks():
    """The finder itself: a check written in a domain module would be found."""
    source = (
        "def f(user):\n"
        "    if user.role == Role.CASE_MANAGER:\n"
        "        return user.is_superuser\n"
        "    return user.role in {Role.LEARNER}\n"
        "User.objects.filter(role=Role.LEARNER, is_superuser=False)\n"
    )
    assert _role_checks(ast.parse(source)) == [2, 3, 4]


def test_every_action_a_role_has_is_an_action():
    for table in ROLE_PERMISSIONS.values():
        for actions in table.values():
            assert all(isinstance(action, Action) for action in actions)


TEMPLATE_ROLE_CHECK = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|\bis_superuser\b")


def test_no_template_decides_on_a_role_itself():
    """Templates ask the engine too (``user|is_learner``, or a flag the view computed)."""
    found = {
        path.relative_to(ROOT).as_posix()
        for package in ("portal", "providers", "contracts", "cms")
        for path in (ROOT / package).rglob("*.html")
        if TEMPLATE_ROLE_CHECK.search(path.read_text())
    }
    assert found == set()
    assert TEMPLATE_ROLE_CHECK.search('{% if user.role == "LEARNER" %}')
    assert TEMPLATE_ROLE_CHECK.search("{% if request.user.is_superuser %}")
    assert not TEMPLATE_ROLE_CHECK.search("{% if user|is_learner %}")
