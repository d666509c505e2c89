"""HTTP benchmark: the catalogue (uncached and cached), the API, the home page and a trivial view.

Serves the national-scale data (``manage.py seed_scale``) from PostgreSQL with gunicorn in its
production configuration (``deploy/gunicorn.conf.py``: its number of sync workers unless
``--workers`` says otherwise, the application preloaded, JSON access lines), DEBUG off, Redis as the
shared cache, and loads it with ``wrk`` at concurrency 8, on
127.0.0.1 only, every case in the same run. Prints requests/s, p50 and p95 latency and the ratio to
the trivial view. A script, not a test (house style point 17): see README.md beside it.

    .venv/bin/python tests/benchmarks/bench_http.py [--seconds 10] [--rounds 1] [--rebuild]
        [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

# Run as a script (`python tests/benchmarks/bench_http.py`): the project's folder on the path.
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import serving
from tests.serving import PYTHON, ROOT, database_ensure, django_shell, manage

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/routewijzer_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
HOST = serving.HOST
CACHED_PORT = 8101
UNCACHED_PORT = 8102
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
WARM_UP_SECONDS = 2


def _in_days(days: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


TRIVIAL = "/healthz"
HOME = "/"
FILTERED = "/aanbod/?component=B1_ROUTE&municipality=GM0392&ordering=price"
NEAR = "/aanbod/?near=2011&ordering=distance"
API = "/api/v1/offerings/?component=B1_ROUTE"
VARIED = [
    FILTERED,
    "/aanbod/",
    "/aanbod/?component=MAP&schedule=EVENING",
    "/aanbod/?max_price=5000&duo_loan=true&ordering=-pass_rate",
    "/aanbod/?q=route&childcare=true",
    "/aanbod/?support_language=ar&keurmerk=true&page=2",
    "/aanbod/?component=Z_ROUTE&component=ALFABETISERING&ordering=next_start",
    "/aanbod/?target_group=GEZINSMIGRANT&schedule=WEEKEND&schedule=ONLINE",
    "/aanbod/?municipality=GM0001&ordering=-next_start",
    f"/aanbod/?starts_after={_in_days(30)}&starts_before={_in_days(90)}&ordering=next_start",
]
"""Filter combinations a visitor might use; ``wrk`` cycles through them request by request."""

# wrk runs this per thread: ``request`` cycles through the paths, ``done`` prints one parsable line.
LUA = """
local paths = {%(paths)s}
local headers = %(headers)s
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter - 1) %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %%d %%.3f %%.3f %%.3f %%.3f %%d\\n", summary.requests,
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
"""


@dataclass
class Case:
    label: str
    port: int
    paths: list[str]
    cookie: str | None = None
    """Sent with every request: a signed-in learner's session (never served from the page cache)."""


@dataclass
class Result:
    label: str
    url: str
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


def prepare(env: dict[str, str], rebuild: bool) -> None:
    database_ensure(env["DATABASE_URL"])
    print("Migrating…", flush=True)
    manage("migrate", "--no-input", "-v", "0", env=env)
    synthetic = django_shell(
        "from providers.models import Provider;"
        "print(Provider.objects.filter(name__startswith='Schaal').count())",
        env,
    )
    if synthetic == "0" or rebuild:
        print("Building the national-scale data (manage.py seed_scale)…", flush=True)
        started = time.monotonic()
        subprocess.run(
            [PYTHON, "manage.py", "seed_scale", *(["--reset"] if rebuild else [])],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"seed_scale took {time.monotonic() - started:.1f} s (wall clock)")
    print("Collecting static files…", flush=True)
    manage("collectstatic", "--no-input", "-v", "0", env=env)
    counts = django_shell(
        "from contracts.models import Municipality;"
        "from providers.models import Offering, StartMoment, Provider, Location;"
        "print(Municipality.objects.count(), Provider.objects.count(), Location.objects.count(),"
        " Offering.objects.filter(live=True).count(), StartMoment.objects.count())",
        env,
    )
    municipalities, providers, locations, offerings, moments = counts.split()
    print(
        f"Data: {municipalities} municipalities, {providers} providers, {locations} locations, "
        f"{offerings} published offerings, {moments} start moments"
    )


def fetch(port: int, path: str, cookie: str | None = None) -> tuple[int, dict[str, str], bytes]:
    return serving.fetch(f"http://{HOST}:{port}{path}", {"Cookie": cookie} if cookie else None)


