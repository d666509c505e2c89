"""A bounded load run through HAProxy while one instance is stopped and started again.

``wrk`` sends GETs of four pages in turn (the home page, the catalogue, a course page and
``/healthz``) to HAProxy for ``--seconds``; a quarter of the way in, instance a is stopped as a
deploy stops it (SIGTERM: gunicorn stops taking connections and finishes the requests in hand),
then started again. Its Lua script counts every answer that is not 2xx or 3xx by status, besides
wrk's socket errors (connect, read, write, timeout). HAProxy's health check (``/readyz``) takes
the instance out and back in; until it notices, its retries (``retry-on``, ``option
redispatch``) carry the refused requests to the other instance. Goal: no failed GET.

Prints requests, failures, requests/s, p50/p95/p99, when HAProxy saw the instance go and come back,
and HAProxy's retries and redispatches. A script for the figures (house style point 17); the
test ``test_two_instances.py`` runs a short one and asserts that nothing failed.

    .venv/bin/python -m tests.cluster.load_run [--seconds 30] [--connections 8]
        (= make cluster-load; DATABASE_URL and CLUSTER_REDIS_URL as for tests/cluster/harness.py)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: the project's folder on the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests import serving
from tests.cluster.harness import Cluster, cluster_from_environment, stop_on_signals

# Per wrk thread: the paths in turn, and the answers that are not 2xx/3xx by status. ``done``
# (run once, after the threads) adds the threads' counts up and prints one parsable line.
LUA = """
local paths = {%(paths)s}
local counter = 0
failed = 0
statuses = {}
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[((counter - 1) %% #paths) + 1])
end

response = function(status, headers, body)
  if status < 200 or status > 399 then
    failed = failed + 1
    statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  end
end

done = function(summary, latency, requests)
  local failed_answers = 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    failed_answers = failed_answers + thread:get("failed")
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(by_status) do
    table.insert(parts, status .. ":" .. count)
  end
  io.write(string.format(
    "RESULT requests=%%d seconds=%%.3f p50=%%.3f p95=%%.3f p99=%%.3f max=%%.3f failed_answers=%%d"
      .. " connect=%%d read=%%d write=%%d timeout=%%d statuses=%%s\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    failed_answers, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, table.concat(parts, ",")))
end
"""


THROUGH_HAPROXY = re.compile(
    rb'"logger": "gunicorn.access".*"request_id": "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
)
"""An access-log line of a request that came through HAProxy: its id is HAProxy's UUID (the
health checks go to the instance directly and get the portal's own id)."""


@dataclass
class LoadResult:
    seconds: float
    connections: int
    paths: list[str]
    requests: int = 0
    failed_answers: int = 0
    """Answers that were not 2xx or 3xx."""
    socket_errors: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    stopped_at: float = 0.0
    """Seconds into the run when instance a was sent SIGTERM."""
    stop_took: float = 0.0
    down_seen_after: float | None = None
    """Seconds after the SIGTERM when HAProxy marked the instance DOWN."""
    ready_after: float = 0.0
    """Seconds after the SIGTERM when the restarted instance answered /readyz."""
    up_seen_after: float | None = None
    """Seconds after the SIGTERM when HAProxy marked it UP again."""
    retries: int = 0
    redispatches: int = 0
    served_after_restart: int = 0
    """Requests through HAProxy the restarted instance answered (its access log): by the run's
    end, or later if HAProxy took it back after the end."""

    @property
    def failures(self) -> int:
        return self.failed_answers + sum(self.socket_errors.values())

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load_paths(cluster: Cluster) -> list[str]:
    """The home page, the catalogue, the first course page and the liveness probe."""
    status, _headers, body = serving.fetch(cluster.proxy_url + "/api/v1/offerings/")
    if status != 200:
        raise RuntimeError(f"the offerings API answered {status}")
    first = json.loads(body)["results"][0]["id"]
    return ["/", "/aanbod/", f"/aanbod/cursus/{first}/", "/healthz"]


def _parse(output: str, result: LoadResult) -> None:
    line = next((line for line in output.splitlines() if line.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    values = dict(part.split("=", 1) for part in line.split()[1:])
    result.requests = int(values["requests"])
    result.seconds = float(values["seconds"])
    result.p50_ms, result.p95_ms = float(values["p50"]), float(values["p95"])
    result.p99_ms, result.max_ms = float(values["p99"]), float(values["max"])
    result.failed_answers = int(values["failed_answers"])
    result.socket_errors = {
        name: int(values[name]) for name in ("connect", "read", "write", "timeout")
    }
    result.statuses = {
        status: int(count)
        for status, count in (item.split(":") for item in values["statuses"].split(",") if item)
    }


def _watch(
    cluster: Cluster, name: str, since: float, stop: threading.Event, seen: dict[str, float]
) -> None:
    """Note in ``seen`` when HAProxy first saw instance ``name`` DOWN and then UP again
    (seconds after ``since``), polled from its admin socket every 50 ms."""
    while not stop.is_set():
        status = cluster.server_status(name)
        now = time.monotonic() - since
        if status.startswith("DOWN") and "down" not in seen:
            seen["down"] = now
        elif status == "UP" and "down" in seen and "up" not in seen:
            seen["up"] = now
        stop.wait(0.05)


def load_run(
    cluster: Cluster,
    *,
    seconds: int,
    connections: int,
    stop_at: float | None = None,
    instance: str = "a",
) -> LoadResult:
    """Run wrk through HAProxy for ``seconds``; at ``stop_at`` seconds (a quarter of the run by
    default) stop ``instance`` and start it again at once."""
    paths = load_paths(cluster)
    result = LoadResult(seconds=seconds, connections=connections, paths=paths)
    before = cluster.haproxy_stats()
    log = cluster.instances[instance].log_path
    script = LUA % {"paths": ", ".join(json.dumps(path) for path in paths)}
    output: list[str] = []
    errors: list[BaseException] = []

    def drive() -> None:
        try:
            output.append(
                serving.wrk_run(
                    url=cluster.proxy_url, script=script, seconds=seconds, connections=connections
                )
            )
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    wrk = threading.Thread(target=drive, name="wrk")
    started = time.monotonic()
    wrk.start()
    time.sleep(stop_at if stop_at is not None else seconds / 4)
    stopping = time.monotonic()
    result.stopped_at = stopping - started
    watching = threading.Event()
    seen: dict[str, float] = {}
    watcher = threading.Thread(
        target=_watch, args=(cluster, instance, stopping, watching, seen), name="watch"
    )
    watcher.start()
    try:
        cluster.instance_stop(instance)
        result.stop_took = time.monotonic() - stopping
        restart_offset = log.stat().st_size
        cluster.instance_start(instance)
        result.ready_after = time.monotonic() - stopping
        wrk.join(timeout=seconds + 120)
        # The run may end before HAProxy has taken the instance back: wait for it (bounded), so
        # the figures say when, and the cluster is whole again for whatever comes next.
        deadline = time.monotonic() + 30
        while "up" not in seen and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        watching.set()
        watcher.join(timeout=10)
    if errors:
        raise errors[0]
    _parse(output[0], result)
    result.down_seen_after = seen.get("down")
    result.up_seen_after = seen.get("up")
    after = cluster.haproxy_stats()
    result.retries = sum(int(after[s]["wretr"] or 0) - int(before[s]["wretr"] or 0) for s in after)
    result.redispatches = sum(
        int(after[s]["wredis"] or 0) - int(before[s]["wredis"] or 0) for s in after
    )
    with log.open("rb") as file:
        file.seek(restart_offset)
        result.served_after_restart = len(THROUGH_HAPROXY.findall(file.read()))
    return result


def report(result: LoadResult) -> str:
    def seconds_or_never(value: float | None) -> str:
        return f"{value:.1f} s" if value is not None else "never"

    lines = [
        f"wrk through HAProxy: {result.seconds:.1f} s, {result.connections} connections, "
        f"GET {', '.join(result.paths)} in turn; 2 instances x 2 gunicorn sync workers, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f}",
        f"requests: {result.requests} ({result.rps:.1f}/s)",
        f"failed: {result.failures} (answers not 2xx/3xx: {result.failed_answers}"
        f"{' ' + str(result.statuses) if result.statuses else ''}; socket errors: "
        f"{', '.join(f'{k} {v}' for k, v in result.socket_errors.items())})",
        f"latency: p50 {result.p50_ms:.1f} ms, p95 {result.p95_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, max {result.max_ms:.1f} ms",
        f"instance a: SIGTERM at {result.stopped_at:.1f} s, stopped after "
        f"{result.stop_took:.1f} s, ready again (/readyz) after {result.ready_after:.1f} s; "
        f"HAProxy saw it DOWN after {seconds_or_never(result.down_seen_after)} and UP after "
        f"{seconds_or_never(result.up_seen_after)}; it answered "
        f"{result.served_after_restart} requests after its restart",
        f"HAProxy: {result.retries} retries, {result.redispatches} redispatches",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of the run (30)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's connections (8)")
    options = parser.parse_args()
    if not (5 <= options.seconds <= 300 and 1 <= options.connections <= 64):
        parser.error("keep it bounded: --seconds 5..300, --connections 1..64")
    stop_on_signals()
    with cluster_from_environment() as cluster:
        result = load_run(cluster, seconds=options.seconds, connections=options.connections)
    print()
    print(report(result))
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
