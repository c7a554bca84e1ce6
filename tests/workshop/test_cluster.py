"""The room's three-node cluster: a dedicated ML node, and ML Commons' default kept.

Starts :class:`helpers.node.LocalCluster` on free loopback ports (about 40 s
with the node already assembled), runs every notebook on it while it is fresh,
then one attendee's flow, and stops it.
"""

from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from kit_support import delete_kit_resources, new_run, run_notebooks
from opensearchpy import OpenSearch

from helpers._connection import connect
from helpers._doctor import _ml_node
from helpers._flow import cleanup, deploy, inventory
from helpers._kit import kit_names
from helpers._settings import ONLY_RUN_ON_ML_NODE, apply_tutorial_settings, ml_nodes
from helpers.emulator import EmulatorServer
from helpers.node import LocalCluster

from ._support import attendee, distrust, trust

pytestmark = [pytest.mark.node, pytest.mark.local_cluster]


def _free_run(length: int, start: int) -> int:
    """The first port from ``start`` on with ``length`` free ports in a row."""
    for first in range(start, start + 200):
        if all(_free(port) for port in range(first, first + length)):
            return first
    raise RuntimeError(f"no {length} free ports in a row from {start}")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="module")
def room_cluster() -> Iterator[LocalCluster]:
    cluster = LocalCluster(
        port=_free_run(3, 9220),
        transport_port=_free_run(3, 9320),
        heap="512m",
        instance="room-test",
    )
    try:
        cluster.start(timeout=300, progress=False)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def room_client(room_cluster: LocalCluster) -> OpenSearch:
    return connect(room_cluster.url)


def test_the_cluster_has_two_data_nodes_and_one_ml_node(
    room_cluster: LocalCluster, room_client: OpenSearch
) -> None:
    nodes = room_client.cat.nodes(format="json", h="name,node.roles,heap.max")
    roles = {node["name"]: node["node.roles"] for node in nodes}

    assert roles == {
        "kit-room-1": "cluster_manager,data,ingest",
        "kit-room-2": "cluster_manager,data,ingest",
        "kit-room-ml": "ml",
    }
    assert {node["heap.max"] for node in nodes} == {"512mb"}
    assert ml_nodes(room_client) == ["kit-room-ml"]
    assert room_client.cluster.health()["status"] == "green"


def test_every_notebook_runs_in_order_on_the_fresh_cluster(
    room_cluster: LocalCluster,
    room_client: OpenSearch,
    emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A cluster that has just started is where ML Commons stumbles: a node
    # can time out fetching its master key while a connector is made or a
    # model deployed. The kernels inherit this environment.
    monkeypatch.setenv("BEDROCK_ENDPOINT", emulator.url)
    monkeypatch.setenv("KIT_PROGRESS", "0")
    monkeypatch.setenv("KIT_HEADLESS", "1")
    artifacts = Path(
        os.environ.get("KIT_ARTIFACTS") or Path(tempfile.gettempdir(), "kit-artifacts"),
        "room-notebooks",
    )
    run = new_run("room", artifacts, room_cluster.url, emulator.url)
    try:
        run_notebooks(run, cell_timeout=300)
    finally:
        delete_kit_resources(room_client, run.prefix)
        distrust(room_client, emulator.url)

    setup = nbformat.read(run.artifacts / "00-setup.ipynb", as_version=4)
    printed = "".join(
        output.get("text", "")
        for cell in setup.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "ML node(s): kit-room-ml." in printed
    assert "only_run_on_ml_node keeps its value" in printed
    for names in (kit_names(run.prefix), kit_names(f"{run.prefix}-cli")):
        assert inventory(room_client, names).empty


def test_the_tutorial_settings_keep_only_run_on_ml_node_and_a_model_answers(
    room_client: OpenSearch, emulator: EmulatorServer
) -> None:
    names = kit_names(attendee=attendee("room"))
    trust(room_client, emulator.url)
    try:
        apply_tutorial_settings(room_client, trusted_endpoint=emulator.url)
        done = deploy(room_client, names)

        settings = room_client.cluster.get_settings(
            include_defaults=True, flat_settings=True
        )
        assert ONLY_RUN_ON_ML_NODE not in settings["persistent"]
        assert settings["defaults"][ONLY_RUN_ON_ML_NODE] == "true"
        assert _ml_node(room_client, settings).detail == "ML node(s): kit-room-ml"
        assert done.model.state == "DEPLOYED"
        assert done.answer is not None and done.answer.text
    finally:
        cleanup(room_client, names)
        distrust(room_client, emulator.url)
    assert inventory(room_client, names).empty
