"""The portal on two instances behind HAProxy, on loopback: what ``make cluster`` serves and the
two-instance tests (``test_two_instances.py``) and load run (``load_run.py``) drive.

One PostgreSQL database (migrated, with the demo catalogue), one Redis database, two gunicorn
instances started as production starts them (``deploy/gunicorn.conf.py``, ``DEBUG`` off, static
files collected), one ``manage.py worker``, and HAProxy with ``deploy/haproxy.cfg`` itself, its
addresses given by environment variables. Beside them, on loopback too: the Stripe stand-in the
payment tests use (``tests/stripe_standin``) and an SMTP server that keeps what it receives
(``tests/mailserver.py``). Every port is a free one the system chose.

Migrating and loading the demo data take about 35 s, so a database made once is kept as a
template (``<name>_template``) and each cluster starts from a copy of it (a second); the template
is made again when the project's code, the installed packages or the date change (the demo's
start dates are relative to today).

    .venv/bin/python -m tests.cluster.harness      # = make cluster: serve until Ctrl-C

Environment: ``DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/routewijzer_cluster``,
dropped and made again from the template), ``CLUSTER_REDIS_URL`` (default
``redis://127.0.0.1:6379/15``), ``CLUSTER_KEEP=1`` keeps the logs' folder after stopping.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import importlib.metadata
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the project's folder on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import serving
from tests.mailserver import LoopbackSmtp
from tests.serving import HOST, PYTHON, ROOT
from tests.stripe_standin.pytest_plugin import (
    STANDIN_API_KEY,
    STANDIN_WEBHOOK_SECRET,
    WEBHOOK_PATH,
)
from tests.stripe_standin.server import StripeStandIn

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/routewijzer_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
GUNICORN_CONFIG = ROOT / "deploy" / "gunicorn.conf.py"
# Two sync workers per instance on a 2-core machine; HAProxy sends each instance as many
# requests at a time (ROUTEWIJZER_WEB_MAXCONN) and queues the rest.
WORKERS_PER_INSTANCE = 2
LEARNERS = 6
LEARNER_EMAIL = "cluster-learner-{number}@example.org"
INSTANCE_SERVER = {"a": "web1", "b": "web2"}
"""Each instance's name in HAProxy's configuration."""
START_SECONDS = 90
# Held while collectstatic writes the project's static folder (one lock per checkout).
STATIC_LOCK = Path(tempfile.gettempdir()) / (
    "routewijzer-collectstatic-" + hashlib.sha256(str(ROOT).encode()).hexdigest()[:12] + ".lock"
)


def haproxy_path() -> str | None:
    """HAProxy's program (Debian puts it in /usr/sbin, which a user's PATH may leave out)."""
    return shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")


def code_fingerprint(today: datetime.date) -> str:
    """What the template database depends on: the project's code and data files, the installed
    packages (their migrations) and the date (the demo's start dates count from today)."""
    digest = hashlib.sha256(today.isoformat().encode())
    for package in ("portal", "providers", "contracts", "cms"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".csv", ".json") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    versions = sorted(
        f"{dist.metadata['Name']}=={dist.version}" for dist in importlib.metadata.distributions()
    )
    digest.update("\n".join(versions).encode())
    return digest.hexdigest()[:32]


# Run by ``manage.py shell`` in the new database: learners who can log in (a verified e-mail
# address, as after sign-up), and the Stripe accounts of the demo providers for the stand-in.
_ACCOUNTS = """
import json
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from portal.payments.models import ConnectedAccount
from portal.permissions.roles import Role
emails = json.loads(%(emails)r)
for email in emails:
    user = get_user_model().objects.create_user(
        username=email, email=email, password=%(password)r, role=Role.LEARNER
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
accounts = list(ConnectedAccount.objects.values_list("stripe_account_id", flat=True))
print(json.dumps({"accounts": accounts}))
"""


@dataclass
class Instance:
    """One gunicorn instance: a master and its workers, in a process group of their own."""

    name: str
    port: int
    log_path: Path
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def server(self) -> str:
        return INSTANCE_SERVER[self.name]


@dataclass
class Cluster:
    database_url: str
    redis_url: str
    template_url: str
    workers_per_instance: int = WORKERS_PER_INSTANCE
    deliver_webhooks: bool = False
    """Whether the Stripe stand-in posts its events to HAProxy (``make cluster``); the tests
    deliver them themselves, to one instance or both."""
    keep_logs: bool = False
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    learners: list[str] = field(
        default_factory=lambda: [LEARNER_EMAIL.format(number=n) for n in range(LEARNERS)]
    )

    def __post_init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="routewijzer-cluster-"))
        self.instances = {
            name: Instance(name, serving.free_port(), self.workdir / f"{name}.log")
            for name in ("a", "b")
        }
        self.proxy_port = serving.free_port()
        self.stats_socket = self.workdir / "haproxy.sock"
        self.smtp = LoopbackSmtp()
        self.stripe = StripeStandIn(webhook_secret=STANDIN_WEBHOOK_SECRET)
        self.secret_key = secrets.token_urlsafe(50)
        self._worker: subprocess.Popen | None = None
        self._haproxy: subprocess.Popen | None = None
        self._database_made = False
        self._stripe_started = False
        self.timings: dict[str, float] = {}
        """Seconds each step of ``start`` took (printed by ``make cluster``)."""

    # --- addresses and settings ---------------------------------------------------------------

    @property
    def proxy_url(self) -> str:
        return f"http://{HOST}:{self.proxy_port}"

    def env(self) -> dict[str, str]:
        """The environment of every process of the portal: production's settings on loopback."""
        inherited = {
            name: value
            for name, value in os.environ.items()
            # Nothing of a test run: the processes are a deployment, not tests.
            if not name.startswith(("PYTEST_", "ROUTEWIJZER_", "GUNICORN_"))
            and name not in ("DEBUG", "REDIS_URL", "TASKS_RUN", "PROMETHEUS_MULTIPROC_DIR")
        }
        return {
            **inherited,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": "routewijzer-cluster",
            "SECRET_KEY": self.secret_key,
            "DEBUG": "false",
            "ROUTEWIJZER_TESTING": "false",
            "ALLOWED_HOSTS": f"{HOST},localhost",
            # HAProxy speaks plain HTTP on loopback here; in production it ends TLS.
            "SECURE_SSL_REDIRECT": "false",
            # One proxy (HAProxy) adds to X-Forwarded-For: the visitor's address for the limits.
            "TRUSTED_PROXY_COUNT": "1",
            "SITE_URL": self.proxy_url,
            "STRIPE_SECRET_KEY": STANDIN_API_KEY,
            "STRIPE_API_BASE": self.stripe.base_url if self._stripe_started else "",
            "STRIPE_WEBHOOK_SECRETS": STANDIN_WEBHOOK_SECRET,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(self.smtp.port),
            "MEDIA_ROOT": str(self.workdir / "media"),
            "MAP_TILE_URL": "",
            "GUNICORN_WORKERS": str(self.workers_per_instance),
        }

    # --- starting and stopping ----------------------------------------------------------------

    def start(self) -> Cluster:
        """Database, stand-ins, both instances, the worker and HAProxy; stops what it started
        when any of it fails."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _step(self, name: str, started: float) -> float:
        now = time.monotonic()
        self.timings[name] = now - started
        return now

    def _start(self) -> None:
        haproxy = haproxy_path()
        if haproxy is None:
            raise RuntimeError("HAProxy is not installed (apt-get install haproxy)")
        started = time.monotonic()
        self.smtp.start()
        self.stripe.start(host=HOST)
        self._stripe_started = True
        # Static files are collected meanwhile: they need no database. One collectstatic at a
        # time in the project's static folder (the clusters of two test processes would
        # write the same files): `flock` holds a lock for it while it runs.
        collect = self._manage_in_background(
            "collectstatic", "--no-input", "-v", "0", lock=STATIC_LOCK
        )
        self._database_prepare()
        started = self._step("database", started)
        accounts = self._manage_in_background(
            "shell",
            "-v",
            "0",
            "-c",
            _ACCOUNTS % {"emails": json.dumps(self.learners), "password": self.password},
        )
        self._finished(collect, "collectstatic")
        started = self._step("static files", started)
        # whitenoise lists the static files when an instance starts: after collectstatic.
        for instance in self.instances.values():
            self._instance_spawn(instance)
        self._worker = subprocess.Popen(
            [PYTHON, "manage.py", "worker", "--no-reload", "--interval", "0.5", "-v", "1"],
            cwd=ROOT,
            env=self.env(),
            stdout=(self.workdir / "worker.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        made = self._finished(accounts, "the learners' accounts").strip().splitlines()[-1]
        for account_id in json.loads(made)["accounts"]:
            self.stripe.create_account(onboarded=True, account_id=account_id)
        if self.deliver_webhooks:
            self.stripe.webhook_url = self.proxy_url + WEBHOOK_PATH
        for instance in self.instances.values():
            self._instance_wait(instance)
        started = self._step("instances", started)
        self._haproxy = subprocess.Popen(
            [haproxy, "-db", "-f", str(HAPROXY_CONFIG)],
            cwd=ROOT,
            env={**os.environ, **self.haproxy_env()},
            stdout=(self.workdir / "haproxy.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        serving.wait_until_answers(
            self.proxy_url + "/healthz", process=self._haproxy, seconds=20, what="HAProxy"
        )
        for instance in self.instances.values():
            self.wait_for_server(instance.name, "UP")
        self._step("HAProxy", started)

    def _manage_in_background(self, *args: str, lock: Path | None = None) -> subprocess.Popen:
        """``manage.py args``, not waited for; with ``lock``, once it holds that file's lock."""
        return subprocess.Popen(
            [*(["flock", str(lock)] if lock else []), PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    @staticmethod
    def _finished(process: subprocess.Popen, what: str) -> str:
        """What ``process`` printed once it ended; ``CommandFailed`` if it failed."""
        output, errors = process.communicate(timeout=300)
        if process.returncode:
            raise serving.CommandFailed(f"{what} failed:\n{output.decode()}\n{errors.decode()}")
        return output.decode()

    def haproxy_env(self) -> dict[str, str]:
        """The values ``deploy/haproxy.cfg`` reads, for loopback."""
        return {
            "ROUTEWIJZER_BIND": f"{HOST}:{self.proxy_port}",
            "ROUTEWIJZER_HOST": HOST,
            "ROUTEWIJZER_WEB1": f"{HOST}:{self.instances['a'].port}",
            "ROUTEWIJZER_WEB2": f"{HOST}:{self.instances['b'].port}",
            "ROUTEWIJZER_WEB_MAXCONN": str(self.workers_per_instance),
            "HAPROXY_LOG": "stdout",
            "HAPROXY_STATS_SOCKET": str(self.stats_socket),
        }

    def stop(self) -> None:
        """Stop everything that runs, drop the database; safe to call more than once."""
        processes = [self._haproxy, self._worker] + [i.process for i in self.instances.values()]
        # All at once (each ends its work in hand): SIGTERM to every group, then wait for each.
        stopping = [
            threading.Thread(target=serving.process_group_stop, args=(process,))
            for process in processes
            if process is not None
        ]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        self.smtp.stop()
        if self._stripe_started:
            self.stripe.stop()
            self._stripe_started = False
        if self._database_made:
            serving.database_drop(self.database_url)
            self._database_made = False
        if self.keep_logs:
            print(f"The cluster's logs are in {self.workdir}", flush=True)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- the database -------------------------------------------------------------------------

    def _database_prepare(self) -> None:
        """This cluster's database: a copy of the template, made first when it is missing or
        stale."""
        import psycopg

        fingerprint = code_fingerprint(datetime.date.today())
        template = serving.database_name(self.template_url)
        # One process at a time makes or copies the template (two test processes may ask).
        with psycopg.connect(
            serving.database_url_named(self.database_url, "postgres"), autocommit=True
        ) as lock:
            lock.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
            row = lock.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [template],
            ).fetchone()
            if row is None or row[0] != fingerprint:
                self._template_make(fingerprint)
            serving.database_drop(self.database_url)
            serving.database_create(self.database_url, template_url=self.template_url)
            self._database_made = True
            lock.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])

    def _template_make(self, fingerprint: str) -> None:
        from psycopg import sql

        print("Making the cluster's template database (migrate, seed_demo)…", flush=True)
        serving.database_drop(self.template_url)
        serving.database_create(self.template_url)
        env = {**self.env(), "DATABASE_URL": self.template_url}
        started = time.monotonic()
        serving.manage("migrate", "--no-input", "-v", "0", env=env)
        started = self._step("template: migrate", started)
        serving.manage("seed_demo", "--no-users", env=env)
        started = self._step("template: seed_demo", started)
        # What loading the demo enqueued (Wagtail's reference index): done once, here, rather
        # than by every cluster's worker while the tests run.
        serving.manage("worker", "--batch", "--no-reload", "-v", "0", env=env)
        self._step("template: tasks", started)
        with psycopg_connection(self.template_url) as connection:
            connection.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(serving.database_name(self.template_url)),
                    sql.Literal(fingerprint),
                )
            )

    def query(self, statement: str, params: list | None = None) -> list[tuple]:
        """Rows of ``statement`` in the cluster's database (read what the instances stored)."""
        with psycopg_connection(self.database_url) as connection:
            return connection.execute(statement, params or []).fetchall()

    # --- instances ----------------------------------------------------------------------------

    def _instance_spawn(self, instance: Instance) -> None:
        instance.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(GUNICORN_CONFIG)],
            cwd=ROOT,
            env={**self.env(), "GUNICORN_BIND": f"{HOST}:{instance.port}"},
            stdout=instance.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its workers stop with it
        )
        instance.starts += 1

    def _instance_wait(self, instance: Instance) -> None:
        serving.wait_until_answers(
            instance.url + "/readyz",
            process=instance.process,
            seconds=START_SECONDS,
            what=f"instance {instance.name} (log: {instance.log_path})",
        )

    def instance_stop(self, name: str, *, timeout: float = 40) -> None:
        """Stop instance ``name`` as a deploy does: SIGTERM to gunicorn's master, which stops
        taking connections and lets each worker finish the request in hand."""
        process = self.instances[name].process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            serving.process_group_stop(process, timeout=1)
            raise RuntimeError(f"instance {name} did not stop within {timeout:.0f} s") from None

    def instance_start(self, name: str) -> None:
        """Start instance ``name`` again on its port; returns once it is ready (``/readyz``)."""
        instance = self.instances[name]
        self._instance_spawn(instance)
        self._instance_wait(instance)

    # --- HAProxy ------------------------------------------------------------------------------

    def haproxy_command(self, command: str) -> str:
        """A command on HAProxy's admin socket (``show stat``); its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(5)
            connection.connect(str(self.stats_socket))
            connection.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def haproxy_stats(self, backend: str = "portal") -> dict[str, dict[str, str]]:
        """``show stat`` of ``backend``'s servers by name: status, retries (wretr),
        redispatches (wredis), requests sent (stot), ..."""
        text = self.haproxy_command("show stat").lstrip("# ")
        return {
            row["svname"]: row
            for row in csv.DictReader(io.StringIO(text))
            if row["pxname"] == backend and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def server_status(self, name: str, backend: str = "portal") -> str:
        """HAProxy's view of instance ``name``: ``UP``, ``DOWN``, ``UP 1/2`` (going down), ..."""
        return self.haproxy_stats(backend)[INSTANCE_SERVER[name]]["status"]

    def wait_for_server(
        self, name: str, status: str, *, seconds: float = 30, backend: str = "portal"
    ) -> float:
        """Wait until HAProxy sees instance ``name`` as ``status``; how long that took."""
        started = time.monotonic()
        while time.monotonic() < started + seconds:
            if self.server_status(name, backend) == status:
                return time.monotonic() - started
            time.sleep(0.1)
        raise RuntimeError(
            f"HAProxy did not see instance {name} {status} within {seconds:.0f} s "
            f"(it is {self.server_status(name, backend)})"
        )

    # --- logs and mail --------------------------------------------------------------------------

    def instance_of(self, request_id: str, *, seconds: float = 5) -> str | None:
        """Which instance answered the request with this id, from their access logs (gunicorn
        writes the line once the answer is sent: it may come a moment after the answer)."""
        deadline = time.monotonic() + seconds
        while True:
            for name, instance in self.instances.items():
                if request_id in instance.log_path.read_text(errors="replace"):
                    return name
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def haproxy_log_line(self, request_id: str, *, seconds: float = 5) -> str | None:
        """HAProxy's log line of the request with this id (written when the request ends)."""
        deadline = time.monotonic() + seconds
        while True:
            log = (self.workdir / "haproxy.log").read_text(errors="replace")
            for line in log.splitlines():
                if f"id={request_id}" in line:
                    return line
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def messages_to(self, email: str) -> list:
        return [m for m in self.smtp.messages if email in m["X-Envelope-To"]]


