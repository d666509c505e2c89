"""Help me choose: a short questionnaire, one question per screen, that ends on the catalogue.

Every step is a GET form. The answers given so far travel in the query string as hidden fields,
under the catalogue's own parameter names (``target_group``, ``component``, ``near``,
``schedule``, ``childcare``, ``duo_loan``, ``support_language``), and ``step`` names the
question to show. So the browser's Back button, a reload and a shared link all simply work, with
no session and no JavaScript.

Every answer is checked against the values the catalogue allows. A choice that is not one of
them (only a changed URL can send one) is dropped without a word. A place is the one thing a
person types: one that cannot be a postcode or place name, or that ``portal.places.geo`` does
not know, asks that question again with a message (the catalogue would answer 400 to it).

Two answers mean something here that the catalogue does not: ``childcare=false`` ("I do not
need it") and ``duo_loan=false`` ("I pay myself") are remembered between steps but never sent
to the catalogue, where ``false`` would mean "only courses *without* childcare / DUO loan".
``component=UNSURE`` ("I don't know my route") asks the route question again, with the routes
explained.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cms.links import catalogue_url
from portal.core.locale import path_in_language
from portal.places import geo
from providers.choices import Component, Schedule, TargetGroup
from providers.filters import language_choices
from providers.models import Language

# The questions in order; "pay" is not asked of a statushouder (the municipality pays).
STEPS = ("who", "route", "place", "time", "childcare", "pay", "language")
DONE = "done"
STEP_PARAMETERS = {
    "who": "target_group",
    "route": "component",
    "place": "near",
    "time": "schedule",
    "childcare": "childcare",
    "pay": "duo_loan",
    "language": "support_language",
}
ROUTE_UNSURE = "UNSURE"
# The routes first, then the parts everyone does (MAP, PVT) and KNM; not the brugklas or
# literacy, which the municipality or the school arranges inside a route.
ROUTE_CHOICES = (
    Component.B1_ROUTE,
    Component.Z_ROUTE,
    Component.ONDERWIJSROUTE,
    Component.MAP,
    Component.PVT,
    Component.KNM,
)
NEAR_MAX_LENGTH = 60
NEAR_REFUSED, NEAR_UNKNOWN = "refused", "unknown"
NEAR_ERRORS = {
    NEAR_REFUSED: gettext_lazy("Enter a postcode like 2011 or a place name like Haarlem."),
    NEAR_UNKNOWN: gettext_lazy(
        "We do not know this postcode or place. Try a 4-digit postcode, like 2011."
    ),
}
_NEAR_PUNCTUATION = frozenset(" '\u2019-.()/,")
_TRUE, _FALSE = "true", "false"

QUESTIONS = {
    "who": gettext_lazy("Who are you?"),
    "route": gettext_lazy("Which route is in your plan?"),
    "place": gettext_lazy("Where do you live?"),
    "time": gettext_lazy("When can you learn?"),
    "childcare": gettext_lazy("Do you need childcare during the lessons?"),
    "pay": gettext_lazy("How will you pay?"),
    "language": gettext_lazy("In which language would you like extra help?"),
}
HINTS = {
    "who": gettext_lazy("This helps us show courses for your situation."),
    "route": gettext_lazy("Your plan from the municipality (PIP) says which route you follow."),
    "place": gettext_lazy("For example 2011 or Haarlem."),
    "time": gettext_lazy("Choose all that fit."),
    "childcare": gettext_lazy("Some schools look after young children during the lessons."),
    "pay": gettext_lazy("Ask DUO or your municipality if you are not sure."),
    "language": gettext_lazy("Some schools can explain things in your language."),
}


@dataclass(frozen=True)
class Answers:
    """What the visitor answered, every value one the catalogue allows."""

    target_group: str | None = None
    components: tuple[str, ...] = ()
    route_unsure: bool = False
    near: str | None = None
    near_refused: str | None = None  # what was typed, when it cannot be a postcode or place
    schedules: tuple[str, ...] = ()
    childcare: bool | None = None
    duo_loan: bool | None = None
    support_language: str | None = None

    def query_items(self, *, without: str | None = None) -> list[tuple[str, str]]:
        """The answers as query parameters, in the questions' order (``without`` one of them)."""
        items: list[tuple[str, str]] = []
        if self.target_group:
            items.append(("target_group", self.target_group))
        if self.route_unsure:
            items.append(("component", ROUTE_UNSURE))
        items += [("component", value) for value in self.components]
        if self.near:
            items.append(("near", self.near))
        items += [("schedule", value) for value in self.schedules]
        if self.childcare is not None:
            items.append(("childcare", _TRUE if self.childcare else _FALSE))
        if self.duo_loan is not None:
            items.append(("duo_loan", _TRUE if self.duo_loan else _FALSE))
        if self.support_language:
            items.append(("support_language", self.support_language))
        return [(name, value) for name, value in items if name != without]

    def catalogue_items(self) -> list[tuple[str, str]]:
        """The catalogue's filters for these answers: only what narrows the list as meant."""
        dropped = {("component", ROUTE_UNSURE), ("childcare", _FALSE), ("duo_loan", _FALSE)}
        if self.target_group == TargetGroup.STATUSHOUDER:
            dropped.add(("duo_loan", _TRUE))  # the municipality pays; never asked
        return [item for item in self.query_items() if item not in dropped]


