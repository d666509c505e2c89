"""The record of one change of an object's state: who, when, from which state to which, and why.

Referrals (``contracts``) and enrolments (``portal.enrolments``) each keep their own table of
changes; both are this abstract model with a foreign key to their object and the choices of their
own states, so the two histories cannot drift apart (they did: different lengths for the states
and the reason).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.core.fields import actor_field

STATE_MAX_LENGTH = 20
REASON_MAX_LENGTH = 500


def state_fields(choices: list[tuple[str, str]]) -> tuple[models.CharField, models.CharField]:
    """The ``from_state`` and ``to_state`` fields of a record, with its object's states."""
    return (
        models.CharField(_("from"), max_length=STATE_MAX_LENGTH, choices=choices, blank=True),
        models.CharField(_("to"), max_length=STATE_MAX_LENGTH, choices=choices),
    )


class TransitionRecord(models.Model):
    """Abstract. A concrete record adds the foreign key to its object (``subject_field`` names
    it) and its two state fields: ``from_state, to_state = state_fields(MyState.choices)``."""

    subject_field = ""
    #: Reasons the system records in its own words, as ``TextChoices``: stored as their stable
    #: code, shown by their translated label (``get_reason_display``). A reason a person types is
    #: shown as they wrote it.
    SystemReason: type[models.TextChoices] | None = None

    actor = actor_field(_("by"), blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        subject_id = getattr(self, f"{self.subject_field}_id")
        return f"{subject_id}: {self.from_state or '-'} → {self.to_state}"

    def get_reason_display(self) -> str:
        """The reason in the reader's language when the system gave it, else as written. A
        system reason may carry a detail in brackets ("paid online (cs_…)"): the label, then
        the detail as stored."""
        if self.SystemReason is None:
            return self.reason
        if self.reason in self.SystemReason.values:
            return str(self.SystemReason(self.reason).label)
        code, bracket, detail = self.reason.partition(" (")
        if bracket and detail.endswith(")") and code in self.SystemReason.values:
            return f"{self.SystemReason(code).label} ({detail}"
        return self.reason

    @classmethod
    def record_start(cls, subject: models.Model, *, actor: object = None, reason: str = "") -> None:
        """Record that ``subject`` came into being in its first state."""
        cls.objects.create(
            **{cls.subject_field: subject},
            from_state="",
            to_state=subject.state,
            actor=_person(actor),
            reason=reason[:REASON_MAX_LENGTH],
        )

    @classmethod
    def record_move(
        cls,
        subject: models.Model,
        *,
        to_state: str,
        actor: object = None,
        reason: str = "",
        **changes: object,
    ) -> str:
        """Move ``subject`` to ``to_state`` with ``changes`` to its other fields, saved together
        with the record of the change: the one way a state changes. The caller has checked that
        the move is allowed, inside its transaction with the row locked. Returns the state it
        came from."""
        from_state = subject.state
        subject.state = to_state
        for name, value in changes.items():
            setattr(subject, name, value)
        subject.save(update_fields=["state", "updated_at", *changes])
        cls.objects.create(
            **{cls.subject_field: subject},
            from_state=from_state,
            to_state=to_state,
            actor=_person(actor),
            reason=reason[:REASON_MAX_LENGTH],
        )
        return from_state


def _person(actor: object) -> object:
    """The user who acted, or None for the system, Stripe's events and anonymous requests."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
