"""Enrolment references in URLs: the shape ``RW-`` + 8 capitals or digits, nothing else."""

import pytest
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import translation

from portal.enrolments.models import enrolment_reference
from tests.enrolments.factories import learner

pytestmark = pytest.mark.django_db

PAGES = ["", "betaling/", "annuleren/", "bon/"]
POSTS = ["betalen/", "duo/", "annuleren/"]


def url_name(path: str) -> str | None:
    """The name of the URL pattern ``path`` resolves to (None: nothing, not even Wagtail's)."""
    try:
        return resolve(path).url_name
    except Resolver404:
        return None


@translation.override("en")
def test_the_url_takes_every_generated_reference_and_nothing_else():
    for _ in range(200):
        reference = enrolment_reference()
        assert resolve(f"/en/mijn-cursussen/{reference}/").kwargs == {"reference": reference}
    for odd in ["RW-\x00", "RW-2222222\x00", "rw-22222222", "RW-22222222x", "x" * 300]:
        assert url_name(f"/en/mijn-cursussen/{odd}/") != "enrolment_detail", odd


@pytest.mark.parametrize("reference", ["RW-%00", "RW-2222222%00", "%00"])
def test_a_reference_with_a_nul_byte_is_a_404_on_every_learner_page(reference):
    """PostgreSQL refuses NUL in text: the query must never be made."""
    client = Client()
    client.force_login(learner())
    for suffix in PAGES:
        assert client.get(f"/en/mijn-cursussen/{reference}/{suffix}").status_code == 404, suffix
    for suffix in POSTS:
        assert client.post(f"/en/mijn-cursussen/{reference}/{suffix}").status_code == 404, suffix
