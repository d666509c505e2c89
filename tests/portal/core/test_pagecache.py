import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from portal.core import pagecache
from providers import seats
from tests.providers.factories import OfferingFactory, StartMomentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moment(site_pages):
    return StartMomentFactory(offering=OfferingFactory(title="Cursus"), seats=10, seats_taken=0)


def test_second_anonymous_visit_is_served_from_the_cache_without_queries(
    client, moment, django_assert_num_queries
):
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        response = client.get("/en/aanbod/")
    assert response["X-Page-Cache"] == "hit"
    assert "10 seats free" in response.content.decode()
    assert "Content-Security-Policy" in response


def test_a_hit_reads_the_page_and_the_version_in_one_round_trip(client, moment, monkeypatch):
    client.get("/en/aanbod/")
    reads: list[str] = []
    inside = []  # the in-process cache's get_many calls its own get: count the outer call only
    for method in ("get", "get_many", "has_key"):
        original = getattr(cache, method)

        def counted(*args, _original=original, _method=method, **kwargs):
            if not inside:
                reads.append(_method)
            inside.append(_method)
            try:
                return _original(*args, **kwargs)
            finally:
                inside.pop()

        monkeypatch.setattr(cache, method, counted)
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"
    assert reads == ["get_many"]


def test_a_page_rendered_while_the_catalogue_changed_is_not_served(client, moment, monkeypatch):
    rendered = pagecache.AnonymousPageCacheMiddleware.__call__

    def change_during_render(self, request):
        original = self.get_response

        def render(request):
            response = original(request)
            pagecache.catalogue_changed()  # a seat taken while this page was made
            return response

        self.get_response = render
        try:
            return rendered(self, request)
        finally:
            self.get_response = original

    monkeypatch.setattr(pagecache.AnonymousPageCacheMiddleware, "__call__", change_during_render)
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"
    monkeypatch.undo()
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "hit"


def test_each_query_string_has_its_own_cache_entry(client, moment):
    client.get("/en/aanbod/")
    assert client.get("/en/aanbod/?component=MAP")["X-Page-Cache"] == "miss"


def test_a_seat_taken_shows_at_once(client, moment, django_capture_on_commit_callbacks):
    client.get("/en/aanbod/")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            seats.seat_take(start_moment_id=moment.pk, purpose="enrolment")
    response = client.get("/en/aanbod/")
    assert response["X-Page-Cache"] == "miss"
    assert "7 seats free" in response.content.decode()


def test_publishing_an_offering_shows_at_once(client, moment):
    client.get("/en/aanbod/")
    offering = moment.offering
    offering.title = "Nieuwe naam"
    offering.save_revision().publish()
    assert "Nieuwe naam" in client.get("/en/aanbod/").content.decode()


def test_a_new_start_moment_shows_at_once(client, moment):
    client.get(f"/en/aanbod/cursus/{moment.offering.pk}/")
    StartMomentFactory(offering=moment.offering, seats=4, seats_taken=1)
    assert "3 of 4 free" in client.get(f"/en/aanbod/cursus/{moment.offering.pk}/").content.decode()


def test_logged_in_visitors_are_never_served_or_stored_from_the_cache(client, moment):
    user = get_user_model().objects.create_user(username="a", email="a@example.org", password="x")
    client.force_login(user)
    assert "X-Page-Cache" not in client.get("/en/aanbod/")
    assert "X-Page-Cache" not in client.get("/en/aanbod/")


def test_pages_with_errors_are_not_cached(client, moment):
    for _ in range(2):
        response = client.get("/en/aanbod/?max_price=abc")
        assert response.status_code == 400
        assert "X-Page-Cache" not in response


def test_cache_can_be_switched_off(client, moment, settings):
    settings.PAGE_CACHE_ENABLED = False
    client.get("/en/aanbod/")
    assert "X-Page-Cache" not in client.get("/en/aanbod/")


def test_each_host_has_its_own_cache_entry(client, moment, settings):
    settings.ALLOWED_HOSTS = ["testserver", "andere.example"]
    client.get("/en/aanbod/")
    assert client.get("/en/aanbod/", HTTP_HOST="andere.example")["X-Page-Cache"] == "miss"


def test_catalogue_version_never_goes_back_when_its_key_is_lost(client, moment):
    client.get("/en/aanbod/")
    pagecache.catalogue_changed()
    before = pagecache.catalogue_version()
    cache.delete(pagecache.VERSION_KEY)  # as Redis restarting, or evicting the key, would
    assert pagecache.catalogue_version() > before
    assert client.get("/en/aanbod/")["X-Page-Cache"] == "miss"


def test_a_value_kept_with_its_version_is_given_for_that_version_only(db):
    version, value = pagecache.catalogue_latest_get("kept-thing")
    assert value is None
    pagecache.catalogue_latest_set("kept-thing", version, "made under the current version")
    assert pagecache.catalogue_latest_get("kept-thing") == (
        version,
        "made under the current version",
    )
    pagecache.catalogue_changed()
    newer, value = pagecache.catalogue_latest_get("kept-thing")
    assert newer > version
    assert value is None
    # Made under the old version while the catalogue changed: kept, but never given.
    pagecache.catalogue_latest_set("kept-thing", version, "made from data that changed")
    assert pagecache.catalogue_latest_get("kept-thing") == (newer, None)


def test_a_value_kept_with_its_version_survives_a_lost_version_key_as_a_miss(db):
    version, _ = pagecache.catalogue_latest_get("kept-thing")
    pagecache.catalogue_latest_set("kept-thing", version, "before")
    cache.delete(pagecache.VERSION_KEY)  # as Redis restarting, or evicting the key, would
    started, value = pagecache.catalogue_latest_get("kept-thing")
    assert started is not None and started != version
    assert value is None
