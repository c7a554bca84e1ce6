"""``python -m helpers node start|stop|status``."""

from __future__ import annotations

import argparse
import os

from ._cluster import LocalCluster
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
    parser.add_argument(
        "--nodes",
        type=int,
        choices=(1, 3),
        default=1,
        help="3: a room's cluster, two data nodes and a dedicated ML node",
    )
    parser.add_argument(
        "--port",
        type=int,
        help="HTTP port of the (first) node (default: KIT_NODE_PORT or 9200)",
    )
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    if os.environ.get("OPENSEARCH_URL"):
        return _report_remote(args.action)
    if args.nodes == 3:
        return _run_cluster(args)
    node = LocalNode(args.opensearch_version, port=args.port)
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


def _run_cluster(args: argparse.Namespace) -> int:
    port = args.port or int(os.environ.get("KIT_NODE_PORT", "9200"))
    cluster = LocalCluster(
        args.opensearch_version, port=port, transport_port=port + 110
    )
    if args.action == "start":
        cluster.start(timeout=args.timeout)
        print(cluster.describe())
        print(f"\nexport OPENSEARCH_URL={cluster.url}")
    elif args.action == "stop":
        stopped = cluster.stop()
        print(f"stopped {', '.join(stopped)}" if stopped else "no member was running")
    else:
        print(cluster.describe())
        return 0 if all(status.running for status in cluster.status()) else 3
    return 0


def _report_remote(action: str) -> int:
    status = remote_status()
    if action == "stop":
        print(f"OPENSEARCH_URL is set: the kit does not stop {status.url}")
        return 0
    print(status.describe())
    return 0 if status.running else 3
