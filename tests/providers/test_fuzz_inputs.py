"""Whatever a stranger types into a public URL, the answer is never a server error.

Hypothesis throws arbitrary values (any unicode but surrogates, NUL bytes, invalid UTF-8, huge
and negative numbers, floats, dates far out, whitespace, very long strings) at every query
parameter of the catalogue page and the public API, and at every path parameter of the catalogue,
the API and a learner's enrolment pages. The parameter lists are read from the FilterSets, the
API router and the URL patterns, so a new filter or route is fuzzed without touching this file.

Deterministic (``derandomize=True``) and bounded, so it runs the same in both CI passes (SQLite,
and PostgreSQL, which refuses NUL bytes in text and where most of these used to surface).
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Callable
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from cms.models import CataloguePage
from contracts.api import ReleasePackageQuerySerializer
from portal.urls import router
from portal.web import urls as enrolment_urls
from providers.filters import OfferingFilterSet
from tests.contracts.factories import MunicipalityFactory
from tests.enrolments.factories import held_enrolment, start_moment_for_sale
from tests.portal.factories import UserFactory
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db


def fuzz(max_examples: int):
    """Deterministic (same examples in every run and CI pass), no deadline, bounded."""
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --- What is fuzzed, read from the code -------------------------------------------------------

CATALOGUE_PARAMETERS = sorted([*OfferingFilterSet.base_filters, "page"])


def _api_list_endpoints() -> list[tuple[str, list[str]]]:
    """Every list of the router with the filters it declares, its page parameter and ``format``;
    and the OCDS package with its query serializer's fields."""
    endpoints = []
    for prefix, viewset, _basename in router.registry:
        parameters = ["format"]
        filterset_class = getattr(viewset, "filterset_class", None)
        if filterset_class is not None and viewset.filter_backends:
            parameters += list(filterset_class.base_filters)
        if viewset.pagination_class is not None:
            parameters.append(viewset.pagination_class.page_query_param)
        endpoints.append((f"/api/v1/{prefix}/", sorted(parameters)))
    endpoints.append(("/api/v1/ocds/releases/", sorted(ReleasePackageQuerySerializer().fields)))
    return endpoints


API_LIST_ENDPOINTS = _api_list_endpoints()
API_PARAMETERS = [(url, name) for url, names in API_LIST_ENDPOINTS for name in names]

_CONVERTER = re.compile(r"<(?:\w+:)?\w+>")


def _templates(prefix: str, patterns) -> list[str]:
    """``prefix`` + each pattern with a path parameter, the parameter written ``{}``."""
    return [
        prefix + _CONVERTER.sub("{}", str(pattern.pattern).replace("{", "{{").replace("}", "}}"))
        for pattern in patterns
        if pattern.pattern.converters
    ]


PUBLIC_PATHS = [
    *_templates("/en/aanbod/", CataloguePage.get_subpage_urls()),
    *_templates("/aanbod/", CataloguePage.get_subpage_urls()),
    *(f"/api/v1/{prefix}/{{}}/" for prefix, _viewset, _basename in router.registry),
]
LEARNER_PATHS = _templates("/en/", enrolment_urls.urlpatterns)
LEARNER_QUERY_PARAMETERS = ["page"]  # "My courses" is paginated

# --- Values -----------------------------------------------------------------------------------

ODD_VALUES = [
    "",
    " ",
    "\t\n",
    "\x00",
    "1\x00",
    "a\x00b",
    "²",
    "١٢",
    "1_000",
    "0",
    "-0",
    "-1",
    "1.5",
    "1e400",
    "NaN",
    "-Infinity",
    "0x10",
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    str(2**64),
    "9" * 30,
    "9" * 5000,
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2025-02-30",
    "true",
    "\ufeff1",
    "\U0001f600",
    "RW-\x00",
    "RW-22222222\x00",
    "a-b_c",
    "-price",
    "B1_ROUTE",
    "GM0392",
    # near, max_distance_km and ordering=distance: valid values, so they meet the others
    "2011 AB",
    "'s-Gravenhage",
    "distance",
    "300",
]

text_values = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**63 - 3, max_value=2**64 + 3).map(str),
    st.integers(min_value=-(2**64), max_value=-(2**63) + 3).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True).map(str),
)
dates = st.dates().map(datetime.date.isoformat)
raw_bytes = st.binary(max_size=20)  # percent-encoded as they are: invalid UTF-8 included
values = st.one_of(
    st.sampled_from(ODD_VALUES),
    text_values,
    numbers,
    dates,
    raw_bytes,
    st.tuples(st.sampled_from(ODD_VALUES), text_values).map("".join),
)


DANGEROUS = [
    "\x00",
    "²",
    "1.5",
    "-1",
    str(2**63),
    "9" * 30,
    "x" * 10_000,
    b"\xed\xa0\x80",  # a surrogate in UTF-8: Django decodes it to U+FFFD, nothing else may break
]
"""Tried on every API parameter, before Hypothesis's own values."""

MOST_DANGEROUS = ["\x00", str(2**63), "x" * 10_000, b"\xed\xa0\x80"]
"""Tried on every parameter of the (slower) HTML pages and on every path."""


def with_examples(**choices: list):
    """An ``@example`` for every combination of ``choices`` (argument name: its values)."""

    def decorate(test):
        for combination in reversed(list(itertools.product(*choices.values()))):
            test = example(**dict(zip(choices, combination, strict=True)))(test)
        return test

    return decorate


