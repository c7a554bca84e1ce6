"""Time to the first answer, cold and warm, and the memory each service holds.

Cold: nothing runs (the node's home is already assembled; see node_start.py for
the download): start a node and the emulator, run the whole flow, get the
answer. Warm: the same flow again with everything up and the resources there.
Then the resident memory of the node, the emulator and JupyterLab (with one
kernel). Uses a node of its own on a free port, so the kit's usual node is left
alone. Prints a table.

    python benchmarks/first_answer.py
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from helpers import kit_names
from helpers._connection import connect
from helpers._flow import cleanup, deploy
from helpers.node import LocalNode

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    node = LocalNode(port=_free_port(), instance="first-answer")
    names = kit_names(f"bench-{secrets.token_hex(4)}")
    node.stop()
    emulator = None
    try:
        started = time.monotonic()
        node.start(timeout=300, progress=False)
        emulator, url = _start_emulator()
        os.environ["BEDROCK_ENDPOINT"] = url
        client = connect(node.url)
        answer = deploy(client, names).answer
        cold = time.monotonic() - started
        assert answer is not None and answer.text

        started = time.monotonic()
        deploy(client, names)
        warm = time.monotonic() - started

        memory = {
            "OpenSearch node": _rss_mib(node.status().pid or 0),
            "Bedrock emulator": _rss_mib(emulator.pid),
            "JupyterLab with one kernel": _jupyterlab_rss_mib(),
        }
        cleanup(client, names)
    finally:
        if emulator is not None:
            emulator.terminate()
            emulator.wait(timeout=10)
        node.stop()

    print(f"{'measure':40} {'value':>12}")
    print(f"{'first answer, cold (start everything)':40} {cold:>11.1f}s")
    print(f"{'first answer, warm (all running)':40} {warm:>11.2f}s")
    for name, mib in memory.items():
        print(f"{'resident memory: ' + name:40} {mib:>8.0f} MiB")
    return 0


def _start_emulator() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.emulator", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def _jupyterlab_rss_mib() -> float:
    """JupyterLab's server plus one started kernel, after they settle."""
    port, token = _free_port(), secrets.token_hex(8)
    command = [
        sys.executable, "-m", "jupyterlab", "--ip", "127.0.0.1",
        "--port", str(port), "--no-browser", f"--IdentityProvider.token={token}",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT / "notebooks", stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_answering(f"{base}/api/status?token={token}")
        request = urllib.request.Request(
            f"{base}/api/kernels?token={token}",
            data=b'{"name": "opensearch-bedrock-kit"}',
            method="POST",
        )
        urllib.request.urlopen(request, timeout=30).close()
        time.sleep(5)
        return _rss_mib(server.pid) + _children_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_answering(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within 60 s")


def _rss_mib(pid: int) -> float:
    out = subprocess.run(
        ["ps", "-o", "rss=", "-p", str(pid)], capture_output=True, text=True
    )
    return int(out.stdout.strip() or 0) / 1024


def _children_rss_mib(pid: int) -> float:
    out = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(pid)], capture_output=True, text=True
    )
    return sum(int(line) for line in out.stdout.split()) / 1024


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
