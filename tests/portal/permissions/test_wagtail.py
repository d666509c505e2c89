"""The admin asks ``portal.permissions`` for the action it performs, on every object URL.

A matrix of roles by snippets by actions (edit, delete, bulk delete; for offerings also unpublish,
lock, publish and restoring a revision), driven through the real admin URLs (GET and POST): what
a role may do works; what it may not is refused and changes nothing. A refused answer is one of:

* 404 (``HIDDEN``): the object is outside the user's view scope;
* 403 (``REFUSED``): the user sees the object, but the object rules refuse the action (another
  role of the same provider, a published offering, a start date with seats taken, records that
  still refer to it), with the reason on the page;
* Wagtail's own "no permission" (``NO``: a redirect to the dashboard with a message): the role may
  not do this to any object of the kind (the roles table), as everywhere in the admin.

The objects are built once for the module; every test runs in a transaction rolled back after it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from wagtail.models import DraftStateMixin
from wagtail.test.utils import WagtailTestUtils
from wagtail.test.utils.form_data import querydict_from_html

from contracts.models import AuditEntry, IntakeVolume
from portal.accounts.models import Role
from portal.permissions.wagtail import OBJECT_URL_ACTIONS, ScopedSnippetViewSet
from providers.models import Offering, Provider
from tests.contracts.factories import (
    ContractFactory,
    LearnerFactory,
    LotFactory,
    MunicipalityFactory,
    RegionFactory,
)
from tests.enrolments.factories import held_enrolment, learner
from tests.portal.factories import UserFactory, provider_staff
from tests.portal.helpers import login_staff, totp_enable
from tests.providers.factories import (
    LanguageFactory,
    LocationFactory,
    OfferingFactory,
    ProviderFactory,
    StartMomentFactory,
)

pytestmark = pytest.mark.django_db

OK, NO, REFUSED, HIDDEN = "allowed", "no permission", 403, 404

OBJECTS = (
    "provider_a",
    "provider_b",
    "offering_a",
    "offering_a_draft",
    "offering_b",
    "location_a",
    "location_a_free",
    "location_b",
    "moment_a",
    "moment_a_taken",
    "moment_b",
    "language",
    "region",
    "municipality",
    "intake",
    "contract_a",
    "lot_a",
    "learner_a",
    "audit_a",
    "enrolment_a",
)
# What everybody may see: the published catalogue (``permissions.public_scope``).
PUBLIC = (
    "provider_a",
    "provider_b",
    "offering_a",
    "offering_b",
    "location_a",
    "location_a_free",
    "location_b",
    "moment_a",
    "moment_a_taken",
    "moment_b",
    "language",
)


def _answers(**cells: tuple) -> dict[str, tuple]:
    """(edit, delete) per object; an object not named is out of the user's sight."""
    return {name: cells.get(name, (HIDDEN, HIDDEN)) for name in OBJECTS}


# Sees the public catalogue and may do nothing to it.
ONLOOKER = _answers(**dict.fromkeys(PUBLIC, (NO, NO)))
PROVIDER_EDITOR = _answers(
    provider_a=(REFUSED, NO),  # only the provider's administrators change its profile
    offering_a=(OK, REFUSED),  # published: withdrawn, never deleted
    offering_a_draft=(OK, OK),
    location_a=(OK, REFUSED),  # its start dates refer to it
    location_a_free=(OK, OK),
    moment_a=(OK, OK),
    moment_a_taken=(OK, REFUSED),  # a learner holds a seat
    language=(NO, NO),
    enrolment_a=(NO, NO),  # read only in the admin
)
PROVIDER_ADMIN = PROVIDER_EDITOR | {"provider_a": (OK, NO)}
CONTRACT_MANAGER = _answers(
    provider_a=(OK, REFUSED),  # its offerings refer to it
    provider_b=(OK, REFUSED),
    offering_a=(OK, REFUSED),
    offering_a_draft=(OK, OK),
    offering_b=(OK, REFUSED),
    location_a=(OK, REFUSED),
    location_a_free=(OK, OK),
    location_b=(OK, REFUSED),
    moment_a=(OK, OK),
    moment_a_taken=(OK, REFUSED),
    moment_b=(OK, OK),
    language=(OK, OK),
    region=(OK, REFUSED),  # kept by contract managers; its municipalities refer to it
    municipality=(OK, REFUSED),  # its learners and locations refer to it
    intake=(OK, OK),
    contract_a=(OK, REFUSED),  # its lot refers to it
    lot_a=(OK, OK),
    learner_a=(NO, NO),  # contract managers look on
    audit_a=(NO, NO),
    enrolment_a=(NO, NO),
)
EXPECTED = {
    "provider_editor": PROVIDER_EDITOR,
    "provider_admin": PROVIDER_ADMIN,
    "contract_manager": CONTRACT_MANAGER,
    # Whatever any role may do: also the klantmanager's change of a learner.
    "superuser": CONTRACT_MANAGER | {"learner_a": (OK, NO)},
    "klantmanager": ONLOOKER | {"municipality": (NO, NO), "learner_a": (OK, NO)},
    "auditor": ONLOOKER | {"audit_a": (NO, NO)},
    "site_editor": ONLOOKER | {"language": (OK, OK)},
}
ROLES = tuple(EXPECTED)