def _last(query: QueryDict, name: str) -> str:
    """The value a Django form would read (the last one), as text; never raises."""
    value = query.get(name, "")
    return value if isinstance(value, str) else ""


def _allowed(values: Iterable[str], allowed: Iterable[str]) -> tuple[str, ...]:
    allowed_set = set(allowed)
    kept: list[str] = []
    for value in values:
        if value in allowed_set and value not in kept:
            kept.append(value)
    return tuple(kept)


def _boolean(raw: str) -> bool | None:
    value = raw.strip().lower()
    return True if value == _TRUE else False if value == _FALSE else None


def near_clean(raw: str) -> str | None:
    """The typed postcode or place with its spaces tidied, or None when it cannot be one (too
    long, no letter or digit, a control character). Whether the place is known is asked of
    ``portal.places.geo`` only when the visitor moves on (one query)."""
    text = " ".join(raw.split())
    if not text or len(text) > NEAR_MAX_LENGTH or not text.isprintable():
        return None
    return text if any(character.isalnum() for character in text) else None


def parse_answers(query: QueryDict) -> Answers:
    """Read the answers from a query string; anything the catalogue does not allow is dropped."""
    target_group = _last(query, "target_group")
    raw_components = query.getlist("component")
    components = _allowed(raw_components, ROUTE_CHOICES)
    raw_near = _last(query, "near")
    near = near_clean(raw_near)
    near_refused = raw_near if near is None and raw_near.strip() else None
    language = _last(query, "support_language")
    return Answers(
        target_group=target_group if target_group in TargetGroup.values else None,
        components=components,
        route_unsure=not components and ROUTE_UNSURE in raw_components,
        near=near,
        near_refused=near_refused,
        schedules=_allowed(query.getlist("schedule"), Schedule.values),
        childcare=_boolean(_last(query, "childcare")),
        duo_loan=_boolean(_last(query, "duo_loan")),
        support_language=(language if language and language in dict(language_choices()) else None),
    )


def steps_for(answers: Answers) -> list[str]:
    """The questions this visitor is asked: a statushouder is not asked how they pay."""
    if answers.target_group == TargetGroup.STATUSHOUDER:
        return [step for step in STEPS if step != "pay"]
    return list(STEPS)


def _requested_index(requested: str, steps: list[str]) -> int:
    """Where ``step`` points: a question not asked of this visitor means the next one asked."""
    if requested == DONE:
        return len(steps)
    if requested not in STEPS:
        return 0
    position = STEPS.index(requested)
    for index, step in enumerate(steps):
        if STEPS.index(step) >= position:
            return index
    return len(steps)


# --- "Because you said" ----------------------------------------------------------------------


# The parameter the questionnaire's last step adds to the catalogue's address (the FilterSet
# ignores it): only then does the catalogue say "because you said".
GUIDED = "guided"


def because_lines(query: QueryDict | str) -> list[str]:
    """One line per filter the questionnaire sets, saying which answer set it; for the catalogue.

    ``query`` is the catalogue's query (``request.GET``) or its text. Only the filters the
    questionnaire can set are explained, each on one line, and only values the catalogue allows.
    """
    if isinstance(query, str):
        query = QueryDict(query)
    if query.get(GUIDED) != "1":
        return []  # the visitor chose these filters in the catalogue, not in the questionnaire
    answers = parse_answers(query)
    answer_texts: list[str] = []
    if answers.target_group:
        answer_texts.append(str(TargetGroup(answers.target_group).label))
    if answers.components:
        answer_texts.append(", ".join(str(Component(value).label) for value in answers.components))
    if answers.near:
        answer_texts.append(_("near %(place)s") % {"place": answers.near})
    if answers.schedules:
        answer_texts.append(", ".join(str(Schedule(value).label) for value in answers.schedules))
    if answers.childcare:
        answer_texts.append(_("I need childcare"))
    if answers.duo_loan:
        answer_texts.append(_("I pay with a DUO loan"))
    if answers.support_language:
        name = dict(language_choices())[answers.support_language]
        answer_texts.append(_("help in %(language)s") % {"language": name})
    return [_("Because you said: %(answer)s") % {"answer": text} for text in answer_texts]


