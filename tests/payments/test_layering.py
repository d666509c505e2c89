"""The layering of enrolments and payments, read from the source: Stripe is called from one
module, and the enrolments domain imports nothing of payments or the website."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_gateway_imports_the_stripe_library():
    importers = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "portal").rglob("*.py")
        if any(name == "stripe" or name.startswith("stripe.") for name in _imports(path))
    )
    assert importers == ["portal/payments/gateway.py"]


def test_enrolments_import_nothing_of_payments_or_cms():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name
            for name in _imports(path)
            if name.split(".")[0] == "cms" or name.startswith("portal.payments")
        )
        for path in (ROOT / "portal" / "enrolments").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}