DRAFT = "saved for approval"
# What else the admin does to an offering, for (offering_a, offering_b): unpublish it, lock it,
# publish a change from the edit form, open an earlier revision to restore it.
_STAFF_OFFERING_ACTIONS = {
    "unpublish": (NO, HIDDEN),  # withdrawing from the catalogue is the contract managers' part
    "lock": (OK, HIDDEN),
    "publish": (DRAFT, HIDDEN),  # their "publish" is a change waiting for approval
    "revert": (OK, HIDDEN),
}
_MANAGER_OFFERING_ACTIONS = dict.fromkeys(("unpublish", "lock", "publish", "revert"), (OK, OK))
_ONLOOKER_OFFERING_ACTIONS = dict.fromkeys(("unpublish", "lock", "publish", "revert"), (NO, NO))
OFFERING_ACTIONS = {
    "provider_editor": _STAFF_OFFERING_ACTIONS,
    "provider_admin": _STAFF_OFFERING_ACTIONS,
    "contract_manager": _MANAGER_OFFERING_ACTIONS,
    "superuser": _MANAGER_OFFERING_ACTIONS,
    "klantmanager": _ONLOOKER_OFFERING_ACTIONS,
    "auditor": _ONLOOKER_OFFERING_ACTIONS,
    "site_editor": _ONLOOKER_OFFERING_ACTIONS,
}

# The field each test edit changes, and its new value.
CHANGES = {
    "provider": ("phone", "023 555 0101"),
    "offering": ("title", "Gewijzigde cursus"),
    "location": ("name", "Gewijzigd lokaal"),
    "startmoment": ("seats", "21"),
    "language": ("name_en", "Arabic, changed"),
    "region": ("name", "Gewijzigde regio"),
    "municipality": ("name", "Gewijzigde gemeente"),
    "intakevolume": ("statushouders", "77"),
    "contract": ("extension_options", "Gewijzigd"),
    "lot": ("name", "Gewijzigd perceel"),
    "learner": ("first_name", "Gewijzigd"),
    "auditentry": ("what", "gewijzigd"),
    "enrolment": ("learner_email", "gewijzigd@example.org"),
}


@dataclass
class World:
    users: dict
    objects: dict
    forms: dict  # the edit form of each object as a superuser gets it: what a refused POST sends


def _form_data(html: str) -> QueryDict:
    """The edit form as a browser would post it (a ticked box without a value sends "on")."""
    data = querydict_from_html(html, form_id="w-editor-form")
    form = WagtailTestUtils.get_soup(html).find("form", attrs={"id": "w-editor-form"})
    for box in form.find_all("input", type="checkbox", checked=True):
        if "value" not in box.attrs:
            data.setlist(box["name"], ["on"])
    return data


