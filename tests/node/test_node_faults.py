"""Every way starting the node can go wrong ends in one message with a fix."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit_support import kit

from helpers import NodeError
from helpers.node import LocalNode
from helpers.node._artifacts import Artifact, Resolver
from helpers.node._local import find_java_home


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_missing_java_names_the_cause_and_the_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("OPENSEARCH_JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(NodeError, match="no Java runtime was found") as caught:
        find_java_home()
    assert "Java 17" in str(caught.value.fix)


def test_a_java_home_without_java_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk"))

    with pytest.raises(NodeError, match="cannot be run") as caught:
        find_java_home()
    assert "JAVA_HOME" in str(caught.value.fix)


def test_java_8_is_too_old(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = tmp_path / "jdk8" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho '    java.specification.version = 1.8' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "jdk8"))

    with pytest.raises(NodeError, match="version 8; OpenSearch 2.x needs 11"):
        find_java_home()


def test_the_installed_java_is_accepted() -> None:
    assert (find_java_home() / "bin" / "java").exists()


def test_missing_mvn_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    artifact = Artifact("org.opensearch.plugin", "opensearch-ml-plugin", "2.19.6.0")

    with pytest.raises(NodeError, match=r"Maven \(mvn\) is not on PATH") as caught:
        Resolver(tmp_path / "m2").fetch(artifact)
    assert "apt-get install maven" in str(caught.value.fix)


@pytest.mark.skipif(shutil.which("mvn") is None, reason="needs mvn on PATH")
def test_an_artifact_that_does_not_resolve_is_named(tmp_path: Path) -> None:
    missing = Artifact(
        "org.opensearch.plugin", "opensearch-ml-plugin", "2.11.1.0", "zip"
    )
    m2 = Path(os.environ.get("HOME", "~")).expanduser() / ".m2" / "repository"
    resolver = Resolver(tmp_path / "m2")
    # Reuse the machine's plugin cache for Maven's own plugin, not the artifact.
    if m2.is_dir():
        shutil.copytree(m2 / "org" / "apache", tmp_path / "m2" / "org" / "apache")

    with pytest.raises(NodeError, match="2.11.1.0:zip does not resolve") as caught:
        resolver.fetch(missing)
    # Maven's own reason follows, naming the artifact again.
    assert str(caught.value).count("opensearch-ml-plugin") == 2
    assert "OPENSEARCH_VERSION" in str(caught.value.fix)


def test_a_taken_port_is_refused_before_anything_starts(listening_port: int) -> None:
    node = LocalNode(port=listening_port, instance="port-test")

    with pytest.raises(
        NodeError, match=f"port {listening_port} .* already taken"
    ) as caught:
        node.start(timeout=30, progress=False)
    assert "KIT_NODE_PORT" in str(caught.value.fix)


def test_too_little_disk_is_refused(
    monkeypatch: pytest.MonkeyPatch, free_port: int
) -> None:
    usage = shutil.disk_usage("/")
    monkeypatch.setattr(
        shutil, "disk_usage", lambda _: usage._replace(free=100 * 1024**2)
    )
    node = LocalNode(port=free_port, instance="disk-test")

    with pytest.raises(NodeError, match="only 100 MiB are free") as caught:
        node.start(timeout=30, progress=False)
    assert "KIT_HOME" in str(caught.value.fix)


@pytest.mark.node
def test_a_node_that_dies_while_starting_shows_its_log(
    opensearch_url: str, free_port: int
) -> None:
    node = LocalNode(
        port=free_port,
        instance="broken-test",
        extra_settings={"kit.no.such.setting": "1"},
    )

    with pytest.raises(NodeError, match="exited while starting") as caught:
        node.start(timeout=120, progress=False)
    assert "unknown setting [kit.no.such.setting]" in str(caught.value)
    assert not node.status().running


@pytest.mark.node
def test_starting_twice_reuses_the_running_node(opensearch_url: str) -> None:
    if "OPENSEARCH_URL" in os.environ and not LocalNode().status().running:
        pytest.skip("the cluster under test is not the kit's local node")
    node = LocalNode()
    before = node.status()

    again = node.start(timeout=60, progress=False)

    assert again.pid == before.pid
    assert again.running


def test_stopping_when_nothing_runs_says_so(tmp_path: Path) -> None:
    done = _cli("node", "stop", env={"KIT_HOME": str(tmp_path)})

    assert done.returncode == 0
    assert done.stdout.strip() == "no node was running"


@pytest.mark.node
def test_status_prints_the_url_and_version(
    opensearch_url: str, node_version: str
) -> None:
    done = _cli("node", "status")

    assert done.returncode == 0
    assert f"OpenSearch {node_version} at {opensearch_url}" in done.stdout


def _cli(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, "KIT_PROGRESS": "0", **(env or {})}
    if env and "KIT_HOME" in env:
        merged.pop("OPENSEARCH_URL", None)
    return kit(merged, *args)
