"""Starting, stopping and inspecting the kit's local node."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from .. import _config
from .._connection import connect, opensearch_url, readiness
from .._errors import NodeError, WaitTimeout
from .._wait import Poll, wait_for
from ._artifacts import Resolver
from ._assemble import assemble

__all__ = ["LocalNode", "NodeStatus"]

logger = logging.getLogger(__name__)

# OpenSearch refuses to run as root; as root the kit runs it as this user.
SERVICE_USER = "opensearch-kit"

_MIN_JAVA = 11
_FREE_DISK_TO_ASSEMBLE = 2 * 1024**3
_FREE_DISK_TO_RUN = 512 * 1024**2


@dataclass(frozen=True)
class NodeStatus:
    """What ``node status`` reports."""

    running: bool
    url: str
    version: str | None = None
    pid: int | None = None
    managed: bool = True

    def describe(self) -> str:
        if not self.running:
            return f"no node is running at {self.url}"
        owner = f"local node, pid {self.pid}" if self.managed else "OPENSEARCH_URL"
        return f"OpenSearch {self.version} at {self.url} ({owner})"


class LocalNode:
    """One single-node cluster on 127.0.0.1, kept under ``.kit/nodes/VERSION``.

    ``extra_settings`` replace the node's own settings or add to them; ``None``
    leaves one out, as a member of a larger cluster leaves out
    ``discovery.type`` (see :class:`~helpers.node.LocalCluster`).
    """

    def __init__(
        self,
        version: str | None = None,
        *,
        port: int | None = None,
        kit_home: Path | None = None,
        heap: str = "1g",
        instance: str | None = None,
        extra_settings: dict[str, str | None] | None = None,
    ) -> None:
        self.version = version or _config.opensearch_version()
        self.port = port or int(os.environ.get("KIT_NODE_PORT", "9200"))
        self.kit_home = kit_home or _config.KIT_HOME
        self.heap = heap
        self.extra_settings = dict(extra_settings or {})
        # Instances share one assembled home and keep data, logs and pid apart.
        self.home = self.kit_home / "homes" / self.version
        name = self.version if instance is None else f"{self.version}-{instance}"
        self.root = self.kit_home / "nodes" / name
        self.pid_file = self.root / "node.pid"
        self.console_log = self.root / "logs" / "console.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self) -> NodeStatus:
        pid = self._live_pid()
        if pid is None:
            return NodeStatus(False, self.url)
        return NodeStatus(True, self.url, self._server_version(), pid)

    def start(
        self, *, timeout: float = 240, progress: bool | None = None
    ) -> NodeStatus:
        """Start the node, or reuse it when it already runs, and wait until ready."""
        pid = self._live_pid()
        if pid is None:
            java_home = find_java_home()
            self._check_disk()
            self._check_port_free()
            resolver = Resolver(self.kit_home / "m2", report=logger.info)
            assemble(self.version, self.home, resolver, java_home)
            pid = self._launch(java_home)
        else:
            logger.info("reusing the node already running (pid %s)", pid)
        self._wait_ready(pid, timeout, progress)
        return NodeStatus(True, self.url, self._server_version(), pid)

    def stop(self, *, timeout: float = 60) -> bool:
        """Stop the node; ``False`` when none was running."""
        pid = self._live_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        try:
            wait_for(
                lambda: Poll(not _alive(pid), "shutting down"),
                what=f"node pid {pid} to stop",
                timeout=timeout,
                progress=False,
            )
        except WaitTimeout:
            logger.warning("node pid %s ignored SIGTERM; killing it", pid)
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    # -- steps of start -------------------------------------------------------

    def _check_disk(self) -> None:
        self.kit_home.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(self.kit_home).free
        needed = _FREE_DISK_TO_RUN
        if not (self.home / ".kit-assembled").is_file():
            needed += _FREE_DISK_TO_ASSEMBLE
        if free < needed:
            raise NodeError(
                f"only {free / 1024**2:.0f} MiB are free under {self.kit_home}; "
                f"the node needs {needed / 1024**2:.0f} MiB",
                "free some disk space, or set KIT_HOME to a folder on a larger disk",
            )

    def _check_port_free(self) -> None:
        with socket.socket() as probe:
            probe.settimeout(1)
            taken = probe.connect_ex(("127.0.0.1", self.port)) == 0
        if taken:
            raise NodeError(
                f"port {self.port} on 127.0.0.1 is already taken by another process",
                "stop that process; or, if it is an OpenSearch cluster you want to "
                f"use, set OPENSEARCH_URL=http://127.0.0.1:{self.port}; or run the "
                "kit's node on another port with KIT_NODE_PORT",
            )

    def _launch(self, java_home: Path) -> int:
        data, logs = self.root / "data", self.root / "logs"
        for folder in (data, logs):
            folder.mkdir(parents=True, exist_ok=True)
        settings: dict[str, str | None] = {
            "cluster.name": "opensearch-kit",
            "node.name": "kit-node",
            "network.host": "127.0.0.1",
            "discovery.type": "single-node",
            "http.port": str(self.port),
            "transport.port": "9300-9399",
            "path.data": str(data),
            "path.logs": str(logs),
            # OpenSearch refuses a setting given twice: extra ones replace these.
            **self.extra_settings,
        }
        command = [str(self.home / "bin" / "opensearch")]
        for key, value in settings.items():
            if value is not None:
                command += ["-E", f"{key}={value}"]
        env = {
            **os.environ,
            "OPENSEARCH_JAVA_HOME": str(java_home),
            "OPENSEARCH_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
        }
        as_user: dict[str, Any] = {}
        if os.geteuid() == 0:
            as_user = _run_as_service_user(self.home, self.root)
        with open(self.console_log, "ab") as console:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.home,
                start_new_session=True,
                **as_user,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        logger.info("started OpenSearch %s, pid %s", self.version, process.pid)
        return int(process.pid)

    def _wait_ready(self, pid: int, timeout: float, progress: bool | None) -> None:
        client = connect(self.url, timeout=5)

        def probe() -> Poll[dict[str, object]]:
            if not _alive(pid):
                self.pid_file.unlink(missing_ok=True)
                raise NodeError(
                    f"the node (pid {pid}) exited while starting; the end of its "
                    f"log ({self.console_log}):\n{self._log_tail()}",
                    "fix what the log names; `python -m helpers node start` again",
                )
            return readiness(client)

        wait_for(
            probe,
            what=f"OpenSearch {self.version} at {self.url}",
            timeout=timeout,
            fix=f"read {self.console_log}; stop it with `python -m helpers node stop`",
            retry_on=(OSConnectionError, TransportError),
            progress=progress,
        )

    # -- inspection ------------------------------------------------------------

    def _live_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if _alive(pid) and _is_opensearch(pid) else None

    def _server_version(self) -> str | None:
        try:
            return str(connect(self.url, timeout=5).info()["version"]["number"])
        except (OSConnectionError, TransportError):
            return None

    def _log_tail(self, lines: int = 25) -> str:
        try:
            text = self.console_log.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log was written)"
        return "\n".join(text.splitlines()[-lines:])


def remote_status() -> NodeStatus:
    """The status of the cluster ``OPENSEARCH_URL`` names."""
    url = opensearch_url()
    try:
        info = connect(url, timeout=5).info()
    except (OSConnectionError, TransportError):
        return NodeStatus(False, url, managed=False)
    return NodeStatus(True, url, str(info["version"]["number"]), managed=False)


def find_java_home() -> Path:
    """A Java runtime for OpenSearch 2.x: OPENSEARCH_JAVA_HOME, JAVA_HOME or PATH."""
    for variable in ("OPENSEARCH_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(variable):
            home = Path(os.environ[variable])
            break
    else:
        java = shutil.which("java")
        if java is None:
            raise NodeError(
                "no Java runtime was found (java is not on PATH, JAVA_HOME is unset)",
                "install Java 17 (Debian: apt-get install openjdk-17-jre-headless) "
                "or set JAVA_HOME",
            )
        home = Path(java).resolve().parent.parent
    major = _java_major(home / "bin" / "java")
    if major < _MIN_JAVA:
        raise NodeError(
            f"the Java runtime at {home} is version {major}; OpenSearch 2.x needs "
            f"{_MIN_JAVA} or later",
            "install Java 17 and point JAVA_HOME at it",
        )
    return home


def _java_major(java: Path) -> int:
    try:
        done = subprocess.run(
            [str(java), "-XshowSettings:properties", "-version"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (FileNotFoundError, PermissionError) as error:
        raise NodeError(
            f"{java} cannot be run ({error})", "set JAVA_HOME to a Java 17 runtime"
        ) from error
    match = re.search(r"java\.specification\.version = (\d+)(?:\.(\d+))?", done.stderr)
    if match is None:
        raise NodeError(
            f"{java} did not report its version", "set JAVA_HOME to a Java 17 runtime"
        )
    major = int(match.group(1))
    # Java 8 and older call themselves 1.x.
    return int(match.group(2) or 0) if major == 1 else major


def _run_as_service_user(*folders: Path) -> dict[str, Any]:
    """Popen arguments to run as SERVICE_USER (created if missing).

    The user is given the node's folders: the distribution keeps its config
    private (mode 0750) and the node writes its keystore there.
    """
    import pwd

    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell",
             "/usr/sbin/nologin", SERVICE_USER],
            check=True,
            capture_output=True,
        )  # fmt: skip
        entry = pwd.getpwnam(SERVICE_USER)
    for folder in folders:
        _check_reachable(folder)
        for path in [folder, *folder.rglob("*")]:
            os.lchown(path, entry.pw_uid, entry.pw_gid)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _check_reachable(folder: Path) -> None:
    for parent in folder.resolve().parents:
        if not parent.stat().st_mode & 0o001:
            raise NodeError(
                f"the node runs as the user {SERVICE_USER}, which cannot reach "
                f"{folder}: {parent} is closed to other users",
                f"run `chmod o+x {parent}`, or set KIT_HOME to a folder that other "
                "users can enter",
            )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of this process still answers signal 0.
    try:
        waited, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return waited == 0


def _is_opensearch(pid: int) -> bool:
    done = subprocess.run(
        ["ps", "-ww", "-o", "command=", "-p", str(pid)],
        capture_output=True,
        text=True,
        check=False,
    )
    return "org.opensearch.bootstrap.OpenSearch" in done.stdout
