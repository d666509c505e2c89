"""axe-core finds no WCAG 2.1 A/AA violations on the start page and the contract, learner and
referral screens of the admin, for each role that uses them, on a desktop and on a phone; on the
phone no button of the page's main part sits beyond the screen's edge."""

from __future__ import annotations

import pytest

from tests.e2e.axe import axe_describe, axe_violations
from tests.e2e.conftest import DESKTOP, PHONE, transitions_settled
from tests.e2e.test_referral_browser import _provider_user, _sign_in
from tests.snapshots import seed_demo_kept

pytestmark = pytest.mark.browser

KLANTMANAGER = "klantmanager@routewijzer.example"
CONTRACT_MANAGER = "contractmanager@routewijzer.example"


def _failing_task() -> str:
    """A task that failed all its attempts, so the failing-tasks list has a row (its id)."""
    import datetime

    from django.utils import timezone

    from portal.core.tasks import tasks_run_due
    from portal.core.tasks.models import TaskFailure
    from tests.portal.core import tasks_for_tests

    result = tasks_for_tests.failing.enqueue(name="mailer")  # runs once after its commit
    for minutes in (1.5, 3.5):
        tasks_run_due(now=timezone.now() + datetime.timedelta(minutes=minutes))
    failure = TaskFailure.objects.get(task_result_id=result.id)
    assert (failure.failures, failure.next_attempt_at) == (3, None)
    return str(result.id)


def _offering_changes(provider_id: int) -> None:
    """Two changes of the provider's courses in the approval workflow, one sent back with a
    comment, so that the start pages list them (the provider's and the contract manager's)."""
    from portal.accounts.models import User
    from providers.models import Offering
    from providers.workflows import offering_workflow_ensure

    workflow = offering_workflow_ensure()
    editor = User.objects.filter(provider_memberships__provider_id=provider_id).first()
    manager = User.objects.get(email=CONTRACT_MANAGER)
    offerings = Offering.objects.filter(provider_id=provider_id, live=True).order_by("pk")[:2]
    for offering in offerings:
        offering.summary = f"{offering.summary} (nu ook op vrijdag)"
        offering.save_revision(user=editor)
        workflow.start(offering, editor)
    offerings[1].current_workflow_state.current_task_state.reject(
        user=manager, comment="Zet de prijs in de omschrijving."
    )


def _ids() -> dict[str, int | str]:
    from contracts.models import Contract, Learner, Referral

    sent = Referral.objects.filter(learner__municipality__cbs_code="GM0392", state="sent")
    started = Referral.objects.filter(state="started").select_related("lot__contract")
    started = started.order_by("pk").first()
    learner = Learner.objects.filter(municipality__cbs_code="GM0392").order_by("pk").first()
    _offering_changes(started.lot.contract.provider_id)
    return {
        "sent": sent.order_by("pk").first().pk,
        "started": started.pk,
        "learner": learner.pk,
        "contract": Contract.objects.order_by("pk").first().pk,
        "provider": started.lot.contract.provider_id,
        "task": _failing_task(),
    }


SCREENS = {
    "klantmanager": [
        "/admin/",
        "/admin/caseload/",
        "/admin/snippets/contracts/learner/",
        "/admin/snippets/contracts/learner/inspect/{learner}/",
        "/admin/snippets/contracts/learner/edit/{learner}/",
        "/admin/referrals/",
        "/admin/referrals/new/?learner={learner}",
        "/admin/referrals/{sent}/",
        "/admin/learners/{learner}/hand-over/",
        "/admin/transfers/",
        "/admin/dashboard/",
        "/admin/dashboard/forecast/",
    ],
    "contract manager": [
        "/admin/",
        "/admin/snippets/contracts/contract/",
        "/admin/snippets/contracts/contract/inspect/{contract}/",
        "/admin/snippets/contracts/contract/edit/{contract}/",
        "/admin/snippets/contracts/lot/",
        "/admin/referrals/{sent}/",
        "/admin/snippets/contracts/auditentry/",
        "/admin/dashboard/",
        "/admin/dashboard/?component=B1_ROUTE&from=gisteren",
        "/admin/dashboard/forecast/",
        "/admin/dashboard/forecast/?b1_route=70&onderwijsroute=10&z_route=10",
        "/admin/dashboard/duo-loans-at-risk/",
        "/admin/background-tasks/",
        "/admin/background-tasks/{task}/retry/",
        "/admin/background-tasks/{task}/give-up/",
    ],
    "provider": [
        "/admin/",
        "/admin/referrals/",
        "/admin/referrals/{started}/",
    ],
}


def _buttons_off_screen(page) -> list[str]:
    """The buttons in the page's main part that sit (partly) beyond the screen's right edge
    (except in Wagtail's side panel, which waits off the screen until it is opened)."""
    return page.evaluate(
        """[...document.querySelectorAll('main a.button, main button')]
            .filter(b => b.offsetParent !== null && !b.closest('.form-side'))
            .filter(b => b.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(b => b.textContent.trim() || b.getAttribute('aria-label') || b.outerHTML)"""
    )


@pytest.mark.parametrize("role", list(SCREENS))
def test_admin_screens_have_no_wcag_21_aa_violations(axe_page, demo_site, role):
    from providers.models import Provider

    seed_demo_kept(users=True)
    ids = _ids()
    email = {"klantmanager": KLANTMANAGER, "contract manager": CONTRACT_MANAGER}.get(role)
    if email is None:
        email = _provider_user(Provider.objects.get(pk=ids["provider"])).email
    _sign_in(axe_page, demo_site, email)
    reports = []
    for path in SCREENS[role]:
        axe_page.set_viewport_size(DESKTOP)
        url = demo_site + path.format(**ids)
        response = axe_page.goto(url)
        # A screen refused to this role would redirect (to the login or the dashboard).
        assert (response.status, axe_page.url) == (200, url)
        found = {"desktop": axe_violations(axe_page)}
        axe_page.set_viewport_size(PHONE)
        transitions_settled(axe_page)
        found["phone 320 px"] = axe_violations(axe_page)
        if off_screen := _buttons_off_screen(axe_page):
            reports.append(f"{path} [phone 320 px] buttons off the screen sideways: {off_screen}")
        reports += [
            f"{path} [{width}]\n{axe_describe(violations)}"
            for width, violations in found.items()
            if violations
        ]
    if reports:
        report = "\n".join(reports)
        pytest.fail(f"axe found WCAG 2.1 A/AA violations for the {role}:\n{report}", pytrace=False)
