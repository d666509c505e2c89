"""Enrolment and payment benchmark: seats held, Checkout Sessions opened over HTTP (the real stripe
client against the stand-in), signed webhooks verified and fulfilled, and a race for the last seats.
A script, not a test: see README.md beside it.

    .venv/bin/python tests/benchmarks/bench_payments.py [--learners 300] [--racers 50]

Uses a throw-away database like bench_import.py (SQLite file, or a test database next to
``DATABASE_URL``). Prints per step the total seconds and the median and 95th-percentile
milliseconds per learner. The race (``--racers`` threads on their own connections for the last 5
seats) runs on PostgreSQL only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_import import _configure_django


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(ordered) * 1000:6.1f} ms, p95 {p95 * 1000:6.1f} ms"


def _timed(name: str, items, action) -> list:
    durations, results = [], []
    started = time.perf_counter()
    for item in items:
        begun = time.perf_counter()
        results.append(action(item))
        durations.append(time.perf_counter() - begun)
    total = time.perf_counter() - started
    print(f"  {name:<44} {total:7.2f} s   {_percentiles(durations)}", flush=True)
    return results


def _run(*, learners: int, racers: int) -> None:
    from django.db import connection, connections
    from django.test import Client

    from portal.enrolments import enrolling
    from portal.enrolments.models import Enrolment
    from portal.payments import paying
    from portal.payments.models import ConnectedAccount
    from tests.enrolments.factories import learner, start_moment_for_sale
    from tests.stripe_standin import StripeStandIn
    from tests.stripe_standin.pytest_plugin import deliver

    standin = StripeStandIn(webhook_secret="whsec_bench")
    standin.start()
    from django.conf import settings

    settings.STRIPE_SECRET_KEY = "sk_test_bench"
    settings.STRIPE_API_BASE = standin.base_url
    settings.STRIPE_WEBHOOK_SECRETS = ["whsec_bench"]
    settings.ALLOWED_HOSTS = ["testserver"]
    try:
        moment = start_moment_for_sale(seats=learners, connected=False)
        account = standin.create_account(onboarded=True)
        ConnectedAccount.objects.create(
            provider=moment.offering.provider,
            stripe_account_id=account["id"],
            charges_enabled=True,
            payouts_enabled=True,
            details_submitted=True,
        )
        people = [learner() for _ in range(learners)]
        print(f"{learners} learners, one start moment with {learners} seats")
        held = _timed(
            "hold a seat (enrolment_start)",
            people,
            lambda person: enrolling.enrolment_start(user=person, start_moment=moment),
        )
        payments = _timed(
            "open a Checkout Session (HTTP to the stand-in)",
            held,
            lambda enrolment: paying.payment_start(
                enrolment=enrolment,
                success_url="http://testserver/done?session_id={CHECKOUT_SESSION_ID}",
                cancel_url="http://testserver/back",
            ),
        )
        events = [standin.pay(payment.checkout_session_id)[0] for payment in payments]
        client = Client()
        responses = _timed(
            "webhook: verify, record, confirm (test client)",
            events,
            lambda event: deliver(client, event).status_code,
        )
        confirmed = Enrolment.objects.filter(state=Enrolment.State.CONFIRMED).count()
        print(f"  confirmed {confirmed} of {learners}; HTTP statuses {sorted(set(responses))}")
        replays = _timed(
            "webhook replay (answered as duplicate)",
            events[: min(100, len(events))],
            lambda event: deliver(client, event).content,
        )
        print(f"  replays answered {sorted(set(replays))}")

        if connection.vendor != "postgresql":
            print("Race for the last seats: PostgreSQL only (set DATABASE_URL)")
            return
        race_moment = start_moment_for_sale(seats=5)
        contenders = [learner() for _ in range(racers)]
        barrier = threading.Barrier(racers)

        def attempt(person):
            try:
                barrier.wait(timeout=30)
                begun = time.perf_counter()
                try:
                    enrolling.enrolment_start(user=person, start_moment=race_moment)
                    outcome = "held"
                except enrolling.StartMomentFull:
                    outcome = "full"
                return outcome, time.perf_counter() - begun
            finally:
                connections.close_all()

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=racers) as pool:
            outcomes = list(pool.map(attempt, contenders))
        total = time.perf_counter() - started
        held_count = sum(outcome == "held" for outcome, _ in outcomes)
        print(
            f"  race: {racers} threads for 5 seats in {total:.2f} s: {held_count} held, "
            f"{racers - held_count} full; per attempt {_percentiles([d for _, d in outcomes])}"
        )
    finally:
        standin.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--racers", type=int, default=50)
    arguments = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="No directory at")
    with tempfile.TemporaryDirectory() as temporary:
        _configure_django(Path(temporary))
        from django.db import connection

        python = f"{platform.python_implementation()} {platform.python_version()}"
        print(f"{python}, {connection.vendor}")
        started = time.perf_counter()
        old_name = connection.creation.create_test_db(verbosity=0, serialize=False)
        print(f"Database migrated in {time.perf_counter() - started:.1f} s")
        try:
            _run(learners=arguments.learners, racers=arguments.racers)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
