"""Help me choose (``portal/web/choose.py``): one question per screen, answers in the query string,
ending on the catalogue with the answers as its filters."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote_from_bytes, urlencode, urlsplit

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal.web.choose import STEP_PARAMETERS, because_lines, near_clean, parse_answers
from providers.choices import Component, Schedule, TargetGroup
from providers.filters import OfferingFilterSet
from tests.portal.places.postcode_data import postcode_areas_ensure
from tests.providers.factories import LanguageFactory

pytestmark = pytest.mark.django_db

CHOOSE = "/en/kies/"  # English: the assertions read the English texts
QUESTION_TITLES = {
    "who": "Who are you?",
    "route": "Which route is in your plan?",
    "place": "Where do you live?",
    "time": "When can you learn?",
    "childcare": "Do you need childcare during the lessons?",
    "pay": "How will you pay?",
    "language": "In which language would you like extra help?",
}


class StepPage(HTMLParser):
    """What a browser sees of one step: the form's fields, its button, the skip and back links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.hidden: list[tuple[str, str]] = []
        self.choices: list[tuple[str, str, bool, str]] = []  # name, value, checked, type
        self.text_inputs: dict[str, str] = {}
        self.button: tuple[str, str] | None = None
        self.links: dict[str, str] = {}
        self.title = ""
        self.count = ""
        self.fieldsets = self.legends = 0
        self._in: str | None = None
        self._link_class: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "input":
            kind = attributes.get("type", "text")
            if kind == "hidden":
                self.hidden.append((attributes["name"], attributes["value"]))
            elif kind in ("radio", "checkbox"):
                self.choices.append(
                    (attributes["name"], attributes["value"], "checked" in attributes, kind)
                )
            elif kind == "text":
                self.text_inputs[attributes["name"]] = attributes.get("value", "")
        elif tag == "button" and "choose__next" in attributes.get("class", ""):
            self.button = (attributes["name"], attributes["value"])
        elif tag == "a" and attributes.get("class") == "choose__skip":
            self.links["skip"] = attributes["href"]
        elif tag == "p" and attributes.get("class") == "choose__previous":
            self._link_class = "previous"
        elif tag == "a" and self._link_class == "previous":
            self.links["previous"] = attributes["href"]
            self._link_class = None
        elif tag == "h1":
            self._in = "title"
        elif tag == "span" and attributes.get("class") == "choose__count":
            self._in = "count"
        elif tag == "fieldset":
            self.fieldsets += 1
        elif tag == "legend":
            self.legends += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "span"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "count":
            self.count += data

    def values(self, name: str) -> list[str]:
        return [value for field, value, _checked, _kind in self.choices if field == name]

    def checked(self, name: str) -> list[str]:
        return [value for field, value, checked, _ in self.choices if field == name and checked]

    def submit(self, answers: dict[str, list[str]] | None = None) -> str:
        """The URL the browser opens for "Next" with these answers for this question."""
        items = list(self.hidden)
        for name, values in (answers or {}).items():
            items += [(name, value) for value in values]
        assert self.button is not None
        items.append(self.button)
        return CHOOSE + "?" + urlencode(items)


def step(client, url: str) -> StepPage:
    """Open a step; a link on a step (``?…``) is relative to the questionnaire."""
    response = client.get(CHOOSE + url if url.startswith("?") else url)
    assert response.status_code == 200, (url, response.status_code)
    return StepPage(response.content.decode())


def main_html(client, url: str) -> str:
    """The page's content, without the parts that differ per request (CSP nonces)."""
    html = client.get(url).content.decode()
    return html[html.index("<main") : html.index("</main>")]


def catalogue_query(response) -> list[tuple[str, str]]:
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == "/en/aanbod/"
    return parse_qsl(location.query)


@pytest.fixture
def arabic(db):
    return LanguageFactory(code="ar", name_en="Arabic", name_nl="Arabisch", native_name="العربية")


@pytest.fixture
def site(site_pages, arabic):
    postcode_areas_ensure()  # 2011 and Haarlem are known places (a transactional test may empty it)
    return site_pages


# --- Walking through ---------------------------------------------------------------------------


def test_each_question_has_its_own_screen_with_progress_and_a_fieldset(client, site):
    url = CHOOSE
    for number, key in enumerate(STEP_PARAMETERS, start=1):
        page = step(client, url)
        assert page.title == QUESTION_TITLES[key]
        assert page.count == f"Question {number} of 7"
        assert (page.fieldsets, page.legends) == (1, 1)
        url = page.links["skip"]
    assert url == "?step=done"


