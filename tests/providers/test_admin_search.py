"""Admin search and choosers answer whatever is typed or guessed: results, or a 404, never a 500.

The same tests run on SQLite (FTS5) and, in CI's second pass, on PostgreSQL (full-text search),
whose query languages break on different characters.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.snippets.models import get_snippet_models

from portal.accounts.models import Role
from portal.core.search import search_words
from portal.core.tasks import tasks_run_due
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff
from tests.providers.factories import LocationFactory, OfferingFactory, ProviderFactory

pytestmark = pytest.mark.django_db

# Each broke a search: FTS5 syntax on SQLite, an empty tsquery on PostgreSQL, or both.
TYPED = ['"', 'a"b', "*", "(", "-", "Alpha -", "'", "NOT"]
# The two searched through the search index (offerings, providers), and one by the database.
SEARCHED = ("offering", "provider", "location")


@pytest.fixture
def catalogue():
    alpha = ProviderFactory(name="Alpha school")
    closed = ProviderFactory(name="Alpha closed", is_active=False)
    location = LocationFactory(provider=alpha, name="Alpha building")
    OfferingFactory(provider=alpha, title="Alpha course", locations=[location])
    OfferingFactory(provider=closed, title="Alpha hidden course")
    tasks_run_due()  # the worker indexes them for search (Wagtail's task after each save)
    return {"alpha": alpha, "closed": closed}


def _user(role: str, catalogue):
    if role == "provider_editor":
        return provider_staff(catalogue["alpha"])
    if role == "superuser":
        return UserFactory(is_superuser=True)
    return UserFactory(role=role)


ROLES = (
    "provider_editor",
    "superuser",
    Role.CONTRACT_MANAGER,
    Role.CASE_MANAGER,
    Role.AUDITOR,
    Role.SITE_EDITOR,
)


@pytest.mark.parametrize("role", ROLES)
def test_chooser_searches_answer_whatever_is_typed(client, catalogue, role):
    login_staff(client, _user(role, catalogue))
    answers = {
        (model, typed): client.get(
            f"/admin/snippets/choose/providers/{model}/results/", {"q": typed}
        ).status_code
        for model in SEARCHED
        for typed in TYPED
    }
    assert set(answers.values()) == {200}, {
        key: code for key, code in answers.items() if code != 200
    }


@pytest.mark.parametrize("role", ["provider_editor", "superuser", Role.CONTRACT_MANAGER])
def test_listing_searches_answer_whatever_is_typed(client, catalogue, role):
    login_staff(client, _user(role, catalogue))
    answers = {
        (model, typed): client.get(f"/admin/snippets/providers/{model}/", {"q": typed}).status_code
        for model in SEARCHED
        for typed in TYPED
    }
    assert set(answers.values()) == {200}, {
        key: code for key, code in answers.items() if code != 200
    }


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.AUDITOR, Role.SITE_EDITOR])
def test_the_choosers_find_the_public_catalogue_for_roles_without_a_catalogue(
    client, catalogue, role
):
    """They search what everybody may see (``public_scope``): active providers, live courses."""
    login_staff(client, _user(role, catalogue))
    html = client.get("/admin/snippets/choose/providers/provider/results/", {"q": "alpha"})
    assert "Alpha school" in html.content.decode()
    assert "Alpha closed" not in html.content.decode()
    html = client.get("/admin/snippets/choose/providers/offering/results/", {"q": "alpha"})
    assert "Alpha course" in html.content.decode()
    assert "Alpha hidden course" not in html.content.decode()


def test_the_provider_listing_searches_by_name(client, catalogue):
    login_staff(client, UserFactory(role=Role.CONTRACT_MANAGER))
    response = client.get("/admin/snippets/providers/provider/", {"q": "alph"})
    assert response.status_code == 200
    assert {provider.name for provider in response.context["object_list"]} == {
        "Alpha school",
        "Alpha closed",
    }


def _chooser_models() -> list[str]:
    """Each snippet chooser's path as its viewset has it ("app_label/model" by default)."""
    return [
        model.snippet_viewset.get_chooser_admin_base_path().removeprefix("snippets/choose/")
        for model in get_snippet_models()
        if getattr(model, "snippet_viewset", None) is not None
    ]


@pytest.mark.parametrize("model", _chooser_models())
def test_a_chosen_id_that_cannot_exist_is_not_found(client, model):
    login_staff(client, UserFactory(is_superuser=True))
    for pk in ("abc", "1.5", "99999999999999999999", "0"):
        assert client.get(f"/admin/snippets/choose/{model}/chosen/{pk}/").status_code == 404, pk
    response = client.get(f"/admin/snippets/choose/{model}/chosen-multiple/", {"id": ["abc", "0"]})
    assert response.status_code == 200


def test_a_revision_comparison_of_no_number_is_not_found(client, catalogue):
    login_staff(client, UserFactory(is_superuser=True))
    url = "/admin/snippets/providers/offering/history/abc/revisions/compare/earliest...latest/"
    assert client.get(url).status_code == 404
    bulk = reverse("wagtail_bulk_action", args=("providers", "offering", "delete"))
    assert client.get(bulk, {"id": "abc"}).status_code == 404


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ('"Alpha', "Alpha"),
        ('a"b', "ab"),
        ("Alpha -", "Alpha"),
        ("- * ( ) :", ""),
        ("B1-route info@school.nl", "B1-route info@school.nl"),
        ("  O'Brien  ", "O'Brien"),
    ],
)
def test_a_search_box_gives_the_search_engine_words(typed, words):
    assert search_words(typed) == words
