"""Demo learners and referrals: a quarter of the seed's 2021 volumes per municipality, the route
split 60/25/15, and referrals in every state, made through the real services so that capacity,
seats and state records are consistent (but nobody is e-mailed). Fictional people; run by
``seed_demo`` with its logins.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from contracts import notifying, referrals, summaries
from contracts.models import Learner, LearnerRoute, Lot, ReferralState
from portal.accounts.models import Role
from portal.demo import data
from portal.places.models import Municipality

DEMO_CLIENT_PREFIX = "DEMO-"
SHARE_OF_VOLUMES = 4  # one demo learner per four of the seed's learners
ROUTE_SPLIT = [
    (LearnerRoute.B1_ROUTE, 60),
    (LearnerRoute.ONDERWIJSROUTE, 25),
    (LearnerRoute.Z_ROUTE, 15),
]
FIRST_NAMES = ["Amal", "Yonas", "Sara", "Omar", "Lina", "Dawit", "Nour", "Helen", "Samir", "Ayla"]
LAST_NAMES = ["Haddad", "Tesfaye", "Karimi", "Nasser", "Bekele", "Aziz", "Mansour", "Demir"]
# The path each demo referral takes, by its number: every state appears.
STORIES = [
    ReferralState.DRAFT,
    ReferralState.SENT,
    ReferralState.ACCEPTED,
    ReferralState.STARTED,
    ReferralState.COMPLETED,
    ReferralState.DECLINED,
    ReferralState.STOPPED,
    ReferralState.WITHDRAWN,
    ReferralState.STARTED,
    ReferralState.SENT,
]


def demo_caseload_create(*, today: datetime.date, actor_superuser) -> tuple[int, int]:
    """Learners and referrals for the demo, once: returns (learners, referrals) made now."""
    if Learner.objects.filter(client_number__startswith=DEMO_CLIENT_PREFIX).exists():
        return 0, 0
    rng = random.Random(2021)  # noqa: S311 - demo data, not security
    made_learners = made_referrals = 0
    with transaction.atomic(), notifying.muted(), summaries.deferred():
        for code, _name, _sh2020, statushouders, gezinsmigranten in data.MUNICIPALITIES:
            municipality = Municipality.objects.get(cbs_code=code)
            klantmanager = _klantmanager_for(municipality)
            groups = [("STATUSHOUDER", statushouders), ("GEZINSMIGRANT", gezinsmigranten)]
            for target_group, volume in groups:
                for number in range(max(volume // SHARE_OF_VOLUMES, 1)):
                    learner = _learner_create(
                        municipality, klantmanager, target_group, number, today, rng
                    )
                    made_learners += 1
                    made_referrals += _referrals_for(
                        learner, klantmanager, actor_superuser, number, today
                    )
    return made_learners, made_referrals


def _klantmanager_for(municipality: Municipality):
    """The demo klantmanager of Haarlem logs in; the other municipalities get one without a
    password, so that every case has somebody responsible."""
    user_model = get_user_model()
    existing = user_model.objects.filter(role=Role.CASE_MANAGER, municipality=municipality).first()
    if existing is not None:
        return existing
    email = f"klantmanager.{municipality.cbs_code.lower()}@routewijzer.example"
    user = user_model(
        username=email,
        email=email,
        first_name="Klantmanager",
        last_name=municipality.name,
        role=Role.CASE_MANAGER,
        municipality=municipality,
    )
    user.set_unusable_password()
    user.save()
    return user


def _learner_create(municipality, klantmanager, target_group, number, today, rng) -> Learner:
    housed = today - datetime.timedelta(days=rng.randint(20, 540))
    pip = housed + datetime.timedelta(weeks=rng.randint(6, 12))
    route = ""
    if target_group == "STATUSHOUDER":
        route = rng.choices([r for r, _ in ROUTE_SPLIT], weights=[w for _, w in ROUTE_SPLIT])[0]
    return Learner.objects.create(
        municipality=municipality,
        klantmanager=klantmanager,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        date_of_birth=datetime.date(
            # 21 or older: the PIP (up to 540 days ago) falls after the 18th birthday.
            rng.randint(1965, today.year - 21),
            rng.randint(1, 12),
            rng.randint(1, 28),
        ),
        target_group=target_group,
        client_number=f"{DEMO_CLIENT_PREFIX}{municipality.cbs_code}-{target_group[0]}{number:03d}",
        housing_date=housed if target_group == "STATUSHOUDER" else None,
        # Social assistance is often entered a little after housing; for the others the
        # ontzorgen date falls back to housing, and the learner's page says which was used.
        social_assistance_date=(
            housed + datetime.timedelta(days=number % 10)
            if target_group == "STATUSHOUDER" and number % 3 == 0
            else None
        ),
        intake_date=housed + datetime.timedelta(weeks=2),
        # Some recent statushouders have no PIP yet: the caseload shows them due or overdue.
        pip_date=pip if pip <= today and number % 7 else None,
        route=route if pip <= today else "",
    )


def _referrals_for(learner, klantmanager, superuser, number, today) -> int:
    """One referral to the learner's route (statushouders) or to PVT (gezinsmigranten)."""
    if learner.pip_date is None:
        return 0
    component = learner.route if learner.route else "PVT"
    lot = next(
        (
            candidate
            for candidate in Lot.objects.filter(component=component).select_related("contract")
            if referrals.referable_refusal(learner=learner, lot=candidate, on=today) is None
        ),
        None,
    )
    if lot is None:
        return 0
    story = STORIES[number % len(STORIES)]
    referral = referrals.referral_create(learner=learner, lot=lot, actor=klantmanager)
    if story == ReferralState.DRAFT:
        return 1
    try:
        referrals.referral_send(referral=referral, actor=klantmanager)
    except referrals.ReferralRefused:
        return 1
    if story == ReferralState.WITHDRAWN:
        referrals.referral_withdraw(
            referral=referral, actor=klantmanager, reason="The learner moved away."
        )
    elif story == ReferralState.DECLINED:
        referrals.referral_decline(
            referral=referral, actor=superuser, reason="No group with a free place this period."
        )
    elif story != ReferralState.SENT:
        referrals.referral_accept(referral=referral, actor=superuser)
        if story in {ReferralState.STARTED, ReferralState.COMPLETED, ReferralState.STOPPED}:
            started = min(learner.pip_date + datetime.timedelta(weeks=6), today)
            referrals.referral_start(referral=referral, actor=superuser, started_on=started)
        if story in {ReferralState.COMPLETED, ReferralState.STOPPED}:
            referrals.referral_end(
                referral=referral,
                actor=superuser,
                completed=story == ReferralState.COMPLETED,
                ended_on=today,
                reason="" if story == ReferralState.COMPLETED else "Found work full time.",
            )
    return 1
