"""``python -m tests.stripe_standin``: serve the Stripe stand-in until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .server import StripeStandIn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.stripe_standin",
        description="A local stand-in for the Stripe API: test payments, no real money.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--webhook-url", help="where to POST signed events (the portal's webhook)")
    parser.add_argument("--webhook-secret", default="whsec_standin")
    parser.add_argument(
        "--ready-account",
        action="append",
        default=[],
        metavar="ACCOUNT_ID",
        help="a connected account that exists and is onboarded from the start (repeatable)",
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    standin = StripeStandIn(webhook_url=args.webhook_url, webhook_secret=args.webhook_secret)
    standin.log_requests = args.verbose
    try:
        base_url = standin.start(host=args.host, port=args.port)
    except OSError as exc:
        print(
            f"Cannot start the Stripe stand-in on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    for account_id in args.ready_account:
        standin.create_account(onboarded=True, account_id=account_id)
    print(f"Stripe stand-in on {base_url} (test payments, no real money)", flush=True)

    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    try:
        while not stopped.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
