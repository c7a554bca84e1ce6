"""Nothing the kit starts listens beyond this machine.

The kit's node, the Bedrock emulator (whose admin API has no authentication)
and JupyterLab (which runs code) must bind loopback addresses only. The test
reads the kernel's own table of listening TCP sockets (``/proc/net/tcp`` and
``tcp6``) while each runs, started the way the kit starts it. The compose
file's published ports are checked in ``tests/test_compose.py``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opensearchpy import OpenSearch

from helpers._wait import Poll, wait_for

REPO_ROOT = Path(__file__).resolve().parents[2]
_LISTEN = "0A"


@dataclass(frozen=True)
class Listener:
    address: ipaddress.IPv4Address | ipaddress.IPv6Address
    port: int
    inode: int

    @property
    def loopback(self) -> bool:
        address = self.address
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        return address.is_loopback

    def __str__(self) -> str:
        return f"{self.address}:{self.port}"


def listeners() -> list[Listener]:
    """Every listening TCP socket on the machine, IPv4 and IPv6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        lines = Path(table).read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            if fields[3] != _LISTEN:
                continue
            address, port = fields[1].split(":")
            found.append(Listener(_address(address), int(port, 16), int(fields[9])))
    return found


def _address(hex_address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    # The kernel prints each 32-bit word of the address in host byte order.
    raw = bytes.fromhex(hex_address)
    words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]
    packed = b"".join(words) if sys.byteorder == "little" else raw
    return ipaddress.ip_address(packed)


def listeners_on(ports: set[int]) -> list[Listener]:
    return [found for found in listeners() if found.port in ports]


def listeners_of(pid: int) -> list[Listener]:
    """The listening sockets process ``pid`` and its children hold."""
    inodes: set[int] = set()
    for process in [pid, *_children(pid)]:
        for fd in Path(f"/proc/{process}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except FileNotFoundError:
                continue  # closed while we looked
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return [found for found in listeners() if found.inode in inodes]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in map(int, children):
            found += [child, *_children(child)]
    return found


def test_the_checker_sees_a_socket_open_to_every_address() -> None:
    with socket.socket() as wide:
        wide.bind(("0.0.0.0", 0))
        wide.listen()
        port = wide.getsockname()[1]

        seen = listeners_on({port})

    assert [str(found) for found in seen] == [f"0.0.0.0:{port}"]
    assert not seen[0].loopback


def test_the_checker_sees_a_loopback_socket_as_loopback() -> None:
    with socket.socket(socket.AF_INET6) as narrow:
        try:
            narrow.bind(("::1", 0))
        except OSError as error:
            pytest.skip(f"this machine has no IPv6 loopback: {error}")
        narrow.listen()
        port = narrow.getsockname()[1]

        seen = listeners_of(os.getpid())

    assert [str(found) for found in seen if found.port == port] == [f"::1:{port}"]
    assert all(found.loopback for found in seen if found.port == port)


@pytest.mark.node
def test_the_node_listens_on_loopback_only(client: OpenSearch) -> None:
    reply = client.nodes.info(
        node_id="_local",
        metric="http,transport",
        filter_path="nodes.*.http.bound_address,nodes.*.transport.bound_address",
    )
    (node,) = reply["nodes"].values()
    bound = node["http"]["bound_address"] + node["transport"]["bound_address"]
    ports = {int(address.rsplit(":", 1)[1]) for address in bound}

    seen = listeners_on(ports)

    assert len(ports) == 2
    assert {found.port for found in seen} == ports
    assert [str(found) for found in seen if not found.loopback] == []


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``python -m helpers emulator --port 0``, as a learner starts it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "emulator.log").open("w"),
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert process.stdout is not None
        yield process, process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)


def test_the_emulator_listens_on_loopback_only(
    emulator_process: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = emulator_process

    seen = listeners_of(process.pid)

    assert url.startswith("http://127.0.0.1:")
    assert [found.port for found in seen] == [int(url.rsplit(":", 1)[1])]
    assert [str(found) for found in seen if not found.loopback] == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def jupyterlab(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """JupyterLab as ``make tutorial`` starts it, on a free port, with a token."""
    port, token = free_port(), secrets.token_hex(16)
    command = [
        str(Path(sys.executable).with_name("jupyter")),
        "lab", "--ip", "127.0.0.1", "--no-browser", "--port", str(port),
        f"--IdentityProvider.token={token}", "notebooks",
    ]  # fmt: skip
    if os.geteuid() == 0:
        command.append("--allow-root")  # Jupyter refuses root without it
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = (tmp_path / "jupyterlab.log").open("wb")
    process = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env
    )
    try:
        _wait_until_serving(process, port, token, tmp_path / "jupyterlab.log")
        yield process, port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


def _wait_until_serving(
    process: subprocess.Popen[bytes], port: int, token: str, log: Path
) -> None:
    url = f"http://127.0.0.1:{port}/api/status?token={token}"

    def probe() -> Poll[None]:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited:\n{log.read_text()[-2000:]}")
        with urllib.request.urlopen(url, timeout=2):
            return Poll(True, "serving")

    wait_for(
        probe,
        what=f"JupyterLab on port {port}",
        timeout=60,
        retry_on=(urllib.error.URLError, ConnectionError),
        progress=False,
    )


def test_jupyterlab_listens_on_loopback_only(
    jupyterlab: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = jupyterlab

    seen = listeners_of(process.pid)

    assert port in {found.port for found in seen}
    assert [str(found) for found in seen if not found.loopback] == []