def test_a_family_migrant_answering_everything_ends_on_the_catalogue_with_every_filter(
    client, site
):
    page = step(client, CHOOSE)
    assert page.values("target_group") == list(TargetGroup.values)
    page = step(client, page.submit({"target_group": ["GEZINSMIGRANT"]}))
    assert page.title == QUESTION_TITLES["route"]
    assert page.values("component")[:3] == ["B1_ROUTE", "Z_ROUTE", "ONDERWIJSROUTE"]
    page = step(client, page.submit({"component": ["B1_ROUTE"]}))
    assert page.text_inputs == {"near": ""}
    page = step(client, page.submit({"near": ["2011"]}))
    assert page.values("schedule") == list(Schedule.values)
    assert {kind for _n, _v, _c, kind in page.choices} == {"checkbox"}
    page = step(client, page.submit({"schedule": ["EVENING", "WEEKEND"]}))
    page = step(client, page.submit({"childcare": ["true"]}))
    assert page.title == QUESTION_TITLES["pay"]
    page = step(client, page.submit({"duo_loan": ["true"]}))
    assert page.title == QUESTION_TITLES["language"]
    assert page.values("support_language") == ["ar"]
    response = client.get(page.submit({"support_language": ["ar"]}))
    assert catalogue_query(response) == [
        ("target_group", "GEZINSMIGRANT"),
        ("component", "B1_ROUTE"),
        ("near", "2011"),
        ("schedule", "EVENING"),
        ("schedule", "WEEKEND"),
        ("childcare", "true"),
        ("duo_loan", "true"),
        ("support_language", "ar"),
        ("ordering", "distance"),
        ("guided", "1"),
    ]


def test_the_catalogue_accepts_every_filter_the_questionnaire_sets(client, site):
    url = (
        CHOOSE + "?target_group=GEZINSMIGRANT&component=Z_ROUTE&near=Haarlem&schedule=DAYTIME"
        "&childcare=true&duo_loan=true&support_language=ar&step=done"
    )
    query = urlsplit(client.get(url)["Location"]).query
    filterset = OfferingFilterSet(QueryDict(query))
    assert filterset.is_valid(), filterset.errors
    assert client.get("/aanbod/?" + query).status_code == 200


def test_a_statushouder_is_not_asked_how_to_pay_and_gets_no_duo_filter(client, site):
    page = step(client, CHOOSE + "?target_group=STATUSHOUDER&step=childcare")
    assert page.count == "Question 5 of 6"
    assert page.button == ("step", "language")
    # A pay answer left from before they said they are a statushouder is not used.
    page = step(client, CHOOSE + "?target_group=STATUSHOUDER&duo_loan=true&step=pay")
    assert page.title == QUESTION_TITLES["language"]
    assert page.count == "Question 6 of 6"
    response = client.get(CHOOSE + "?target_group=STATUSHOUDER&duo_loan=true&step=done")
    assert catalogue_query(response) == [("target_group", "STATUSHOUDER"), ("guided", "1")]


def test_skipping_every_question_ends_on_the_whole_catalogue(client, site):
    url = CHOOSE
    for _ in range(7):
        url = CHOOSE + step(client, url).links["skip"]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/en/aanbod/"


def test_skipping_a_question_keeps_the_other_answers_and_drops_its_own(client, site):
    page = step(client, CHOOSE + "?target_group=GEZINSMIGRANT&schedule=EVENING&step=time")
    assert page.checked("schedule") == ["EVENING"]
    skip = dict(parse_qsl(urlsplit(page.links["skip"]).query))
    assert skip == {"target_group": "GEZINSMIGRANT", "step": "childcare"}


def test_no_to_childcare_and_paying_yourself_are_remembered_but_filter_nothing(client, site):
    base = CHOOSE + "?target_group=GEZINSMIGRANT&childcare=false&duo_loan=false"
    assert step(client, base + "&step=childcare").checked("childcare") == ["false"]
    assert step(client, base + "&step=pay").checked("duo_loan") == ["false"]
    assert catalogue_query(client.get(base + "&step=done")) == [
        ("target_group", "GEZINSMIGRANT"),
        ("guided", "1"),
    ]


def test_back_and_reload_show_the_same_page_for_the_same_address(client, site):
    url = CHOOSE + "?target_group=GEZINSMIGRANT&component=B1_ROUTE&near=2011&step=time"
    assert main_html(client, url) == main_html(client, url)
    page = step(client, url)
    previous = step(client, CHOOSE + page.links["previous"])
    assert previous.title == QUESTION_TITLES["place"]
    assert previous.text_inputs == {"near": "2011"}  # the answer given is shown again
    assert main_html(client, CHOOSE + page.links["previous"]) == main_html(
        client, CHOOSE + page.links["previous"]
    )


