"""E-mails about referrals: the provider hears of a new referral, the klantmanager of the answer.

Promises: ``referral_sent_notify`` e-mails every active staff member of the lot's provider (with an
e-mail address) that a referral awaits their answer, with a link to its admin page and the date
the answer is due; ``referral_answered_notify`` e-mails the learner's klantmanager when the
provider accepted, declined, started or stopped (or completed) the placement;
``referral_withdrawn_notify`` tells the provider's staff that a referral they had received was
withdrawn. All send after the transaction commits, and nothing is sent inside ``muted()`` (demo
seeding moves a hundred referrals at once). The e-mails hold NO personal data: no names, no dates
of birth, no client numbers — "a learner of <municipality>", the component and the link; the
person reads the rest behind the admin's login and two-factor authentication.

``referral_moved_notify`` is called by ``contracts.referrals.referral_transition``, so every way
of moving a referral notifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from contracts.models import Referral, ReferralState
from portal import permissions
from portal.accounts.models import User
from portal.core.links import site_reverse

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


def _provider_notify(referral: Referral, message) -> None:
    referral_id = referral.pk

    def send() -> None:
        fresh = _load(referral_id)
        for user in provider_recipients(fresh):
            with translation.override(_language(user)):
                _send(user, *message(fresh))

    transaction.on_commit(send)


def referral_withdrawn_notify(referral: Referral) -> None:
    """After commit: e-mail the lot's provider's staff that a referral was withdrawn."""
    _provider_notify(referral, referral_withdrawn_message)


def referral_sent_notify(referral: Referral) -> None:
    """After commit: e-mail the lot's provider's staff that the referral awaits their answer."""
    _provider_notify(referral, referral_sent_message)


def referral_answered_notify(referral: Referral) -> None:
    """After commit: e-mail the learner's klantmanager the provider's answer or the placement's
    start or end."""
    referral_id = referral.pk

    def send() -> None:
        fresh = _load(referral_id)
        klantmanager = fresh.learner.klantmanager
        if fresh.state not in ANSWERED_STATES or klantmanager is None:
            return
        if not (klantmanager.is_active and klantmanager.email):
            return
        with translation.override(_language(klantmanager)):
            _send(klantmanager, *referral_answered_message(fresh))

    transaction.on_commit(send)


def _load(referral_id: int) -> Referral:
    return Referral.objects.select_related(
        "learner__municipality", "learner__klantmanager", "lot__contract__provider"
    ).get(pk=referral_id)
