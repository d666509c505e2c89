"""The admin's start page for each role of the municipal side and for the providers' referrals:
each panel a few counts with links to the list that shows those items, the first few items, and
a sentence when there is nothing.

* provider staff: the referrals waiting for their answer, with the SLA deadline
  (``ReferralsToAnswerPanel``), and last month's attendance still to report
  (``AttendanceDuePanel``);
* klantmanagers: the caseload's deadlines due and overdue (``CaseloadPanel``), the providers'
  answers to referrals since the last visit (``AnswersPanel``; "last visit" is the sign-in
  before this one, ``portal.accounts.visits``) and the cases handed over to their municipality
  (``HandOversPanel``);
* contract managers: the providers late with attendance (``LateAttendancePanel``), beside the
  contracts to watch (``contracts.admin.contracts.ContractWatchPanel``), the changes to approve
  (``providers.admin_home``) and the failing background tasks (``portal.admin_home``).

The numbers come from the domain modules (``contracts.referrals``, ``contracts.learners``,
``contracts.transfers``, ``contracts.progress``) and the figures (``contracts.reporting``); each
panel asks them in a fixed number of queries, however many items there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.forms import Media
from django.urls import reverse
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.components import Component

from contracts import learners, progress, referrals, reporting, rules, transfers
from contracts.models import Referral, ReferralState
from portal import permissions
from portal.accounts.visits import last_visit

LIST_LENGTH = 5
"""How many items a panel lists; the link beside its count shows them all."""

HOME_MEDIA = Media(css={"all": ["portal/admin/home.css"]})


class HomePanel(Component):
    """A start-page panel with the panels' shared style."""

    @property
    def media(self) -> Media:
        return HOME_MEDIA


def _request(parent_context: Mapping[str, Any]):
    return parent_context["request"]


# --- Provider staff ---------------------------------------------------------------------------


class ReferralsToAnswerPanel(HomePanel):
    name = "referrals_to_answer"
    template_name = "contracts/admin/home/referrals_to_answer.html"
    order = 10

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        user = _request(parent_context).user
        today = timezone.localdate()
        waiting = referrals.referrals_awaiting_answer(user=user, today=today, limit=LIST_LENGTH)
        inbox = reverse("referral_index")
        return {
            "waiting": waiting,
            "rows": [
                {
                    "referral": referral,
                    "overdue": referrals.referral_sla(referral, today=today).answer_overdue,
                }
                for referral in waiting.first
            ],
            "all_url": f"{inbox}?needs_answer=on",
            "overdue_url": f"{inbox}?needs_answer=on&sla=on",
        }


class AttendanceDuePanel(HomePanel):
    name = "attendance_due"
    template_name = "contracts/admin/home/attendance_due.html"
    order = 40

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        today = timezone.localdate()
        last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
        due = progress.attendance_due(user=_request(parent_context).user, month=last_month)
        deadline = reporting.attendance_report_deadline(month=last_month)
        return {
            "due": due,
            "deadline": deadline,
            "late": today > deadline and due.missing > 0,
            "upload_url": reverse("attendance_upload"),
            "template_url": reverse("attendance_upload_template"),
        }


# --- Klantmanagers ----------------------------------------------------------------------------


class CaseloadPanel(HomePanel):
    name = "caseload_deadlines"
    template_name = "contracts/admin/home/caseload.html"
    order = 10

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        today = timezone.localdate()
        return {
            "summary": learners.caseload_summary(
                user=_request(parent_context).user, today=today, limit=LIST_LENGTH
            ),
            "due_soon_days": rules.DUE_SOON_DAYS,
            "caseload_url": reverse("caseload"),
        }


class AnswersPanel(HomePanel):
    name = "referral_answers"
    template_name = "contracts/admin/home/answers.html"
    order = 20

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        request = _request(parent_context)
        visit = last_visit(request)
        answers = referrals.referral_answers_since(
            user=request.user, since=visit.at, limit=LIST_LENGTH
        )
        index = reverse("referral_index")
        return {
            "answers": answers,
            "signed_in_before": visit.signed_in_before,
            "accepted_url": f"{index}?state={ReferralState.ACCEPTED}",
            "declined_url": f"{index}?state={ReferralState.DECLINED}",
        }


class HandOversPanel(HomePanel):
    name = "hand_overs"
    template_name = "contracts/admin/home/hand_overs.html"
    order = 30

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        awaiting = transfers.transfers_awaiting(user=_request(parent_context).user)
        return {
            "total": awaiting.count(),
            "first": list(awaiting.order_by("requested_at", "pk")[:LIST_LENGTH]),
            "awaiting_url": reverse("case_transfers_awaiting"),
        }


# --- Contract managers ------------------------------------------------------------------------


class LateAttendancePanel(HomePanel):
    name = "late_attendance"
    template_name = "contracts/admin/home/late_attendance.html"
    order = 70

    def get_context_data(self, parent_context: Mapping[str, Any]) -> dict:
        today = timezone.localdate()
        frame = reporting.late_reporters(today=today)
        rows = frame[frame["provider_id"].notna()].to_dict("records")
        month = reporting.attendance_month_due(today=today)
        return {
            "rows": rows[:LIST_LENGTH],
            "total": len(rows),
            "missing": sum(int(row["missing"]) for row in rows),
            "month": month,
            "deadline": reporting.attendance_report_deadline(month=month),
            "dashboard_url": reverse("contract_dashboard") + "#table-late-reporters",
        }


@hooks.register("construct_homepage_panels")
def role_home_panels(request, panels: list) -> None:
    """Each role's panels (a superuser, who acts for every side, sees the contract managers')."""
    user = request.user
    if permissions.works_for_a_provider(user):
        panels += [ReferralsToAnswerPanel(), AttendanceDuePanel()]
    if permissions.is_klantmanager(user):
        panels += [CaseloadPanel(), AnswersPanel(), HandOversPanel()]
    if permissions.oversees_the_region(user) and permissions.can_on_model(
        user, permissions.Action.VIEW, Referral
    ):
        panels.append(LateAttendancePanel())
