"""``python -m helpers node start|stop|status``."""

from __future__ import annotations

import argparse
import os

from ._local import LocalNode, remote_status

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "node",
        help="the local OpenSearch node",
        description=(
            "Run a single OpenSearch node with ML Commons on 127.0.0.1, assembled "
            "from Maven Central. With OPENSEARCH_URL set, report on that cluster "
            "instead."
        ),
    )
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument(
        "--version",
        dest="opensearch_version",
        help="OpenSearch version (default: OPENSEARCH_VERSION or the kit's pin)",
    )
    parser.add_argument("--timeout", type=float, default=240, help="seconds to wait")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if os.environ.get("OPENSEARCH_URL"):
        return _report_remote(args.action)
    node = LocalNode(args.opensearch_version)
    if args.action == "start":
        print(node.start(timeout=args.timeout).describe())
    elif args.action == "stop":
        stopped = node.stop()
        print(f"stopped the node at {node.url}" if stopped else "no node was running")
    else:
        status = node.status()
        print(status.describe())
        return 0 if status.running else 3
    return 0


def _report_remote(action: str) -> int:
    status = remote_status()
    if action == "stop":
        print(f"OPENSEARCH_URL is set: the kit does not stop {status.url}")
        return 0
    print(status.describe())
    return 0 if status.running else 3