def production_workers() -> int:
    """The number of workers ``deploy/gunicorn.conf.py`` starts on this machine by default (read
    in a process of its own: loading the file prepares the metrics folder in its environment)."""
    with tempfile.TemporaryDirectory() as metrics:
        printed = subprocess.run(
            [
                PYTHON,
                "-c",
                "import runpy, sys; print(runpy.run_path(sys.argv[1])['default_workers']())",
                str(GUNICORN_CONFIG),
            ],
            env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": metrics, "LOG_FORMAT": "json"},
            capture_output=True,
            text=True,
            check=True,
        )
    return int(printed.stdout.strip())


def gunicorn_start(
    env: dict[str, str], port: int, page_cache: bool, workers: int
) -> subprocess.Popen:
    if not serving.port_is_free(port):
        raise RuntimeError(f"Port {port} is in use: stop whatever listens there first.")
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "--config",
            str(GUNICORN_CONFIG),
            "--workers",
            str(workers),
            "--bind",
            f"{HOST}:{port}",
        ],
        # The log lines (JSON on stdout: an access line for each request, as in production)
        # are made, then thrown away; gunicorn's own only from warnings up.
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
        env={
            **env,
            "PAGE_CACHE_ENABLED": "true" if page_cache else "false",
            # Every worker replaced after its n-th request, as in production.
            "GUNICORN_MAX_REQUESTS": env.get("GUNICORN_MAX_REQUESTS", "2000"),
            "GUNICORN_LOG_LEVEL": "warning",
        },
        start_new_session=True,  # its own process group: stopping it stops its workers too
    )
    serving.wait_until_answers(
        f"http://{HOST}:{port}{TRIVIAL}", process=process, what=f"gunicorn on port {port}"
    )
    return process


gunicorn_stop = serving.process_group_stop


def wrk(port: int, paths: list[str], seconds: int, connections: int, cookie: str | None) -> Result:
    headers = f'{{["Cookie"] = {json.dumps(cookie)}}}' if cookie else "nil"
    output = serving.wrk_run(
        url=f"http://{HOST}:{port}",
        script=LUA % {"paths": ", ".join(json.dumps(path) for path in paths), "headers": headers},
        seconds=seconds,
        connections=connections,
    )
    line = next(line for line in output.splitlines() if line.startswith("RESULT"))
    _, requests, rps, p50, p95, p99, errors = line.split()
    return Result(
        "", "", int(requests), float(rps), float(p50), float(p95), float(p99), int(errors)
    )


def check_answers(case: Case) -> None:
    """Every path answers 200, and the cached server really serves hits (the uncached none, nor
    to a signed-in learner, whose page shows that they are signed in)."""
    for path in case.paths:
        for _ in range(2):  # the second request of a cacheable page is a hit on the cached server
            status, headers, body = fetch(case.port, path, case.cookie)
        if status != 200:
            raise RuntimeError(f"{path} answered {status} on port {case.port}")
        cache_state = headers.get("X-Page-Cache")
        if path.startswith("/aanbod/"):
            expected = "hit" if case.port == CACHED_PORT and not case.cookie else None
            if cache_state != expected:
                raise RuntimeError(f"{path} on port {case.port}: X-Page-Cache is {cache_state!r}")
        if case.cookie and LOGOUT_FORM not in body:
            raise RuntimeError(f"{path} on port {case.port}: the learner is not signed in")


LOGOUT_FORM = b'action="/accounts/logout/"'
"""Only a signed-in visitor's page has the "Log out" form."""