def test_the_questionnaire_needs_no_session_and_sets_no_cookie(client, site):
    """No session and no cookie but the language the visitor reads it in (which only says what
    they chose, and is set on every page in a language other than Dutch)."""
    response = client.get(CHOOSE + "?target_group=GEZINSMIGRANT&step=route")
    assert set(response.cookies) <= {django_settings.LANGUAGE_COOKIE_NAME}
    assert "sessionid" not in client.cookies
    dutch = Client().get("/kies/?target_group=GEZINSMIGRANT&step=route")
    assert dutch.cookies == {}


def test_the_first_question_has_no_previous_link_and_the_last_shows_courses(client, site):
    first = client.get("/en/kies/").content.decode()
    assert "Previous question" not in first
    last = client.get("/en/kies/?step=language").content.decode()
    assert 'value="done"' in last
    assert "Show courses" in last


# --- "I don't know" and the place --------------------------------------------------------------


def test_i_dont_know_my_route_shows_the_routes_explained_and_lets_me_choose(client, site):
    page = step(client, CHOOSE + "?step=route")
    assert "UNSURE" in page.values("component")
    html = client.get(CHOOSE + "?component=UNSURE&step=place").content.decode()
    explained = StepPage(html)
    assert explained.title == QUESTION_TITLES["route"]
    assert "UNSURE" not in explained.values("component")
    assert "You learn Dutch up to level B1." in html
    assert "There is no language exam." in html
    assert explained.button == ("step", "place")
    # Choosing a route there carries it on; skipping drops "I don't know".
    chosen = step(client, explained.submit({"component": ["Z_ROUTE"]}))
    assert chosen.title == QUESTION_TITLES["place"]
    assert ("component", "Z_ROUTE") in chosen.hidden
    skipped = step(client, CHOOSE + explained.links["skip"])
    assert [name for name, _ in skipped.hidden] == []


def test_a_place_that_cannot_be_one_is_asked_again_with_a_message(client, site):
    html = client.get(CHOOSE + "?near=%21%21%21&step=time").content.decode()
    assert StepPage(html).title == QUESTION_TITLES["place"]
    assert "Enter a postcode like 2011 or a place name like Haarlem." in html
    assert 'aria-invalid="true"' in html


def test_an_unknown_place_is_asked_again_and_never_reaches_the_catalogue(client, site):
    response = client.get(CHOOSE + "?near=Nergensdorp&step=done")
    assert response.status_code == 200
    html = response.content.decode()
    assert "We do not know this postcode or place." in html
    page = StepPage(html)
    assert page.text_inputs == {"near": "Nergensdorp"}
    assert "near" not in dict(parse_qsl(urlsplit(page.links["skip"]).query))


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("2011", "2011"),
        ("  2011   AB ", "2011 AB"),
        ("'s-Hertogenbosch", "'s-Hertogenbosch"),
        ("", None),
        ("   ", None),
        ("!!!", None),
        ("a\x00b", None),
        ("x" * 61, None),
    ],
)
def test_near_is_tidied_or_refused(typed, kept):
    assert near_clean(typed) == kept


# --- Unknown values -----------------------------------------------------------------------------


def test_values_the_catalogue_does_not_allow_are_dropped_without_an_error(client, site):
    url = (
        CHOOSE + "?target_group=KING&component=BRUGKLAS&component=NOPE&schedule=NIGHT"
        "&childcare=maybe&duo_loan=1e9&support_language=zz&step=time"
    )
    page = step(client, url)
    assert page.title == QUESTION_TITLES["time"]
    assert page.hidden == []
    assert catalogue_query(client.get(url.replace("step=time", "step=done"))) == []


def test_an_unknown_step_starts_at_the_first_question(client, site):
    assert step(client, CHOOSE + "?step=%00nope").title == QUESTION_TITLES["who"]


def test_the_questionnaire_answers_only_get(client, site):
    assert client.post(CHOOSE, {"step": "done"}).status_code == 405


# --- Languages ----------------------------------------------------------------------------------


