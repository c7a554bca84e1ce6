"""``python -m helpers emulator``: run the Bedrock emulator in the foreground.

Once it accepts requests it prints its URL alone on one line of standard output,
so a script can read it; SIGINT (Ctrl-C) or SIGTERM stops it cleanly. Each
runtime call is logged on standard error, one line per call (``--quiet`` turns
that off, ``-vv`` adds request and response bodies).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from .._config import EMULATOR_DEFAULT_PORT
from .config import EmulatorConfig
from .server import EmulatorServer, _is_loopback

__all__ = ["add_parser"]


def add_parser(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
) -> None:
    parser = subparsers.add_parser(
        "emulator",
        help="run the Bedrock runtime emulator",
        description=(
            "Serve a local Amazon Bedrock runtime (InvokeModel, Converse) that "
            "checks SigV4 signatures. Credentials and switches come from the "
            "BEDROCK_EMULATOR_* environment variables."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=EMULATOR_DEFAULT_PORT,
        help="port to listen on; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--aws-faithful",
        action="store_true",
        help="refuse models AWS has retired (Jurassic-2), as AWS does today",
    )
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(
            f"a port is a number from 0 to 65535, not {text!r}"
        )
    return int(text)


def run(args: argparse.Namespace) -> int:
    if not args.quiet and getattr(args, "verbose", 0) == 0:
        # The request log is the point of running the emulator in a terminal.
        logging.getLogger("helpers.emulator").setLevel(logging.INFO)

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {
        signum: signal.signal(signum, request_stop)
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    config = EmulatorConfig.from_env(aws_faithful=True if args.aws_faithful else None)
    server = EmulatorServer(args.host, args.port, config=config)
    try:
        server.start()
        print(server.url, flush=True)
        if not _is_loopback(server.host):
            print(
                f"warning: listening on {server.host}, not loopback: anyone who "
                "reaches this machine can call the emulator with its example keys "
                "and change its faults through the admin API. Use this only on a "
                "network you trust.",
                file=sys.stderr,
                flush=True,
            )
        print(
            f"Bedrock emulator ready: endpoint_url={server.url} access key "
            f"{config.access_key_id}; admin API at {server.url}/_emulator/health. "
            "Stop it with Ctrl-C.",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 0
