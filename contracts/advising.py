"""Advice to gezinsmigranten on suitable courses: the rules, the e-mail, the link to an account.

Gezinsmigranten choose a school and pay for it themselves, and the municipality may advise them
on one (domain notes: "pays their own course and chooses a school freely; the municipality ...
may advise on schools"). So:

* A klantmanager of the learner's municipality advises an open, gezinsmigrant case on
  ``ADVICE_OFFERINGS_MIN`` to ``ADVICE_OFFERINGS_MAX`` courses that are published and open to
  gezinsmigranten (``offering_advisable_q``), with a short note, sent to the learner's e-mail
  address (``advice_give``). Every advice and every change of it is in the learner's audit log.
* The e-mail is a durable task enqueued with the advice (``advice_email_send``): sent once that
  commits, retried while the mail server fails, in the learner's language. It holds a signed
  link, no course, no note and no name, so an address typed wrongly tells a stranger nothing but
  the municipality's name.
* The link binds the advice to the learner's account (``advice_link``): a new account made for
  that address (``advice_account_create``; the address counts as verified, the link reached
  that mailbox), or the account that already has it, after logging in. From then on the learner
  reads the advice on their own page, and the klantmanager sees whether and where that account
  enrolled after the advice (``advice_outcomes``). A later advice to the same learner at the
  same address goes straight to that account.
* Retention empties the note and the address and unlinks the account (``contracts.retention``).

The texts the learner reads (the e-mail, the pages, why a link cannot be used) are in
``portal/templates/advice/`` and ``portal.web.advice``, in the six languages of the public site;
this module gives reasons to the learner's pages as codes (``LinkRefusal``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts import audit
from contracts.models import Advice, AdviceOffering, AuditEntry, Learner
from portal import permissions
from portal.accounts.models import Role, User
from portal.core.links import site_reverse
from portal.core.tasks import EMAIL_RETRY, PRIORITY_PEOPLE_WAIT, done_once, durable_task
from portal.enrolments import rules as enrolment_rules
from portal.enrolments.models import Enrolment
from portal.permissions import Action
from providers.choices import TargetGroup
from providers.models import Offering, StartMoment
from providers.offerings import STATUSHOUDERS_ONLY
from providers.seats import free_seats_now_expression
from providers.selectors import (
    offering_is_published,
    offering_online_only_q,
    offering_public_queryset,
    offering_published_q,
    start_moments_open,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

ADVICE_OFFERINGS_MIN = 2
ADVICE_OFFERINGS_MAX = 5
START_DATES_SHOWN = 3
"""The next open start dates the learner's page shows per course (the course page has all)."""
SUMMARY_DAYS = 365
"""The admin home's "advice sent" counts the advice of the last year."""
_SALT = "routewijzer.advice"


class AdviceRefused(Exception):
    """The advice cannot be given (or sent again); ``message`` says why, ``field`` where."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AdviceLinkInvalid(Exception):
    """The link is unknown, expired, copied incompletely, or its case anonymised."""


class LinkRefusal(StrEnum):
    """Why the signed-in person cannot add the advice to their account (the learner's page
    words each one)."""

    OTHER_ACCOUNT = "other_account"  # the advice is bound to another account already
    NOT_A_LEARNER = "not_a_learner"  # a staff account
    OTHER_ADDRESS = "other_address"  # the advice was sent to another address


class AdviceLinkRefused(Exception):
    def __init__(self, refusal: LinkRefusal) -> None:
        super().__init__(refusal)
        self.refusal = refusal


# --- Which courses ----------------------------------------------------------------------------


def offering_advisable_q(prefix: str = "") -> Q:
    """Courses a municipality may advise a gezinsmigrant: published (of an active provider) and
    open to gezinsmigranten, never a component only for statushouders (the brugklas)."""
    return (
        offering_published_q(prefix)
        & Q(**{f"{prefix}for_gezinsmigranten": True})
        & ~Q(**{f"{prefix}component__in": sorted(STATUSHOUDERS_ONLY)})
    )


def offerings_advisable(*, learner: Learner, on: datetime.date | None = None) -> QuerySet[Offering]:
    """The advisable courses taught in the learner's region (at a listed location or a start
    date's), or online; in the learner's municipality when it belongs to no region. With the
    catalogue's annotations (next open start, DUO loan) and locations; by component, provider,
    title."""
    municipality = learner.municipality
    if municipality.region_id is not None:
        near = Q(location__municipality__region_id=municipality.region_id)
    else:
        near = Q(location__municipality_id=municipality.pk)
    listed_near = Offering.locations.through.objects.filter(near).values("offering_id")
    started_near = StartMoment.objects.filter(near).values("offering_id")
    return (
        offering_public_queryset(on=on)
        .filter(offering_advisable_q())
        .filter(Q(pk__in=listed_near) | Q(pk__in=started_near) | offering_online_only_q())
        .order_by("component", "provider__name", "title", "pk")
    )


# --- Giving advice ----------------------------------------------------------------------------


def advice_refusal(*, learner: Learner) -> str | None:
    """Why this learner's case cannot be advised now, or None."""
    if learner.target_group != TargetGroup.GEZINSMIGRANT:
        return _(
            "Advice on courses is for gezinsmigranten: they choose and pay for a course "
            "themselves. Refer statushouders to a contracted provider instead."
        )
    if learner.anonymised_at is not None:
        return _("This case is anonymised.")
    if learner.closed_at is not None:
        return _("This case is closed.")
    return None


