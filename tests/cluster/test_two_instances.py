"""Two instances behind one address: what one instance does, the other knows at once.

Each test talks to the instances directly (a, b: their own ports) and through HAProxy, as
visitors with addresses of their own on loopback. The cluster (``harness.py``) runs production's
settings: ``DEBUG`` off, sessions in PostgreSQL, the page cache's version and the rate limits in
the shared Redis, tasks run by one worker, ``TRUSTED_PROXY_COUNT=1`` behind HAProxy.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
import requests
from django.conf import settings

from tests.cluster.harness import Cluster, psycopg_connection
from tests.cluster.load_run import load_run, report
from tests.cluster.visitor import (
    ACCOUNT,
    LOGIN,
    LOGOUT,
    TOO_MANY_FAILED_LOGINS,
    Visitor,
    csrf_token,
    form_token,
    text,
)
from tests.stripe_standin.pytest_plugin import WEBHOOK_PATH

pytestmark = pytest.mark.postgresql

# The learners the harness made (``Cluster.learners``), one per test so none inherits another's
# holds or rate-limit counts.
SESSIONS, SEAT, RATE_SPLIT, RATE_ONE, WEBHOOK = range(5)


@dataclass(frozen=True)
class StartDate:
    offering_path: str
    start_moment_id: int
    free: int
    seats: int

    @property
    def enrol_path(self) -> str:
        return f"/inschrijven/{self.start_moment_id}/"


def seats_shown(page: str) -> dict[int, tuple[int, int]]:
    """(free, seats) of each start date an offering page offers to enrol on, by its id."""
    shown = {}
    for row in re.findall(r'<tr role="row" class="start-date">(.*?)</tr>', page, re.DOTALL):
        action = re.search(r'action="/inschrijven/(\d+)/"', row)
        cells = re.findall(r'<td role="cell"[^>]*>(.*?)</td>', row, re.DOTALL)
        numbers = re.findall(r"\d+", text(cells[5])) if len(cells) > 5 else []
        if action and len(numbers) == 2:
            shown[int(action.group(1))] = (int(numbers[0]), int(numbers[1]))
    return shown


@pytest.fixture(scope="module")
def start_dates(cluster: Cluster) -> list[StartDate]:
    """Start dates with at least two free seats that a learner can enrol on and pay for online,
    one per offering, as the anonymous course pages show them."""
    found = []
    offerings = requests.get(cluster.proxy_url + "/api/v1/offerings/", timeout=30).json()
    for offering in offerings["results"]:
        path = f"/aanbod/cursus/{offering['id']}/"
        page = requests.get(cluster.proxy_url + path, timeout=30).text
        if "start-date__amount" not in page:  # no price: not for sale to self-payers
            continue
        for moment_id, (free, seats) in seats_shown(page).items():
            if free >= 2:
                found.append(StartDate(path, moment_id, free, seats))
                break
        if len(found) == 2:
            return found
    raise AssertionError("the demo catalogue has fewer than two start dates to enrol on")


def instances(cluster: Cluster) -> tuple[str, str]:
    return cluster.instances["a"].url, cluster.instances["b"].url


def enrol(learner: Visitor, base: str, start_date: StartDate) -> str:
    """Press "Enrol" on the course page at ``base`` as the signed-in learner; the address of the
    enrolment's page."""
    page = learner.get(base + start_date.offering_path).text
    token = form_token(page, start_date.enrol_path)
    response = learner.post(base + start_date.enrol_path, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.text[:500]
    assert "/mijn-cursussen/" in response.headers["Location"]
    return response.headers["Location"]


# --- Sessions ---------------------------------------------------------------------------------


def test_a_learner_logged_in_on_one_instance_is_logged_in_on_the_other(cluster):
    a, b = instances(cluster)
    email = cluster.learners[SESSIONS]
    learner = Visitor()

    assert learner.log_in(a, email, cluster.password).status_code == 302
    page = learner.get(b + ACCOUNT)
    assert page.status_code == 200
    assert email in page.text

    # Through HAProxy, whichever instance answers.
    answered_by = set()
    for _ in range(4):
        page = learner.get(cluster.proxy_url + ACCOUNT)
        assert page.status_code == 200
        assert email in page.text
        answered_by.add(cluster.instance_of(page.headers["X-Request-ID"]))
    assert answered_by == {"a", "b"}

    # Logging out on b ends the session on a too.
    token = csrf_token(learner.get(b + ACCOUNT).text)
    assert learner.post(b + LOGOUT, {"csrfmiddlewaretoken": token}).status_code == 302
    after = learner.get(a + ACCOUNT)
    assert after.status_code == 302
    assert LOGIN in after.headers["Location"]


def test_each_request_through_haproxy_carries_one_id_from_proxy_to_instance(cluster):
    # The visitor's own id is replaced by HAProxy's (a UUID), which the instance logs and
    # sends back.
    response = Visitor().get(cluster.proxy_url + "/healthz", headers={"X-Request-ID": "mine"})
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", request_id)
    assert cluster.instance_of(request_id) in ("a", "b")
    assert cluster.haproxy_log_line(request_id) is not None


def test_metrics_are_read_on_each_instance_and_not_through_haproxy(cluster):
    a, _b = instances(cluster)
    assert Visitor().get(cluster.proxy_url + "/metrics").status_code == 404
    direct = Visitor().get(a + "/metrics")
    assert direct.status_code == 200
    assert "routewijzer_http_request_duration_seconds" in direct.text


def test_when_no_instance_is_ready_haproxy_sends_visitors_to_the_live_ones(cluster):
    # A Redis outage makes every instance's /readyz answer 503 at once
    # (tests/portal/core/test_redis_down.py) while the portal still serves every page. Here the
    # same state, both instances out of the "ready" backend, made through HAProxy's admin socket.
    for server in ("web1", "web2"):
        cluster.haproxy_command(f"set server portal/{server} state maint")
    try:
        response = Visitor().get(cluster.proxy_url + "/aanbod/")
        assert response.status_code == 200
        request_id = response.headers["X-Request-ID"]
        assert cluster.instance_of(request_id) in ("a", "b")
        assert " portal_alive/web" in cluster.haproxy_log_line(request_id)
    finally:
        for server in ("web1", "web2"):
            cluster.haproxy_command(f"set server portal/{server} state ready")
    for name in ("a", "b"):
        cluster.wait_for_server(name, "UP")


# --- The page cache ---------------------------------------------------------------------------


def test_a_seat_taken_on_one_instance_shows_at_once_on_the_others_cached_page(cluster, start_dates):
    a, b = instances(cluster)
    start_date = start_dates[0]
    anonymous = Visitor()
    anonymous.get(b + start_date.offering_path)
    cached = anonymous.get(b + start_date.offering_path)
    assert cached.headers["X-Page-Cache"] == "hit"
    before = seats_shown(cached.text)[start_date.start_moment_id]

    learner = Visitor()
    assert learner.log_in(a, cluster.learners[SEAT], cluster.password).status_code == 302
    enrol(learner, a, start_date)

    after = anonymous.get(b + start_date.offering_path)
    assert after.headers["X-Page-Cache"] == "miss"
    assert seats_shown(after.text)[start_date.start_moment_id] == (before[0] - 1, before[1])
    for _ in range(2):  # both instances, through HAProxy
        page = anonymous.get(cluster.proxy_url + start_date.offering_path)
        assert seats_shown(page.text)[start_date.start_moment_id] == (before[0] - 1, before[1])


# --- Rate limits ------------------------------------------------------------------------------


def _rate(action: str, per: str) -> int:
    """The number of ``action`` allowed per ``per`` (``"key"``, ``"ip"``) in the settings the
    instances run with (``ACCOUNT_RATE_LIMITS``, allauth's syntax ``amount/period/per``)."""
    for rate in settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, _period, rate_per = rate.strip().split("/")
        if rate_per == per:
            return int(amount)
    raise AssertionError(f"no {per} rate for {action}")


def _failed_logins_before_refusal(bases: list[str], email: str, visitor: Visitor) -> int:
    """Log in with a wrong password at each of ``bases`` in turn until the form refuses to try:
    how many failures it took."""
    limit = _rate("login_failed", "key")
    for attempt in range(limit + 3):
        response = visitor.log_in(bases[attempt % len(bases)], email, "not the password")
        assert response.status_code == 200
        if TOO_MANY_FAILED_LOGINS in response.text:
            return attempt
    raise AssertionError(f"{limit + 3} failed logins and no refusal")


def test_failed_logins_split_over_both_instances_are_refused_as_on_one(cluster):
    a, b = instances(cluster)
    # Each visitor its own address, so that only the per-account limit can stop them. allauth
    # counts an account's failures under the site's host name, the one every instance sees
    # behind HAProxy: the visitors send it to the instances' own ports too.
    public_host = cluster.proxy_url.removeprefix("http://")
    split = Visitor("127.0.0.2", host=public_host)
    one = Visitor("127.0.0.3", host=public_host)

    with ThreadPoolExecutor(2) as pool:  # side by side: two visitors, two accounts
        counting_split = pool.submit(
            _failed_logins_before_refusal, [a, b], cluster.learners[RATE_SPLIT], split
        )
        counting_one = pool.submit(
            _failed_logins_before_refusal, [a], cluster.learners[RATE_ONE], one
        )
        failures_split, failures_one = counting_split.result(), counting_one.result()

    assert failures_split == failures_one == _rate("login_failed", "key")
    # The right password is refused now too, on either instance.
    right = split.log_in(a, cluster.learners[RATE_SPLIT], cluster.password)
    assert TOO_MANY_FAILED_LOGINS in right.text


def test_haproxy_passes_each_visitors_own_address_to_the_rate_limits(cluster):
    # allauth answers 429 to more log-in posts from one address than its "login" rate allows.
    # Through HAProxy every connection to the instances comes from HAProxy's address: without
    # TRUSTED_PROXY_COUNT the second visitor below would be refused with the first.
    limit = _rate("login", "ip")
    first, second = Visitor("127.0.0.4"), Visitor("127.0.0.5")
    login = cluster.proxy_url + LOGIN
    token = csrf_token(first.get(login).text)
    answered_by = set()
    for _ in range(limit):
        response = first.post(login, {"csrfmiddlewaretoken": token})  # an empty form
        assert response.status_code == 200
        answered_by.add(cluster.instance_of(response.headers["X-Request-ID"]))
    assert answered_by == {"a", "b"}  # counted across both instances

    assert first.post(login, {"csrfmiddlewaretoken": token}).status_code == 429
    # An address of the visitor's choice does not help: HAProxy adds the one it saw, last.
    spoofed = first.post(
        login, {"csrfmiddlewaretoken": token}, headers={"X-Forwarded-For": "198.51.100.7"}
    )
    assert spoofed.status_code == 429
    token = csrf_token(second.get(login).text)
    assert second.post(login, {"csrfmiddlewaretoken": token}).status_code == 200


# --- A Stripe webhook at both instances at once -----------------------------------------------


@contextlib.contextmanager
def start_moment_locked(cluster: Cluster, start_moment_id: int) -> Iterator[None]:
    """Hold the start moment's row lock (the first lock a payment's fulfilment takes) from a
    connection of the test's own, so that deliveries arriving meanwhile wait inside their
    transactions and are all in flight at once."""
    with psycopg_connection(cluster.database_url) as connection, connection.transaction():
        connection.execute(
            "SELECT 1 FROM providers_startmoment WHERE id = %s FOR UPDATE", [start_moment_id]
        )
        yield


def sessions_waiting_for_a_lock(cluster: Cluster) -> int:
    [(count,)] = cluster.query(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return count


def test_the_same_webhook_at_both_instances_at_once_confirms_once_and_mails_once(
    cluster, start_dates
):
    a, b = instances(cluster)
    email = cluster.learners[WEBHOOK]
    start_date = start_dates[1]
    learner = Visitor()
    assert learner.log_in(a, email, cluster.password).status_code == 302
    enrolment_path = enrol(learner, a, start_date)
    reference = enrolment_path.rstrip("/").rsplit("/", 1)[-1]
    pay_path = f"{enrolment_path}betalen/"
    token = form_token(learner.get(a + enrolment_path).text, pay_path)
    checkout = learner.post(a + pay_path, {"csrfmiddlewaretoken": token})
    assert checkout.status_code == 303
    session_id = re.search(r"cs_\w+", checkout.headers["Location"]).group()
    [completed] = cluster.stripe.pay(session_id)  # signed; the test delivers it
    assert completed.type == "checkout.session.completed"

    def deliver(base: str) -> requests.Response:
        return requests.post(
            base + WEBHOOK_PATH,
            data=completed.payload,
            headers={"Content-Type": "application/json", "Stripe-Signature": completed.signature},
            timeout=60,
        )

    with ThreadPoolExecutor(2) as pool, start_moment_locked(cluster, start_date.start_moment_id):
        answers = [pool.submit(deliver, base) for base in (a, b)]
        # One delivery waits for the start moment's lock, the other for the first one's event
        # row (the same event id): both are inside the portal at the same moment.
        deadline = time.monotonic() + 20
        while sessions_waiting_for_a_lock(cluster) < 2:
            assert time.monotonic() < deadline, "the two deliveries did not meet"
            time.sleep(0.05)
    answers = [answer.result() for answer in answers]

    assert [answer.status_code for answer in answers] == [200, 200]
    assert sorted(answer.text for answer in answers) == ["confirmed", "duplicate"]
    [(enrolment_id, state)] = cluster.query(
        "SELECT id, state FROM enrolments_enrolment WHERE reference = %s", [reference]
    )
    assert state == "confirmed"
    assert cluster.query(
        "SELECT count(*) FROM payments_stripeevent WHERE event_id = %s", [completed.id]
    ) == [(1,)]
    e_mail_tasks = cluster.query(
        "SELECT id FROM django_tasks_database_dbtaskresult"
        " WHERE task_path LIKE %s AND args_kwargs->'kwargs' @> %s::jsonb",
        ["%.enrolment_email_send", json.dumps({"enrolment_id": enrolment_id, "kind": "confirmed"})],
    )
    assert len(e_mail_tasks) == 1

    # The worker sends it, once.
    deadline = time.monotonic() + 30
    while (status := task_status(cluster, e_mail_tasks[0][0])) not in ("SUCCESSFUL", "FAILED"):
        assert time.monotonic() < deadline, f"the e-mail task is still {status} after 30 s"
        time.sleep(0.1)
    assert status == "SUCCESSFUL"
    assert len(cluster.messages_to(email)) == 1


def task_status(cluster: Cluster, task_id: str) -> str:
    [(status,)] = cluster.query(
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", [task_id]
    )
    return status


# --- Load, while one instance is stopped and started again ------------------------------------


def test_no_get_fails_while_an_instance_is_stopped_and_started_again(cluster):
    result = load_run(cluster, seconds=8, connections=4, stop_at=1.5)
    print(report(result))
    assert result.requests > 50
    assert result.failures == 0, report(result)
    # The instance really went: HAProxy took it out, and took it back once it was ready.
    assert result.down_seen_after is not None, report(result)
    assert result.up_seen_after is not None, report(result)
    assert cluster.server_status("a") == "UP"
    answered_by = {
        cluster.instance_of(Visitor().get(cluster.proxy_url + "/healthz").headers["X-Request-ID"])
        for _ in range(4)
    }
    assert answered_by == {"a", "b"}
