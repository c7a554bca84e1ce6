"""Local node start-up: cold (empty cache), warm, start to green, resident memory.

Runs a node of its own on a free port with a fresh KIT_HOME (a temporary folder,
removed afterwards), so the kit's usual node is left alone. Prints a table.

    python benchmarks/node_start.py [--keep-home DIR]
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from helpers._config import opensearch_version
from helpers.node import LocalNode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep-home", type=Path, help="use (and keep) this KIT_HOME")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kit-bench-") as scratch:
        # As root the node runs as a service user, who must enter the folder.
        Path(scratch).chmod(0o755)
        kit_home = args.keep_home or Path(scratch)
        node = LocalNode(port=_free_port(), kit_home=kit_home, instance="bench")
        rows = []
        try:
            rows.append(("cold start (download, assemble, start)", _timed(node)))
            rss = _rss_mib(node)
            node.stop()
            rows.append(("warm start (cached home)", _timed(node)))
            rows.append(("start to green, ML Commons ready", _start_to_green(node)))
        finally:
            node.stop()
    print(f"OpenSearch {opensearch_version()} local node")
    print(f"{'measure':44} {'value':>10}")
    for name, seconds in rows:
        print(f"{name:44} {seconds:>9.1f}s")
    print(f"{'resident memory after start':44} {rss:>7.0f} MiB")


def _timed(node: LocalNode) -> float:
    started = time.monotonic()
    node.start(timeout=900, progress=False)
    return time.monotonic() - started


def _start_to_green(node: LocalNode) -> float:
    """From launching the JVM to green with ML Commons, the home already built."""
    node.stop()
    return _timed(node)


def _rss_mib(node: LocalNode) -> float:
    pid = node.status().pid
    out = subprocess.run(
        ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