def advice_may_give(*, user: User | AnonymousUser, learner: Learner) -> bool:
    """Whether ``user`` may advise this learner now (the button on the learner's page)."""
    return (
        advice_refusal(learner=learner) is None
        and permissions.can_on_model(user, Action.ADD, Advice)
        and permissions.can(user, Action.CHANGE, learner)
    )


def account_with_email(*, email: str) -> User | None:
    """The account that has this address (as its own or a verified one), or None."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True)
            .select_related("user")
            .first()
        )
        user = address.user if address is not None else None
    return user


def _has_email(user: User, email: str) -> bool:
    return (
        user.email.lower() == email.lower()
        or EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    )


def advice_give(
    *,
    learner: Learner,
    klantmanager: User,
    offerings: Iterable[Offering],
    email: str,
    language: str = settings.LANGUAGE_CODE,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Advice:
    """Advise ``learner`` on ``offerings`` (in that order) and e-mail them the link.

    Refuses (``AdviceRefused``) a case that is not an open gezinsmigrant's, a klantmanager of
    another municipality, fewer than 2 or more than 5 courses, a course that is not advisable
    to this learner (any more), and an address of a staff account. When an earlier advice to
    this learner at this address was bound to an account, the new one is bound to it at once.
    """
    now = now or timezone.now()
    email = email.strip()
    offerings = list(offerings)
    if not permissions.works_for_municipality(klantmanager, learner.municipality_id):
        raise AdviceRefused(_("Only a klantmanager of the learner's municipality can advise."))
    ids = list(dict.fromkeys(offering.pk for offering in offerings))
    if not ADVICE_OFFERINGS_MIN <= len(ids) <= ADVICE_OFFERINGS_MAX:
        raise AdviceRefused(
            _("Choose %(min)s to %(max)s courses.")
            % {"min": ADVICE_OFFERINGS_MIN, "max": ADVICE_OFFERINGS_MAX},
            field="offerings",
        )
    account = account_with_email(email=email)
    if account is not None and not permissions.is_learner(account):
        raise AdviceRefused(
            _("This address belongs to a staff account. Enter the learner's own address."),
            field="email",
        )
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with transaction.atomic():
        # Decide on the case as it is under the lock: it may have been closed or handed over.
        learner = (
            Learner.objects.select_for_update().select_related("municipality").get(pk=learner.pk)
        )
        if refusal := advice_refusal(learner=learner):
            raise AdviceRefused(refusal)
        if not permissions.works_for_municipality(klantmanager, learner.municipality_id):
            raise AdviceRefused(_("Only a klantmanager of the learner's municipality can advise."))
        advisable = set(
            offerings_advisable(learner=learner).filter(pk__in=ids).values_list("pk", flat=True)
        )
        if gone := [offering for offering in offerings if offering.pk not in advisable]:
            raise AdviceRefused(
                _("No longer open to gezinsmigranten here: %(courses)s. Choose another course.")
                % {"courses": ", ".join(str(offering) for offering in gone)},
                field="offerings",
            )
        known = (
            Advice.objects.filter(learner=learner, user__isnull=False)
            .select_related("user")
            .order_by("-created_at")
        )
        linked_to = next((a.user for a in known if _has_email(a.user, email)), None)
        advice = Advice.objects.create(
            learner=learner,
            klantmanager=klantmanager,
            note=note.strip(),
            email=email,
            language=language,
            user=linked_to,
            linked_at=now if linked_to is not None else None,
        )
        AdviceOffering.objects.bulk_create(
            AdviceOffering(advice=advice, offering_id=pk, position=position)
            for position, pk in enumerate(ids)
        )
        audit.audit_record(
            actor=klantmanager, learner=learner, action=AuditEntry.Action.CHANGE, what="advice"
        )
        advice_email_send.enqueue(advice_id=advice.pk)
    return advice


def advice_may_resend(*, advice: Advice) -> bool:
    """The e-mail can be sent again while the learner has not opened the link (it expired, or
    went to spam) and the case is open."""
    return advice.user_id is None and advice_refusal(learner=advice.learner) is None


def advice_resend(*, advice: Advice, actor: User) -> Advice:
    """Send the advice's e-mail again, with a new link."""
    with transaction.atomic():
        locked = Advice.objects.select_for_update().select_related("learner").get(pk=advice.pk)
        if locked.user_id is not None:
            raise AdviceRefused(_("The learner has opened this advice already."))
        if refusal := advice_refusal(learner=locked.learner):
            raise AdviceRefused(refusal)
        audit.audit_record(
            actor=actor,
            learner=locked.learner,
            action=AuditEntry.Action.CHANGE,
            what="advice.sent_at",
        )
        advice_email_send.enqueue(advice_id=locked.pk)
    return locked


