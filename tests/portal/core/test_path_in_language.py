"""One way to put a site address into a language: ``portal.core.locale.path_in_language``."""

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from portal.core.locale import path_in_language


@pytest.mark.parametrize(
    ("url", "language", "expected"),
    [
        ("/aanbod/", "en", "/en/aanbod/"),
        ("/aanbod/", "nl", "/aanbod/"),
        ("/en/aanbod/", "nl", "/aanbod/"),
        ("/en/aanbod/", "ar", "/ar/aanbod/"),
        ("/ar/aanbod/cursus/4/?x=1#a", "fa", "/fa/aanbod/cursus/4/?x=1#a"),
        ("/", "ti", "/ti/"),
        ("/tr", "nl", "/"),
        ("/tr?x=1", "en", "/en/?x=1"),
        # A Dutch address whose first part merely begins like a language code.
        ("/entree/", "ar", "/ar/entree/"),
        ("/arbeid/", "nl", "/arbeid/"),
        # Not a site-relative path: as it is.
        ("https://example.org/aanbod/", "en", "https://example.org/aanbod/"),
        ("//example.org/aanbod/", "en", "//example.org/aanbod/"),
        ("#top", "en", "#top"),
        ("", "en", ""),
    ],
)
def test_an_address_in_a_language(url, language, expected):
    assert path_in_language(url, language) == expected


def test_the_active_language_by_default():
    with translation.override("fa"):
        assert path_in_language("/en/aanbod/") == "/fa/aanbod/"


LANGUAGES = ["nl", "en", "ar", "ti", "tr", "fa"]


@given(
    st.from_regex(r"\A/[a-z0-9/\-?=&#]{0,30}\Z"),
    st.sampled_from(LANGUAGES),
    st.sampled_from(LANGUAGES),
)
def test_any_path_goes_from_language_to_language_and_back(path, first, second):
    """Whatever the path, changing its language twice is the same as changing it once, and
    going back to Dutch gives the Dutch address again."""
    dutch = path_in_language(path, "nl")
    assert path_in_language(path_in_language(dutch, first), second) == path_in_language(
        dutch, second
    )
    assert path_in_language(path_in_language(dutch, first), "nl") == dutch
