"""E-mails about referrals: the provider hears of a new referral, the klantmanager of the answer.

Promises: ``referral_sent_notify`` e-mails every active staff member of the lot's provider (with an
e-mail address) that a referral awaits their answer, with a link to its admin page and the date
the answer is due; ``referral_answered_notify`` e-mails the learner's klantmanager when the
provider accepted, declined, started or stopped (or completed) the placement;
``referral_withdrawn_notify`` tells the provider's staff that a referral they had received was
withdrawn. Each is a durable task enqueued in the transaction of the referral's change, so it is
sent once that commits and retried while the mail server fails; each recipient's e-mail is
marked sent (``done_once``), so a retry sends only to those not reached yet. Nothing is sent
inside ``muted()`` (demo seeding moves a hundred referrals at once). The e-mails hold NO personal
data: no names, no dates of birth, no client numbers — "a learner of <municipality>", the
component and the link; the person reads the rest behind the admin's login and two-factor
authentication.

``referral_moved_notify`` is called by ``contracts.referrals.referral_transition``, so every way
of moving a referral notifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.models import Referral, ReferralState
from portal import permissions
from portal.accounts.models import User
from portal.core.links import site_reverse
from portal.core.tasks import EMAIL_RETRY, PRIORITY_PEOPLE_WAIT, done_once, durable_task

State = ReferralState
ANSWERED_STATES = frozenset(
    {State.ACCEPTED, State.DECLINED, State.STARTED, State.COMPLETED, State.STOPPED}
)
WITHDRAWN_AFTER = frozenset({State.SENT, State.ACCEPTED})
"""A withdrawal is news to the provider only once the referral had reached them."""

_muted: ContextVar[bool] = ContextVar("referral_notifications_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Send no referral e-mails for what happens inside (bulk work such as demo seeding)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def referral_moved_notify(referral: Referral, *, from_state: str) -> None:
    """Tell whoever should hear of ``referral`` having moved from ``from_state`` to its state."""
    if _muted.get():
        return
    if referral.state == State.SENT:
        referral_sent_notify(referral)
    elif referral.state in ANSWERED_STATES:
        referral_answered_notify(referral)
    elif referral.state == State.WITHDRAWN and from_state in WITHDRAWN_AFTER:
        referral_withdrawn_notify(referral)


def referral_admin_url(referral: Referral) -> str:
    return site_reverse("referral_detail", referral.pk)


def provider_recipients(referral: Referral) -> list[User]:
    return list(
        User.objects.filter(
            permissions.provider_staff_q(),
            provider_memberships__provider_id=referral.lot.contract.provider_id,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _language(user: User) -> str:
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    return (profile and profile.preferred_language) or settings.LANGUAGE_CODE


def _what(referral: Referral) -> dict[str, str]:
    lot = referral.lot
    return {
        "municipality": referral.learner.municipality.name,
        "component": str(lot.component_display),
        "provider": lot.contract.provider.name,
        "url": referral_admin_url(referral),
    }


def _send(user: User, subject: str, body: str) -> None:
    send_mail(subject, body, None, [user.email])


def referral_sent_message(referral: Referral) -> tuple[str, str]:
    what = _what(referral)
    subject = _("A new referral awaits your answer")
    lines = [
        _("A learner of %(municipality)s has been referred to %(provider)s for %(component)s.")
        % what,
    ]
    if referral.answer_due:
        lines.append(
            _("Please answer by %(date)s.")
            % {"date": date_format(referral.answer_due, "DATE_FORMAT")}
        )
    lines += ["", _("Open the referral in Routewijzer:"), what["url"]]
    return str(subject), "\n".join(str(line) for line in lines) + "\n"


def referral_answered_message(referral: Referral) -> tuple[str, str]:
    what = _what(referral) | {"state": str(State(referral.state).label).lower()}
    subject = _("A referral was %(state)s by the provider") % what
    lines = [
        _(
            "The referral of a learner of %(municipality)s to %(provider)s for %(component)s "
            "is now %(state)s."
        )
        % what,
        "",
        _("Open the referral in Routewijzer:"),
        what["url"],
    ]
    return str(subject), "\n".join(str(line) for line in lines) + "\n"


def referral_withdrawn_message(referral: Referral) -> tuple[str, str]:
    what = _what(referral)
    subject = _("A referral to you was withdrawn")
    lines = [
        _(
            "The municipality withdrew the referral of a learner of %(municipality)s to "
            "%(provider)s for %(component)s. You need not do anything more for it."
        )
        % what,
        "",
        _("Open the referral in Routewijzer:"),
        what["url"],
    ]
    return str(subject), "\n".join(str(line) for line in lines) + "\n"


_PROVIDER_MESSAGES = {
    "sent": referral_sent_message,
    "withdrawn": referral_withdrawn_message,
}


def _about(*, referral_id: int, **_kwargs: object) -> str:
    return _("Referral %(number)s") % {"number": referral_id}


@durable_task(
    label=gettext_lazy("E-mail to a provider's staff about a referral"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def referral_provider_email_send(*, referral_id: int, message: str) -> int:
    """E-mail each of the provider's staff ``message`` about the referral as it is now; returns
    how many were sent in this run."""
    fresh = _load(referral_id)
    if fresh is None:
        return 0
    build = _PROVIDER_MESSAGES[message]
    sent = 0
    for user in provider_recipients(fresh):
        with translation.override(_language(user)):
            subject, body = build(fresh)
        sent += done_once(f"mail:{user.pk}", lambda user=user, s=subject, b=body: _send(user, s, b))
    return sent


@durable_task(
    label=gettext_lazy("E-mail to a klantmanager about a referral"),
    retry=EMAIL_RETRY,
    about=_about,
    priority=PRIORITY_PEOPLE_WAIT,
)
def referral_klantmanager_email_send(*, referral_id: int) -> int:
    """E-mail the learner's klantmanager the provider's answer, as the referral is now."""
    fresh = _load(referral_id)
    if fresh is None:
        return 0
    klantmanager = fresh.learner.klantmanager
    if fresh.state not in ANSWERED_STATES or klantmanager is None:
        return 0
    if not (klantmanager.is_active and klantmanager.email):
        return 0
    with translation.override(_language(klantmanager)):
        subject, body = referral_answered_message(fresh)
    return int(done_once(f"mail:{klantmanager.pk}", lambda: _send(klantmanager, subject, body)))


def referral_withdrawn_notify(referral: Referral) -> None:
    """Once the transaction commits: e-mail the lot's provider's staff that a referral was
    withdrawn."""
    referral_provider_email_send.enqueue(referral_id=referral.pk, message="withdrawn")


def referral_sent_notify(referral: Referral) -> None:
    """Once the transaction commits: e-mail the lot's provider's staff that the referral awaits
    their answer."""
    referral_provider_email_send.enqueue(referral_id=referral.pk, message="sent")


def referral_answered_notify(referral: Referral) -> None:
    """Once the transaction commits: e-mail the learner's klantmanager the provider's answer or
    the placement's start or end."""
    referral_klantmanager_email_send.enqueue(referral_id=referral.pk)


def _load(referral_id: int) -> Referral | None:
    """The referral as it is now (None once deleted: there is nothing left to tell)."""
    return (
        Referral.objects.select_related(
            "learner__municipality", "learner__klantmanager", "lot__contract__provider"
        )
        .filter(pk=referral_id)
        .first()
    )
