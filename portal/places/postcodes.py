"""The postcode areas shipped with the code: ``data/pc4-nl.csv`` (every Dutch 4-digit postcode
area with its centre, from the public repository bobdenotter/4pp, 2019; MIT licence in
``data/pc4-nl.LICENSE``).

The data migration loads them (``postcode_areas_load``), so every database, the tests' and
CI's included, has them without an extra command.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from portal.places.geo import place_key

POSTCODE_AREAS_CSV = Path(__file__).resolve().parent / "data" / "pc4-nl.csv"


def postcode_area_fields() -> Iterator[dict[str, object]]:
    """One dict of ``PostcodeArea`` field values per row of the CSV."""
    with POSTCODE_AREAS_CSV.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            alternatives = [name for name in row["alternatieve_schrijfwijzen"].split(";") if name]
            keys = sorted({place_key(name) for name in alternatives} - {""})
            yield {
                "pc4": row["postcode"],
                "place": row["woonplaats"],
                "alternative_names": ";".join(alternatives),
                "municipality_name": row["gemeente"],
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
                "is_po_box": row["soort"] == "Postbus",
                "place_key": place_key(row["woonplaats"]),
                "alternative_keys": f"|{'|'.join(keys)}|" if keys else "",
                "municipality_key": place_key(row["gemeente"]),
            }


def postcode_areas_load(model, *, using: str = "default") -> int:
    """Replace every row of ``model`` (``PostcodeArea``, or its historical version in a
    migration) with the CSV's; the number loaded. Safe to run again."""
    areas = [model(**fields) for fields in postcode_area_fields()]
    manager = model._default_manager.db_manager(using)
    manager.all().delete()
    manager.bulk_create(areas, batch_size=500)
    return len(areas)