def test_in_english_the_questions_and_the_catalogue_stay_in_english(client, site):
    page = step(client, "/en/kies/?step=route")
    assert page.title == QUESTION_TITLES["route"]
    html = client.get("/en/kies/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert 'action="/en/kies/"' in html
    response = client.get("/en/kies/?schedule=EVENING&step=done")
    assert response["Location"] == "/en/aanbod/?schedule=EVENING&guided=1"


def test_in_dutch_the_page_is_dutch_and_ends_on_the_dutch_catalogue(client, site):
    html = client.get("/kies/?step=route").content.decode()
    assert '<html lang="nl" dir="ltr">' in html
    assert "B1-route" in html  # the catalogue's own Dutch labels
    assert "Arabisch" in client.get("/kies/?step=language").content.decode()
    assert 'lang="ar"' in client.get("/kies/?step=language").content.decode()
    assert client.get("/kies/?step=done")["Location"] == "/aanbod/"


# --- Because you said ---------------------------------------------------------------------------


def test_because_lines_explain_each_filter_in_one_line(arabic):
    query = (
        "target_group=GEZINSMIGRANT&component=B1_ROUTE&near=2011&schedule=EVENING"
        "&schedule=WEEKEND&childcare=true&duo_loan=true&support_language=ar&page=2&max_price=9"
        "&guided=1"
    )
    with translation.override("en"):
        assert because_lines(QueryDict(query)) == [
            "Because you said: Family migrant (gezinsmigrant)",
            "Because you said: B1 route",
            "Because you said: near 2011",
            "Because you said: Evening, Weekend",
            "Because you said: I need childcare",
            "Because you said: I pay with a DUO loan",
            "Because you said: help in Arabic (العربية)",
        ]
        assert because_lines(query) == because_lines(QueryDict(query))


def test_because_lines_say_nothing_of_values_that_are_not_allowed(arabic):
    query = "target_group=x&component=UNSURE&near=%00&schedule=y&childcare=false&duo_loan=false"
    assert because_lines(query + "&guided=1") == []


def test_because_lines_only_follow_the_questionnaire(arabic):
    """Filters the visitor ticked in the catalogue itself are not "because you said"."""
    assert because_lines("schedule=EVENING") == []
    assert because_lines("schedule=EVENING&guided=0") == []
    with translation.override("en"):
        assert because_lines("schedule=EVENING&guided=1") == ["Because you said: Evening"]


def test_the_catalogue_shows_the_because_lines_after_the_questionnaire(client, site):
    guided = client.get("/en/aanbod/?schedule=EVENING&guided=1").content.decode()
    assert "Because you said: Evening" in guided
    assert 'href="/en/kies/?schedule=EVENING&amp;guided=1"' in guided
    assert "Because you said" not in client.get("/en/aanbod/?schedule=EVENING").content.decode()


def test_the_because_include_lists_the_lines_and_links_back_to_the_questions(arabic):
    request = RequestFactory().get("/aanbod/", {"schedule": "EVENING", "guided": "1"})
    with translation.override("en"):
        html = render_to_string(
            "web/choose/_because.html",
            {"because_lines": because_lines(request.GET), "request": request},
        )
    assert "<li>Because you said: Evening</li>" in html
    assert 'href="/en/kies/?schedule=EVENING&amp;guided=1"' in html
    assert render_to_string("web/choose/_because.html", {"because_lines": []}).strip() == ""


# --- Hostile input (Hypothesis) -----------------------------------------------------------------

PARAMETERS = [*STEP_PARAMETERS.values(), "step"]
ALLOWED_VALUES = [
    *TargetGroup.values,
    *Component.values,
    *Schedule.values,
    "UNSURE",
    "true",
    "false",
    "ar",
    "2011",
    "Haarlem",
    "done",
    *STEP_PARAMETERS,
]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)
VALUES = st.one_of(st.sampled_from(ALLOWED_VALUES), TEXT)
QUERIES = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), TEXT), VALUES), max_size=12)


def fuzz(max_examples: int):
    return settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=max_examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@fuzz(300)
@given(QUERIES)
@example([("near", "\x00"), ("step", "done")])
@example([("component", "UNSURE"), ("component", "B1_ROUTE"), ("step", "done")])
def test_parsing_any_query_keeps_only_allowed_values(arabic, pairs):
    answers = parse_answers(QueryDict(urlencode(pairs)))
    assert answers.target_group in (None, *TargetGroup.values)
    assert set(answers.components) <= set(Component.values)
    assert set(answers.schedules) <= set(Schedule.values)
    assert answers.support_language in (None, "ar")
    assert answers.near is None or near_clean(answers.near) == answers.near
    for name, value in answers.catalogue_items():
        assert (name, value) in answers.query_items()
        assert (name, value) != ("component", "UNSURE")
    because_lines(QueryDict(urlencode(pairs)))  # never raises


@fuzz(80)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(PARAMETERS),
            st.one_of(
                st.sampled_from(ALLOWED_VALUES).map(str.encode),
                st.binary(max_size=40),
            ),
        ),
        max_size=8,
    ),
    st.sampled_from(["/kies/", "/en/kies/"]),
)
@example([("near", b"\xff\xfe"), ("step", b"done")], "/kies/")
def test_any_query_gives_a_page_or_a_catalogue_the_catalogue_accepts(client, site, pairs, path):
    query = "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v)}" for k, v in pairs)
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        target = urlsplit(response["Location"])
        filterset = OfferingFilterSet(QueryDict(target.query))
        assert filterset.is_valid(), (query, filterset.errors)