def _build() -> World:
    provider_a, provider_b = ProviderFactory(name="Eigen School"), ProviderFactory()
    location_a = LocationFactory(provider=provider_a)
    location_a_free = LocationFactory(provider=provider_a, municipality=location_a.municipality)
    location_b = LocationFactory(provider=provider_b, municipality=location_a.municipality)
    offering_a = OfferingFactory(
        provider=provider_a, title="Eigen cursus", locations=[location_a, location_a_free]
    )
    offering_a.save_revision().publish()
    offering_b = OfferingFactory(provider=provider_b, locations=[location_b])
    offering_b.save_revision().publish()
    moment_a_taken = StartMomentFactory(offering=offering_a, location=location_a)
    municipality = MunicipalityFactory()
    learner_a = LearnerFactory(municipality=municipality)
    contract_a = ContractFactory(provider=provider_a)
    objects = {
        "provider_a": provider_a,
        "provider_b": provider_b,
        "offering_a": Offering.objects.get(pk=offering_a.pk),
        "offering_a_draft": OfferingFactory(provider=provider_a, live=False),
        "offering_b": Offering.objects.get(pk=offering_b.pk),
        "location_a": location_a,
        "location_a_free": location_a_free,
        "location_b": location_b,
        "moment_a": StartMomentFactory(offering=offering_a, location=location_a),
        "moment_a_taken": moment_a_taken,
        "moment_b": StartMomentFactory(offering=offering_b, location=location_b),
        "language": LanguageFactory(),
        "region": RegionFactory(),
        "municipality": municipality,
        "intake": IntakeVolume.objects.create(
            municipality=municipality, year=2027, statushouders=10, gezinsmigranten=5
        ),
        "contract_a": contract_a,
        "lot_a": LotFactory(contract=contract_a),
        "learner_a": learner_a,
        "audit_a": AuditEntry.objects.create(learner=learner_a, action=AuditEntry.Action.VIEW),
        # A learner holds a seat on moment_a_taken.
        "enrolment_a": held_enrolment(moment_a_taken, user=learner()),
    }
    users = {
        "provider_editor": provider_staff(provider_a),
        "provider_admin": provider_staff(provider_a, admin=True),
        "contract_manager": UserFactory(role=Role.CONTRACT_MANAGER),
        "superuser": UserFactory(is_superuser=True),
        "klantmanager": UserFactory(role=Role.CASE_MANAGER, municipality=municipality),
        "auditor": UserFactory(role=Role.AUDITOR),
        "site_editor": UserFactory(role=Role.SITE_EDITOR),
    }
    for user in users.values():
        totp_enable(user)
    admin = login_staff(Client(), users["superuser"])
    forms = {}
    for name, obj in objects.items():
        response = admin.get(_url(obj, "edit"))
        if response.status_code == 200:
            forms[name] = _form_data(response.content.decode())
    return World(users=users, objects=objects, forms=forms)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end; each test runs in a
    savepoint inside it (pytest-django's ``db``), so what a test changes is undone after it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _url(obj, view: str) -> str:
    return reverse(obj.snippet_viewset.get_url_name(view), args=[obj.pk])


def _bulk_delete_url(obj) -> str:
    opts = obj._meta
    url = reverse("wagtail_bulk_action", args=(opts.app_label, opts.model_name, "delete"))
    listing = reverse(obj.snippet_viewset.get_url_name("list"))
    return f"{url}?next={listing}&id={obj.pk}"


def _answer(response, *, posted: bool = False):
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return NO
    if response.status_code in (403, 404):
        return response.status_code
    if response.status_code == (302 if posted else 200):
        return OK
    form = (response.context or {}).get("form") if hasattr(response, "context") else None
    return f"{response.status_code} {form.errors if form is not None else ''}"


def _value(obj, field: str) -> str:
    """The field as saved: for an offering, in its latest revision (drafts are revisions)."""
    fresh = type(obj)._default_manager.get(pk=obj.pk)
    if isinstance(fresh, DraftStateMixin) and fresh.latest_revision_id:
        fresh = fresh.latest_revision.as_object()
    return str(getattr(fresh, field))


def _exists(obj) -> bool:
    return type(obj)._default_manager.filter(pk=obj.pk).exists()


def _login(client, world: World, role: str):
    return login_staff(client, world.users[role])


def _refusal_shown(response) -> bool:
    return b"help-critical" in response.content


@contextmanager
def _undone():
    """What happens inside is rolled back: every object of a row starts from the same world."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _edit(client, world: World, name: str):
    """The answer to opening the object's edit form and posting a change, or what is amiss."""
    obj = world.objects[name]
    field, value = CHANGES[obj._meta.model_name]
    before = _value(obj, field)
    url = _url(obj, "edit")
    response = client.get(url)
    shown = _answer(response)
    if shown == OK:
        data = _form_data(response.content.decode())
    else:
        data = world.forms.get(name, QueryDict(mutable=True)).copy()
    data[field] = value
    posted = _answer(client.post(url, data), posted=True)
    if posted != shown:
        return f"GET {shown}, POST {posted}"
    if _value(obj, field) != (value if posted == OK else before):
        return f"{posted}, but the change was {'not ' if posted == OK else ''}saved"
    if shown == REFUSED and not _refusal_shown(response):
        return "403 without a reason"
    return shown


def _delete(client, obj, url: str):
    """The answer to opening a delete confirmation and confirming it, or what is amiss."""
    response = client.get(url)
    shown = _answer(response)
    posted = _answer(client.post(url), posted=True)
    if posted != shown:
        return f"GET {shown}, POST {posted}"
    if _exists(obj) != (posted != OK):
        return f"{posted}, but it was {'not ' if posted == OK else ''}deleted"
    if shown == REFUSED and not _refusal_shown(response):
        return "403 without a reason"
    return shown


# These differ from another object only in what stops deleting them.
EDITED = tuple(name for name in OBJECTS if name not in {"offering_a_draft", "location_a_free"})


def _offering_action(client, world: World, name: str, action: str):
    """The answer to unpublishing, locking, publishing from the edit form or opening a revision
    to restore, or what is amiss."""
    offering = world.objects[name]
    if action == "revert":
        url = reverse(
            offering.snippet_viewset.get_url_name("revisions_revert"),
            args=[offering.pk, offering.latest_revision_id],
        )
        return _answer(client.get(url))
    if action == "publish":
        data = world.forms[name].copy()
        data.update({"title": "Meteen gepubliceerd", "action-publish": "action-publish"})
        answer = _answer(client.post(_url(offering, "edit"), data), posted=True)
        live = Offering.objects.get(pk=offering.pk).title == "Meteen gepubliceerd"
        if answer == OK and not live:
            return DRAFT if _value(offering, "title") == "Meteen gepubliceerd" else "not saved"
        return answer if answer == OK or not live else f"{answer}, but published"
    answer = _answer(client.post(_url(offering, action)), posted=True)
    fresh = Offering.objects.get(pk=offering.pk)
    done = (not fresh.live) if action == "unpublish" else fresh.locked
    return answer if done == (answer == OK) else f"{answer}, but {'not ' if not done else ''}done"


@pytest.mark.parametrize("role", ROLES)
def test_changing_answers_as_the_roles_table_and_object_rules_say(client, world, role):
    _login(client, world, role)
    answers = {}
    for name in EDITED:
        with _undone():
            answers[name] = {"edit": _edit(client, world, name)}
    for name in ("offering_a", "offering_b"):
        for action in OFFERING_ACTIONS[role]:
            with _undone():
                answers[name][action] = _offering_action(client, world, name, action)
    expected = {name: {"edit": EXPECTED[role][name][0]} for name in EDITED}
    for action, (offering_a, offering_b) in OFFERING_ACTIONS[role].items():
        expected["offering_a"][action] = offering_a
        expected["offering_b"][action] = offering_b
    assert answers == expected


@pytest.mark.parametrize("role", ROLES)
def test_deleting_answers_as_the_roles_table_and_object_rules_say(client, world, role):
    _login(client, world, role)
    answers = {}
    for name in OBJECTS:
        with _undone():
            obj = world.objects[name]
            answers[name] = _delete(client, obj, _url(obj, "delete"))
    assert answers == {name: delete for name, (_, delete) in EXPECTED[role].items()}


@pytest.mark.parametrize("role", ROLES)
def test_bulk_deleting_answers_like_deleting_one(client, world, role):
    _login(client, world, role)
    answers = {}
    for name in OBJECTS:
        with _undone():
            obj = world.objects[name]
            answers[name] = _delete(client, obj, _bulk_delete_url(obj))
    expected = {name: delete for name, (_, delete) in EXPECTED[role].items()}
    # Enrolments have no bulk delete at all (``portal.enrolments``).
    assert answers == expected | {"enrolment_a": HIDDEN}


def test_a_provider_editor_may_not_change_the_provider_profile(client, world):
    provider = world.objects["provider_a"]
    _login(client, world, "provider_editor")
    with_english_admin(world.users["provider_editor"])
    data = world.forms["provider_a"].copy()
    data.update({"phone": "06 12345678", "late_cancellation_refund_percent": "100"})
    response = client.post(_url(provider, "edit"), data)
    assert response.status_code == 403
    assert "You may see “Eigen School”, but not change it." in response.content.decode()
    provider.refresh_from_db()
    assert provider.phone == ""
    assert provider.late_cancellation_refund_percent == 0


def test_a_provider_editor_reads_the_provider_profile_from_the_listing(client, world):
    provider = world.objects["provider_a"]
    _login(client, world, "provider_editor")
    html = client.get(reverse("wagtailsnippets_providers_provider:list")).content.decode()
    assert _url(provider, "inspect") in html
    assert _url(provider, "edit") not in html
    assert client.get(_url(provider, "inspect")).status_code == 200


@pytest.mark.parametrize("role", ["provider_editor", "contract_manager"])
def test_a_published_offering_with_start_dates_is_not_deleted_and_says_why(client, world, role):
    offering = world.objects["offering_a"]
    with_english_admin(world.users[role])
    _login(client, world, role)
    for response in (
        client.get(_url(offering, "delete")),
        client.post(_url(offering, "delete")),
        client.post(_bulk_delete_url(offering)),
    ):
        assert response.status_code == 403
        assert "“Eigen cursus” has been published, so it cannot be deleted" in (
            response.content.decode()
        )
    assert Offering.objects.filter(pk=offering.pk).exists()


def test_the_listing_offers_delete_only_where_it_may_be_done(client, world):
    _login(client, world, "provider_editor")
    html = client.get(reverse("wagtailsnippets_providers_offering:list")).content.decode()
    assert _url(world.objects["offering_a_draft"], "delete") in html
    assert _url(world.objects["offering_a"], "delete") not in html
    assert _url(world.objects["offering_a"], "edit") in html


def test_a_provider_still_referred_to_names_what_refers_to_it(client, world):
    provider = world.objects["provider_b"]
    with_english_admin(world.users["contract_manager"])
    _login(client, world, "contract_manager")
    response = client.post(_url(provider, "delete"))
    assert response.status_code == 403
    assert "cannot be deleted while other records refer to it: 1 offering" in (
        response.content.decode()
    )
    assert Provider.objects.filter(pk=provider.pk).exists()


def test_bulk_delete_never_names_a_learner_the_user_may_not_see(client, world):
    """Wagtail's own bulk delete listed every guessed id as "no permission to delete", by name."""
    learner_a = world.objects["learner_a"]
    _login(client, world, "provider_editor")
    response = client.get(_bulk_delete_url(learner_a))
    assert response.status_code == 404
    assert learner_a.last_name not in response.content.decode()


def test_every_object_url_is_asked_for_an_action():
    """A Wagtail view added later is a conscious decision here, not an open door (CHANGE)."""
    names = {
        pattern.name
        for viewset in _scoped_viewsets()
        for pattern in viewset.get_urlpatterns()
        if "pk" in pattern.pattern.regex.groupindex
    }
    assert names <= set(OBJECT_URL_ACTIONS), names - set(OBJECT_URL_ACTIONS)


# Values for the other parts of object URLs: the guard answers before they are looked at.
URL_ARGUMENTS = {
    "revision_id": 1,
    "revision_id_a": "earliest",
    "revision_id_b": "latest",
    "action_name": "approve",
    "task_state_id": 1,
    "task_id": 1,
    "workflow_state_id": 1,
}


def test_every_object_url_of_what_the_editor_may_not_see_is_not_found(client, world):
    _login(client, world, "provider_editor")
    hidden = [name for name, (edit, _) in PROVIDER_EDITOR.items() if edit == HIDDEN]
    for name in hidden:
        obj = world.objects[name]
        for pattern in obj.snippet_viewset.get_urlpatterns():
            groups = pattern.pattern.regex.groupindex
            if "pk" not in groups:
                continue
            kwargs = {"pk": obj.pk} | {key: URL_ARGUMENTS[key] for key in groups if key != "pk"}
            url = reverse(obj.snippet_viewset.get_url_name(pattern.name), kwargs=kwargs)
            assert client.get(url).status_code == 404, url


def _scoped_viewsets() -> list[ScopedSnippetViewSet]:
    from wagtail.snippets.models import get_snippet_models

    return [
        model.snippet_viewset
        for model in get_snippet_models()
        if isinstance(model.snippet_viewset, ScopedSnippetViewSet)
    ]


def with_english_admin(user) -> None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
