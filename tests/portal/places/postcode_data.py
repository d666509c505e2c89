"""The postcode areas for tests that need them.

The data migration loads them into the test database, but a transactional test elsewhere in the
run empties every table when it ends; ``postcode_areas_present`` loads them again (inside the
test's transaction) when they are gone.
"""

from __future__ import annotations

import pytest

from portal.places.models import PostcodeArea
from portal.places.postcodes import postcode_areas_load


def postcode_areas_ensure() -> None:
    if not PostcodeArea.objects.exists():
        postcode_areas_load(PostcodeArea)


@pytest.fixture
def postcode_areas_present(db) -> None:
    postcode_areas_ensure()