# --- The e-mail -------------------------------------------------------------------------------


def advice_token(*, advice: Advice) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(advice.pk))


def advice_from_token(*, token: str) -> Advice:
    """The advice of a link; raises ``AdviceLinkInvalid`` for a bad or expired one (after
    ``INVITATION_MAX_AGE_DAYS``, like every invitation) and for an anonymised case."""
    max_age = settings.INVITATION_MAX_AGE_DAYS * 24 * 3600
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=max_age)
    except signing.BadSignature as error:
        raise AdviceLinkInvalid(str(error)) from error
    advice = (
        Advice.objects.select_related("learner__municipality")
        .filter(pk=pk, learner__anonymised_at__isnull=True)
        .first()
    )
    if advice is None:
        raise AdviceLinkInvalid(pk)
    return advice


def _about(*, advice_id: int, **_kwargs: object) -> str:
    municipality = (
        Advice.objects.filter(pk=advice_id)
        .values_list("learner__municipality__name", flat=True)
        .first()
    )
    return _("Advice on courses from %(municipality)s") % {
        "municipality": municipality or f"#{advice_id}"
    }


@durable_task(
    label=gettext_lazy("E-mail to a learner with advice on courses"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def advice_email_send(*, advice_id: int) -> str:
    """E-mail the advice's link to its address, in the learner's language (the account's, else
    the one the klantmanager chose), and note when it went."""
    advice = (
        Advice.objects.select_related("learner__municipality", "user")
        .filter(pk=advice_id, learner__anonymised_at__isnull=True)
        .exclude(email="")
        .first()
    )
    if advice is None:
        return "no advice to send"
    language = advice.user.language_or(advice.language) if advice.user else advice.language
    with translation.override(language):
        if advice.user_id is not None:
            link, has_account = site_reverse("my_advice"), True
        else:
            link = site_reverse("advice_accept", token=advice_token(advice=advice))
            has_account = account_with_email(email=advice.email) is not None
        context = {
            "municipality": advice.learner.municipality.name,
            "link": link,
            "has_account": has_account,
            "linked": advice.user_id is not None,
            "days": settings.INVITATION_MAX_AGE_DAYS,
        }
        subject = render_to_string("advice/email/advice_subject.txt", context).strip()
        body = render_to_string("advice/email/advice.txt", context)
    sent = done_once(
        "mail",
        lambda: send_mail(
            subject=f"[{settings.WAGTAIL_SITE_NAME}] {subject}",
            message=body,
            from_email=None,
            recipient_list=[advice.email],
        ),
    )
    Advice.objects.filter(pk=advice.pk).update(sent_at=timezone.now())
    return "sent" if sent else "sent before"


# --- The learner's account --------------------------------------------------------------------


def advice_link_refusal(*, advice: Advice, user: User) -> LinkRefusal | None:
    """Why ``user`` cannot add the advice to their account, or None."""
    if advice.user_id is not None and advice.user_id != user.pk:
        return LinkRefusal.OTHER_ACCOUNT
    if not permissions.is_learner(user):
        return LinkRefusal.NOT_A_LEARNER
    if advice.user_id is None and not _has_email(user, advice.email):
        return LinkRefusal.OTHER_ADDRESS
    return None


def advice_link(*, advice: Advice, user: User, now: datetime.datetime | None = None) -> Advice:
    """Bind the advice to the learner's account (the one with the address it was sent to);
    raises ``AdviceLinkRefused``. Binding it again to the same account changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Advice.objects.select_for_update().select_related("learner").get(pk=advice.pk)
        if locked.user_id == user.pk:
            return locked
        if refusal := advice_link_refusal(advice=locked, user=user):
            raise AdviceLinkRefused(refusal)
        locked.user = user
        locked.linked_at = now
        locked.save(update_fields=["user", "linked_at"])
        audit.audit_record(
            actor=user, learner=locked.learner, action=AuditEntry.Action.CHANGE, what="advice.user"
        )
    return locked


def advice_account_create(*, advice: Advice, password: str, language: str) -> User:
    """Make a learner's account for the address the advice went to, and bind the advice to it.
    The address counts as verified: the link reached that mailbox. Raises ``AdviceLinkInvalid``
    when the advice is bound already or an account with the address exists (log in instead)."""
    try:
        with transaction.atomic():
            locked = Advice.objects.select_for_update().get(pk=advice.pk)
            if locked.user_id is not None or account_with_email(email=locked.email) is not None:
                raise AdviceLinkInvalid(locked.pk)
            user = User(
                username=locked.email,
                email=locked.email,
                role=Role.LEARNER,
                language=language if language in dict(settings.LANGUAGES) else "",
            )
            user.set_password(password)
            user.save()
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
            advice_link(advice=locked, user=user)
    except IntegrityError as error:  # the address took an account in a parallel request
        raise AdviceLinkInvalid(advice.pk) from error
    return user


# --- Reading it -------------------------------------------------------------------------------


def _advised_prefetch(*, on: datetime.date) -> Prefetch:
    """The advice's courses in order, each with its provider, its next open start dates (at
    most ``START_DATES_SHOWN``, with their place and free seats) and its locations."""
    open_starts = (
        start_moments_open(on=on)
        .select_related("location")
        .annotate(free=free_seats_now_expression())
        .order_by("starts_on", "pk")
    )
    return Prefetch(
        "advised",
        queryset=AdviceOffering.objects.select_related("offering__provider").prefetch_related(
            Prefetch(
                "offering__start_moments",
                queryset=open_starts[:START_DATES_SHOWN],
                to_attr="open_start_moments",
            ),
            "offering__locations",
        ),
    )


def advices_for_account(*, user: User, on: datetime.date | None = None) -> list[Advice]:
    """The advice bound to the learner's account, newest first, for their page: a fixed number
    of queries however many. Each course row (``advice.rows``) says whether the learner can
    enrol on it (``refusal``: why not) and which of its start dates they enrolled on."""
    on = on or timezone.localdate()
    advices = list(
        permissions.scope(user, Action.VIEW, Advice.objects.all())
        .filter(user_id=user.pk, learner__anonymised_at__isnull=True)
        .select_related("learner__municipality", "klantmanager")
        .prefetch_related(_advised_prefetch(on=on))
    )
    enrolled = set(
        Enrolment.objects.filter(user_id=user.pk, state__in=Enrolment.LIVE_STATES).values_list(
            "start_moment__offering_id", "start_moment_id"
        )
    )
    enrolled_offerings = {offering_id for offering_id, _moment in enrolled}
    enrolled_moments = {moment_id for _offering, moment_id in enrolled}
    for advice in advices:
        advice.rows = list(advice.advised.all())
        for row in advice.rows:
            offering = row.offering
            row.offered = offering_is_published(offering)
            row.refusal = enrolment_rules.offering_sale_refusal(offering)
            row.enrolled = offering.pk in enrolled_offerings
            for moment in offering.open_start_moments:
                moment.enrolled = moment.pk in enrolled_moments
    return advices


def account_has_advice(*, user: User | AnonymousUser) -> bool:
    """Whether the learner's account holds any advice (their account pages show the tab)."""
    if not permissions.is_learner(user):
        return False
    return (
        permissions.scope(user, Action.VIEW, Advice.objects.all())
        .filter(user_id=user.pk, learner__anonymised_at__isnull=True)
        .exists()
    )


@dataclass
class AdviceOutcome:
    """An advice with what came of it: the enrolments of the learner's account since."""

    advice: Advice
    enrolments: list[Enrolment] = field(default_factory=list)

    @property
    def advised_ids(self) -> set[int]:
        return {row.offering_id for row in self.advice.advised.all()}

    @property
    def enrolled(self) -> bool:
        return any(enrolment.confirmed_at is not None for enrolment in self.enrolments)


def advice_outcomes(*, user: User | AnonymousUser, learner: Learner) -> list[AdviceOutcome]:
    """The learner's advice that ``user`` may see, newest first, each with the enrolments the
    learner's account made since it was given (expired holds left out; ``advised`` marks those
    on an advised course). Three queries however many."""
    advices = list(
        permissions.scope(user, Action.VIEW, Advice.objects.all())
        .filter(learner=learner)
        .select_related("klantmanager")
        .prefetch_related(
            Prefetch(
                "advised",
                queryset=AdviceOffering.objects.select_related("offering__provider"),
            )
        )
    )
    user_ids = {advice.user_id for advice in advices if advice.user_id is not None}
    enrolments = list(
        Enrolment.objects.filter(user_id__in=user_ids)
        .exclude(state=Enrolment.State.EXPIRED)
        .select_related("start_moment")
        .order_by("created_at", "pk")
    )
    outcomes = []
    for advice in advices:
        outcome = AdviceOutcome(advice=advice)
        advised = outcome.advised_ids
        for enrolment in enrolments:
            if enrolment.user_id == advice.user_id and enrolment.created_at >= advice.created_at:
                enrolment.advised = enrolment.start_moment.offering_id in advised
                outcome.enrolments.append(enrolment)
        outcomes.append(outcome)
    return outcomes


def _enrolled_since_q(*, advised_only: bool) -> Exists:
    """A confirmed enrolment of the advice's account made after the advice (on one of its
    courses, with ``advised_only``)."""
    enrolments = Enrolment.objects.filter(
        user_id=OuterRef("user_id"),
        created_at__gte=OuterRef("created_at"),
        confirmed_at__isnull=False,
    )
    if advised_only:
        enrolments = enrolments.filter(
            start_moment__offering_id__in=AdviceOffering.objects.filter(
                advice_id=OuterRef(OuterRef("pk"))
            ).values("offering_id")
        )
    return Exists(enrolments)


@dataclass(frozen=True)
class AdviceSummary:
    days: int
    sent: int
    opened: int
    enrolled: int
    enrolled_advised: int
    recent: list[Advice]


RECENT_SHOWN = 5


def advice_summary(
    *, user: User | AnonymousUser, now: datetime.datetime | None = None
) -> AdviceSummary:
    """The advice ``user`` may see that was given in the last ``SUMMARY_DAYS`` days and sent:
    how many, how many the learner opened, how many led to an enrolment (a place confirmed
    after the advice; on one of its courses: ``enrolled_advised``), and the latest few. Two
    queries."""
    now = now or timezone.now()
    advices = permissions.scope(user, Action.VIEW, Advice.objects.all()).filter(
        created_at__gte=now - datetime.timedelta(days=SUMMARY_DAYS), sent_at__isnull=False
    )
    counts = advices.aggregate(
        sent=Count("pk"),
        opened=Count("pk", filter=Q(user__isnull=False)),
        enrolled=Count("pk", filter=_enrolled_since_q(advised_only=False)),
        enrolled_advised=Count("pk", filter=_enrolled_since_q(advised_only=True)),
    )
    recent = list(
        advices.select_related("learner")
        .annotate(enrolled=_enrolled_since_q(advised_only=False))
        .order_by("-created_at", "-pk")[:RECENT_SHOWN]
    )
    return AdviceSummary(days=SUMMARY_DAYS, recent=recent, **counts)