# Run by ``manage.py shell`` with the servers' settings (the session's hash depends on SECRET_KEY):
# a learner with two offerings on the compare list, signed in by a session row as ``login`` makes.
LEARNER_SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from portal.permissions.roles import Role
from providers.models import Offering
user, _ = get_user_model().objects.get_or_create(
    username="bench-learner", defaults={"email": "bench-learner@example.org", "role": Role.LEARNER}
)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session["compare_list"] = list(
    Offering.objects.filter(live=True).order_by("pk").values_list("pk", flat=True)[:2]
)
session.save()
print(session.session_key)
"""


def learner_cookie(env: dict[str, str]) -> str:
    """The Cookie header of a signed-in learner: their session, and the CSRF cookie a browser
    sends back (without it every response would set a new one)."""
    session_key = django_shell(LEARNER_SESSION, env)
    return f"sessionid={session_key}; csrftoken={secrets.token_hex(16)}"


def matches(path: str) -> str:
    """How many offerings the catalogue path lists, read from the API with the same filters."""
    query = urllib.parse.urlsplit(path).query
    query = "&".join(part for part in query.split("&") if part and not part.startswith("page="))
    status, _headers, body = fetch(UNCACHED_PORT, f"/api/v1/offerings/?{query}")
    return str(json.loads(body)["count"]) if status == 200 else f"HTTP {status}"


def measure(case: Case, seconds: int, connections: int, warm_up: bool) -> Result:
    check_answers(case)
    if warm_up:
        wrk(case.port, case.paths, WARM_UP_SECONDS, connections, case.cookie)  # every worker
    result = wrk(case.port, case.paths, seconds, connections, case.cookie)
    result.label = case.label
    result.url = case.paths[0] if len(case.paths) == 1 else f"{len(case.paths)} paths rotating"
    return result


def median_result(rounds: list[Result]) -> Result:
    """Each figure's median over the rounds (rounds interleave the cases, so a burst of load from
    elsewhere on the machine does not fall on one case only)."""
    first = rounds[0]
    return Result(
        label=first.label,
        url=first.url,
        requests=sum(result.requests for result in rounds),
        rps=statistics.median(result.rps for result in rounds),
        p50_ms=statistics.median(result.p50_ms for result in rounds),
        p95_ms=statistics.median(result.p95_ms for result in rounds),
        p99_ms=statistics.median(result.p99_ms for result in rounds),
        errors=sum(result.errors for result in rounds),
    )


def report(results: list[Result], options: argparse.Namespace) -> None:
    by_label = {result.label: result for result in results}
    trivial = by_label["trivial view"]
    print()
    print(
        f"wrk: concurrency {options.connections}, {options.seconds} s per case after a "
        f"{WARM_UP_SECONDS} s warm-up, median of {options.rounds} round(s); gunicorn "
        f"{options.workers} sync workers (deploy/gunicorn.conf.py), DEBUG off, PostgreSQL + "
        f"Redis; {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}; load average before/after: {options.load_before:.1f}/"
        f"{os.getloadavg()[0]:.1f}"
    )
    header = (
        f"{'case':<34} {'URL':<62} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'÷ trivial':>9} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        print(
            f"{result.label:<34} {result.url:<62} {result.rps:>7.1f} {result.p50_ms:>7.1f} "
            f"{result.p95_ms:>7.1f} {result.p99_ms:>7.1f} {result.rps / trivial.rps:>9.1%} "
            f"{result.errors:>6}"
        )
    home = by_label.get("bare HomePage")
    slowest_p95 = max(results, key=lambda result: result.p95_ms)
    targets = []
    for label in AS_FAST_AS_HOME:
        if label in by_label and home:
            rps = by_label[label].rps
            targets.append(
                (
                    rps >= home.rps,
                    f"{label}: {rps:.0f} req/s >= bare HomePage {home.rps:.0f} req/s "
                    f"({rps / home.rps:.2f}x)",
                )
            )
    home_signed_in = by_label.get("HomePage, signed in")
    for label in AS_FAST_AS_HOME_SIGNED_IN:
        if label in by_label and home_signed_in:
            rps = by_label[label].rps
            targets.append(
                (
                    rps >= home_signed_in.rps,
                    f"{label}: {rps:.0f} req/s >= HomePage signed in "
                    f"{home_signed_in.rps:.0f} req/s ({rps / home_signed_in.rps:.2f}x)",
                )
            )
    for label in CACHED_SHARE_OF_TRIVIAL:
        if label in by_label:
            share = by_label[label].rps / trivial.rps
            targets.append(
                (share >= CACHED_TARGET, f"{label}: {share:.0%} of the trivial view (>= 60 %)")
            )
    targets.append(
        (
            slowest_p95.p95_ms < 150,
            f"every p95 under 150 ms (slowest: {slowest_p95.label}, {slowest_p95.p95_ms:.1f} ms)",
        )
    )
    print()
    print("Targets (tests/benchmarks/README.md):")
    for met, text in targets:
        print(f"  [{'met' if met else 'MISSED'}] {text}")


AS_FAST_AS_HOME = [
    "catalogue filtered, uncached",
    "catalogue near, uncached",
    "catalogue filtered, signed in",
    "catalogue near, signed in",
]
"""Cases that must serve at least as many requests a second as the bare HomePage."""
AS_FAST_AS_HOME_SIGNED_IN = ["catalogue filtered, signed in", "catalogue near, signed in"]
"""The same like for like: the learner's catalogue against the learner's HomePage (both pay the
session, the user and the CSRF token, which the bare HomePage, asked without a session, does
not)."""
CACHED_SHARE_OF_TRIVIAL = ["catalogue filtered, cached", "catalogue near, cached"]
CACHED_TARGET = 0.60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each case (10)")
    parser.add_argument("--connections", type=int, default=8, help="concurrency (8)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="measure every case this often, report medians (1)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers per server (default: deploy/gunicorn.conf.py's, 2 x cores + 1)",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the scale data again")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="WORD",
        help="measure only the cases whose name has one of these words (the trivial view always)",
    )
    options = parser.parse_args()
    if options.workers is None:
        options.workers = production_workers()
    if not (
        1 <= options.seconds <= 120
        and 1 <= options.connections <= 64
        and 1 <= options.rounds <= 10
        and 1 <= options.workers <= 16
    ):
        parser.error(
            "keep it bounded: --seconds 1..120, --connections 1..64, --rounds 1..10, "
            "--workers 1..16"
        )
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed. On Debian or Ubuntu: apt-get install wrk")
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"DATABASE_URL must point at PostgreSQL, not {database_url!r}")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "ROUTEWIJZER_TESTING": "false",
        "LOG_LEVEL": "WARNING",
        # wrk is one client sending thousands of requests a second: the API's per-client
        # throttle would answer most of them 429 and the benchmark would time the refusals.
        "API_ANON_RATE": "1000000/second",
    }
    try:
        prepare(env, options.rebuild)
        learner = learner_cookie(env)
    except serving.CommandFailed as exc:
        sys.exit(str(exc))
    cases = [
        Case("trivial view", UNCACHED_PORT, [TRIVIAL]),
        Case("bare HomePage", UNCACHED_PORT, [HOME]),
        Case("HomePage, signed in", CACHED_PORT, [HOME], cookie=learner),
        Case("catalogue filtered, uncached", UNCACHED_PORT, [FILTERED]),
        Case("catalogue near, uncached", UNCACHED_PORT, [NEAR]),
        Case("catalogue varied, uncached", UNCACHED_PORT, VARIED),
        Case("catalogue filtered, cached", CACHED_PORT, [FILTERED]),
        Case("catalogue near, cached", CACHED_PORT, [NEAR]),
        Case("catalogue varied, cached", CACHED_PORT, VARIED),
        # A signed-in learner never gets the anonymous page cache, whichever server answers.
        Case("catalogue filtered, signed in", CACHED_PORT, [FILTERED], cookie=learner),
        Case("catalogue near, signed in", CACHED_PORT, [NEAR], cookie=learner),
        Case("API list", UNCACHED_PORT, [API]),
    ]
    if options.only:
        cases = [
            case
            for case in cases
            if case.label == "trivial view" or any(word in case.label for word in options.only)
        ]
    servers: list[subprocess.Popen] = []
    rounds: dict[str, list[Result]] = {case.label: [] for case in cases}
    # gunicorn runs in its own session; make SIGTERM and SIGHUP unwind through ``finally`` as
    # Ctrl-C does, so the servers are stopped whichever way this script ends.
    for signal_number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signal_number, lambda number, _frame: sys.exit(128 + number))
    options.load_before = os.getloadavg()[0]
    try:
        servers.append(gunicorn_start(env, CACHED_PORT, page_cache=True, workers=options.workers))
        servers.append(
            gunicorn_start(env, UNCACHED_PORT, page_cache=False, workers=options.workers)
        )
        print("Offerings each catalogue path lists:")
        for path in [*VARIED, NEAR]:
            print(f"  {matches(path):>5}  {path}")
        for number in range(1, options.rounds + 1):
            for case in cases:
                print(f"Round {number}/{options.rounds}: {case.label}…", flush=True)
                rounds[case.label].append(
                    measure(case, options.seconds, options.connections, warm_up=number == 1)
                )
    finally:
        for server in servers:
            gunicorn_stop(server)
    results = [median_result(rounds[case.label]) for case in cases]
    report(results, options)
    if options.json:
        options.json.write_text(json.dumps([asdict(result) for result in results], indent=2))
        print(f"\nFigures written to {options.json}")


if __name__ == "__main__":
    main()
