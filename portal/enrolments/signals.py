"""Keep enrolments in step with seats released by the seat module's clean-up of expired holds."""

from __future__ import annotations

from django.dispatch import receiver

from portal.enrolments.models import Enrolment, EnrolmentTransition
from portal.enrolments.states import holds_lapsed
from providers.seats import seat_claims_released


@receiver(seat_claims_released, dispatch_uid="enrolments-holds-released")
def _holds_released(sender, claim_ids: list[int], **kwargs) -> None:
    holds_lapsed(
        enrolments=Enrolment.objects.filter(seat_claim_id__in=claim_ids),
        reason=EnrolmentTransition.SystemReason.HOLD_LAPSED_SEAT_RELEASED,
    )
