"""Building blocks for the advice tests (``contracts.advising``): a Haarlem klantmanager, a
gezinsmigrant of Haarlem, courses that may be advised to her and courses that may not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core import mail
from django.test import TestCase

from contracts import advising
from contracts.models import Advice, Learner
from portal.accounts.models import Role, User
from providers.models import Offering
from tests.contracts.factories import LearnerFactory, MunicipalityFactory, RegionFactory
from tests.enrolments.factories import start_moment_for_sale
from tests.portal.factories import UserFactory
from tests.providers.factories import LocationFactory, OfferingFactory

LEARNER_EMAIL = "amal.gezin@example.org"
PASSWORD = "Een-Goed-wachtwoord-2026"
LINK = re.compile(r"https?://[^/\s]+(/\S*mijn-advies/link/\S+/)")


@dataclass
class World:
    haarlem: object
    velsen: object
    klantmanager: User
    learner: Learner
    courses: list[Offering]  # advisable, in the learner's region
    not_advisable: dict[str, Offering] = field(default_factory=dict)


def gezinsmigrant(municipality, **kwargs) -> Learner:
    return LearnerFactory(
        municipality=municipality,
        target_group="GEZINSMIGRANT",
        housing_date=None,
        intake_date=None,
        **kwargs,
    )


def world_build() -> World:
    haarlem = MunicipalityFactory(cbs_code="GM0392", name="Haarlem")
    velsen = MunicipalityFactory(cbs_code="GM0453", name="Velsen")
    courses = [
        start_moment_for_sale(title=f"NT2 dagcursus {n}", duo_loan_eligible=True).offering
        for n in range(3)
    ]
    elsewhere = MunicipalityFactory(
        cbs_code="GM0363",
        name="Amsterdam",
        region=RegionFactory(name="Groot-Amsterdam", slug="groot-amsterdam"),
    )
    far = LocationFactory(municipality=elsewhere, city="Amsterdam", postcode="1012 AB")
    not_advisable = {
        "draft": OfferingFactory(live=False, title="Concept"),
        "statushouders only": OfferingFactory(
            for_gezinsmigranten=False, title="Alleen statushouders"
        ),
        "brugklas": OfferingFactory(
            component="BRUGKLAS", for_gezinsmigranten=False, title="Brugklas"
        ),
        "outside the region": OfferingFactory(
            provider=far.provider, locations=[far], title="Amsterdamse B1"
        ),
    }
    for offering in not_advisable.values():
        if offering.title != "Amsterdamse B1":
            offering.locations.set([LocationFactory(provider=offering.provider)])
            offering.save()
    return World(
        haarlem=haarlem,
        velsen=velsen,
        klantmanager=UserFactory(
            role=Role.CASE_MANAGER, municipality=haarlem, first_name="Kees", last_name="Klant"
        ),
        learner=gezinsmigrant(haarlem, first_name="Amal"),
        courses=courses,
        not_advisable=not_advisable,
    )


def advice_give(world: World, *, courses=None, email: str = LEARNER_EMAIL, **kwargs) -> Advice:
    """Give advice as the klantmanager; the e-mail task runs once it commits."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return advising.advice_give(
            learner=world.learner,
            klantmanager=world.klantmanager,
            offerings=courses if courses is not None else world.courses[:2],
            email=email,
            **kwargs,
        )


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def last_link() -> str:
    return link_in(mail.outbox[-1])