def psycopg_connection(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


def cluster_from_environment(*, deliver_webhooks: bool = False) -> Cluster:
    """A cluster on ``DATABASE_URL`` and ``CLUSTER_REDIS_URL`` (scripts, ``make cluster``)."""
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        sys.exit(f"DATABASE_URL must point at PostgreSQL, not {database_url!r}")
    name = serving.database_name(database_url)
    return Cluster(
        database_url=database_url,
        redis_url=os.environ.get("CLUSTER_REDIS_URL", DEFAULT_REDIS_URL),
        template_url=serving.database_url_named(database_url, f"{name}_template"),
        deliver_webhooks=deliver_webhooks,
        keep_logs=os.environ.get("CLUSTER_KEEP") == "1",
    )


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP unwind through ``finally`` as Ctrl-C does, so the cluster is stopped
    whichever way a script ends."""
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda received, _frame: sys.exit(128 + received))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.parse_args()
    stop_on_signals()
    cluster = cluster_from_environment(deliver_webhooks=True)
    started = time.monotonic()
    with cluster:
        print(f"\nRoutewijzer on two instances behind HAProxy: {cluster.proxy_url}/")
        steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in cluster.timings.items())
        print(f"  (started in {time.monotonic() - started:.0f} s: {steps})")
        for instance in cluster.instances.values():
            print(f"  instance {instance.name}: {instance.url}/  log: {instance.log_path}")
        print(f"  worker log: {cluster.workdir / 'worker.log'}")
        print(f"  HAProxy log: {cluster.workdir / 'haproxy.log'}")
        print(f"  HAProxy admin socket: {cluster.stats_socket}")
        print(f"  Stripe stand-in: {cluster.stripe.base_url} (test payments, no real money)")
        print(f"  e-mails go to an SMTP server on port {cluster.smtp.port} that keeps them")
        print(f"Learner logins (password {cluster.password}):")
        for email in cluster.learners:
            print(f"  {email}")
        print("Stop with Ctrl-C.", flush=True)
        stopped = threading.Event()
        try:
            while not stopped.wait(1):
                pass
        except KeyboardInterrupt:
            print("\nStopping…", flush=True)


if __name__ == "__main__":
    main()
