"""``python -m helpers up|down``: everything the tutorial needs, on loopback.

``up`` brings a cluster (``OPENSEARCH_URL`` when set; else ``docker compose``
when a Docker engine answers; else the local node) and, in offline mode, the
Bedrock emulator as a background process. ``down`` stops what ``up`` started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request

from . import _config
from ._connection import connect, wait_until_ready
from ._errors import KitError
from ._kit import kit_mode
from ._wait import Poll, wait_for
from .node import LocalNode

__all__ = ["add_parser"]

_EMULATOR_PID = _config.KIT_HOME / "emulator.pid"
_EMULATOR_LOG = _config.KIT_HOME / "emulator.log"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    up = subparsers.add_parser("up", help="start a cluster and the emulator")
    up.add_argument("--mode", choices=("offline", "aws"))
    up.add_argument(
        "--no-docker", action="store_true", help="use the local node even with Docker"
    )
    up.set_defaults(run=_up)
    down = subparsers.add_parser("down", help="stop what `up` started")
    down.set_defaults(run=_down)


def _up(args: argparse.Namespace) -> int:
    url = _start_cluster(use_docker=not args.no_docker)
    print(f"OpenSearch  {url}")
    if kit_mode(args.mode) == "offline":
        print(f"Bedrock     {_start_emulator()}  (the kit's emulator)")
    else:
        print("Bedrock     AWS (KIT_MODE=aws): credentials from your AWS profile")
    return 0


def _down(args: argparse.Namespace) -> int:
    print("emulator stopped" if _stop_emulator() else "no emulator was running")
    if os.environ.get("OPENSEARCH_URL"):
        print("OPENSEARCH_URL is set: that cluster is left running")
    elif _docker_runs() and _compose_running():
        subprocess.run(["docker", "compose", "stop"], check=False)
    else:
        stopped = LocalNode().stop()
        print("node stopped" if stopped else "no node was running")
    return 0


def _start_cluster(*, use_docker: bool) -> str:
    if os.environ.get("OPENSEARCH_URL"):
        url = os.environ["OPENSEARCH_URL"]
        wait_until_ready(connect(url), timeout=180)
        return url
    if use_docker and _docker_runs():
        done = subprocess.run(["docker", "compose", "up", "-d"], check=False)
        if done.returncode != 0:
            raise KitError(
                "`docker compose up -d` failed (its output is above)",
                "fix what Docker reports, or run `python -m helpers up --no-docker`",
            )
        url = "http://127.0.0.1:9200"
        wait_until_ready(connect(url), timeout=300)
        return url
    return LocalNode().start().url


def _docker_runs() -> bool:
    if shutil.which("docker") is None:
        return False
    done = subprocess.run(["docker", "info"], capture_output=True, check=False)
    return done.returncode == 0


def _compose_running() -> bool:
    done = subprocess.run(
        ["docker", "compose", "ps", "-q"], capture_output=True, text=True, check=False
    )
    return bool(done.stdout.strip())


def _start_emulator() -> str:
    url = _config.emulator_url()
    if _healthy(url):
        return url
    port = url.rsplit(":", 1)[-1].strip("/")
    _config.KIT_HOME.mkdir(parents=True, exist_ok=True)
    with open(_EMULATOR_LOG, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "helpers", "-v", "emulator", "--port", port],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _EMULATOR_PID.write_text(f"{process.pid}\n")

    def probe() -> Poll[None]:
        if process.poll() is not None:
            raise KitError(
                f"the emulator exited at start (exit {process.returncode}); "
                f"see {_EMULATOR_LOG}",
                f"free port {port}, or set BEDROCK_ENDPOINT to another local URL",
            )
        return Poll(_healthy(url), "starting")

    wait_for(probe, what=f"the Bedrock emulator at {url}", timeout=30)
    return url


def _stop_emulator() -> bool:
    try:
        pid = int(_EMULATOR_PID.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    _EMULATOR_PID.unlink(missing_ok=True)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False