def other_parameters() -> st.SearchStrategy[list[tuple[int, str | bytes]]]:
    """Up to four more parameters, as (index into the front door's names, value): names may repeat
    (multi-value fields)."""
    return st.lists(st.tuples(st.integers(min_value=0, max_value=99), values), max_size=4)


def query(names: list[str], others: list[tuple[int, str | bytes]], name: str, value) -> str:
    """The ``others`` first and ``name=value`` last: a single-value field reads the last one."""
    pairs = [(names[index % len(names)], other) for index, other in others]
    return urlencode([*pairs, (name, value)])


def path_part(value: str | bytes) -> str:
    """``value`` as one path segment: every byte outside the unreserved set percent-encoded."""
    return quote_from_bytes(value, safe="") if isinstance(value, bytes) else quote(value, safe="")


# --- The catalogue used by every example ------------------------------------------------------


@pytest.fixture
def catalogue(site_pages):
    """A small but complete catalogue: every filter has something to match, every path a row."""
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    provider = ProviderFactory(slug="taalhuis")
    location = LocationFactory(provider=provider, municipality=haarlem)
    today = timezone.localdate()
    for days, price in ((9, 250_000), (60, None)):
        offering = OfferingFactory(
            provider=provider,
            price_cents=price,
            duo_loan_eligible=price is not None,
            locations=[location],
            support_languages=[LanguageFactory(code="ar")],
        )
        StartMomentFactory(
            offering=offering, location=location, starts_on=today + datetime.timedelta(days)
        )
    return provider


@pytest.fixture
def learner_client(catalogue) -> Client:
    """A learner with a held enrolment, signed in."""
    learner = UserFactory()
    held_enrolment(start_moment_for_sale(), user=learner)
    client = Client()
    client.force_login(learner)
    return client


def answer(send: Callable[[str], HttpResponse], url: str) -> int:
    """Send one request in a savepoint (a database error must not poison the next example) with
    a fresh cache (no page-cache hit, no rate limit in the way); its status."""
    cache.clear()
    with transaction.atomic():
        response = send(url)  # the test client re-raises a view's exception: the test fails on it
    return response.status_code


# --- The properties ---------------------------------------------------------------------------


@fuzz(max_examples=30)
@with_examples(name=CATALOGUE_PARAMETERS, value=MOST_DANGEROUS, others=[[]])
@given(name=st.sampled_from(CATALOGUE_PARAMETERS), value=values, others=other_parameters())
def test_catalogue_parameters_never_answer_a_server_error(client, catalogue, name, value, others):
    url = f"/en/aanbod/?{query(CATALOGUE_PARAMETERS, others, name, value)}"
    assert answer(client.get, url) in (200, 400), url


@fuzz(max_examples=40)
@with_examples(endpoint_and_name=API_PARAMETERS, value=DANGEROUS, others=[[]])
@given(endpoint_and_name=st.sampled_from(API_PARAMETERS), value=values, others=other_parameters())
def test_api_parameters_never_answer_a_server_error(
    client, catalogue, endpoint_and_name, value, others
):
    endpoint, name = endpoint_and_name
    url = f"{endpoint}?{query(dict(API_LIST_ENDPOINTS)[endpoint], others, name, value)}"
    # 404: a page past the last, or an unknown ?format=, as DRF answers them.
    assert answer(client.get, url) in (200, 400, 404), url


@fuzz(max_examples=30)
@with_examples(value=DANGEROUS, others=[[]], joined=[False])
@given(value=values, others=st.lists(values, max_size=4), joined=st.booleans())
def test_compare_never_answers_a_server_error(client, catalogue, value, others, joined):
    ids = [*others, value]
    if joined:  # ?ids=3,7 as well as ?ids=3&ids=7
        ids = [b",".join(each if isinstance(each, bytes) else each.encode() for each in ids)]
    url = "/en/aanbod/vergelijk/?" + urlencode([("ids", each) for each in ids])
    assert answer(client.get, url) in (200, 400), url


@fuzz(max_examples=20)
@with_examples(template=PUBLIC_PATHS, value=MOST_DANGEROUS)
@given(template=st.sampled_from(PUBLIC_PATHS), value=values)
def test_public_path_parameters_never_answer_a_server_error(client, catalogue, template, value):
    url = template.format(path_part(value))
    assert answer(client.get, url) in (200, 404), url


@fuzz(max_examples=20)
@with_examples(template=LEARNER_PATHS, value=MOST_DANGEROUS)
@given(template=st.sampled_from(LEARNER_PATHS), value=values)
def test_learner_path_parameters_never_answer_a_server_error(learner_client, template, value):
    url = template.format(path_part(value))
    for method in (learner_client.get, learner_client.post):
        assert answer(method, url) < 500, (method.__name__, url)


@fuzz(max_examples=10)
@with_examples(name=LEARNER_QUERY_PARAMETERS, value=DANGEROUS)
@given(name=st.sampled_from(LEARNER_QUERY_PARAMETERS), value=values)
def test_my_courses_parameters_never_answer_a_server_error(learner_client, name, value):
    url = f"/en/mijn-cursussen/?{query([name], [], name, value)}"
    assert answer(learner_client.get, url) == 200, url
