"""The object rules of regions and municipalities, stated to the permission engine.

Everybody with a role that reads them reads all of them (they come with the data). Imported by
``PlacesConfig.ready``.
"""

from __future__ import annotations

from portal.permissions import ObjectRules, rules_register


def register() -> None:
    rules_register("places.municipality", ObjectRules(shared=True))
    rules_register("places.region", ObjectRules(shared=True))