# --- The page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    help: str = ""
    native_name: str = ""
    lang: str = ""
    checked: bool = False


def _options(step: str, answers: Answers) -> list[Option]:
    if step == "who":
        helps = {
            TargetGroup.STATUSHOUDER: _("The municipality pays for your route."),
            TargetGroup.GEZINSMIGRANT: _(
                "You came to the Netherlands to live with family. You pay for your course."
            ),
        }
        return [
            Option(value, str(label), helps[value], checked=value == answers.target_group)
            for value, label in TargetGroup.choices
        ]
    if step == "route":
        return [
            Option(value, str(Component(value).label), checked=value in answers.components)
            for value in ROUTE_CHOICES
        ]
    if step == "time":
        return [
            Option(value, str(label), checked=value in answers.schedules)
            for value, label in Schedule.choices
        ]
    if step == "childcare":
        return [
            Option(_TRUE, _("Yes"), checked=answers.childcare is True),
            Option(_FALSE, _("No"), checked=answers.childcare is False),
        ]
    if step == "pay":
        return [
            Option(
                _FALSE,
                _("I pay myself"),
                _("You can choose any school."),
                checked=answers.duo_loan is False,
            ),
            Option(
                _TRUE,
                _("With a DUO loan"),
                _("Only schools with the quality mark (Keurmerk). DUO pays the school."),
                checked=answers.duo_loan is True,
            ),
        ]
    if step == "language":
        dutch = (get_language() or "nl").startswith("nl")
        options = [
            Option(
                language.code,
                language.name_nl if dutch else language.name_en,
                native_name=language.native_name
                if language.native_name not in ("", language.name_nl, language.name_en)
                else "",
                lang=language.code,
                checked=language.code == answers.support_language,
            )
            for language in Language.objects.all()
        ]
        return sorted(options, key=lambda option: option.label.casefold())
    return []


def _printable(text: str) -> str:
    return "".join(character for character in text if character.isprintable())


def _url(items: list[tuple[str, str]]) -> str:
    return "?" + urlencode(items)


@require_GET
def choose(request: HttpRequest) -> HttpResponse:
    answers = parse_answers(request.GET)
    steps = steps_for(answers)
    index = _requested_index(_last(request.GET, "step"), steps)
    # "I don't know my route" and a place that cannot be one ask that question again.
    explain_routes = answers.route_unsure and index >= steps.index("route")
    place = steps.index("place")
    near_problem = None
    if explain_routes:
        index = steps.index("route")
    elif answers.near_refused is not None and index >= place:
        near_problem = NEAR_REFUSED
    elif answers.near and index > place and geo.point_for(answers.near) is None:
        near_problem = NEAR_UNKNOWN
    if near_problem:
        index = place
    if index >= len(steps):
        target = catalogue_url(request) or path_in_language("/")
        filters = answers.catalogue_items()
        if answers.near:
            filters.append(("ordering", "distance"))  # near you: the nearest first
        if filters:
            # Marks the catalogue's visit as the questionnaire's end, for the "because" lines.
            filters.append((GUIDED, "1"))
        return HttpResponseRedirect(target + _url(filters) if filters else target)

    step = steps[index]
    parameter = STEP_PARAMETERS[step]
    next_step = steps[index + 1] if index + 1 < len(steps) else DONE
    carried = answers.query_items(without=parameter)
    context = {
        "step": step,
        "parameter": parameter,
        "number": index + 1,
        "total": len(steps),
        "question": QUESTIONS[step],
        "hint": HINTS[step],
        "explain_routes": explain_routes,
        "options": _options(step, answers),
        "multiple": step == "time",
        "near_value": _printable(answers.near_refused or answers.near or "")[: NEAR_MAX_LENGTH * 2],
        "near_error": NEAR_ERRORS.get(near_problem),
        "near_max_length": NEAR_MAX_LENGTH,
        "carried": carried,
        "next_step": next_step,
        "last": next_step == DONE,
        "skip_url": _url([*carried, ("step", next_step)]),
        "previous_url": (
            _url([*answers.query_items(), ("step", steps[index - 1])]) if index > 0 else None
        ),
        "route_unsure_value": ROUTE_UNSURE,
    }
    return render(request, "web/choose/step.html", context)
