"""docker-compose.yml's ``room`` profile, checked without Docker.

It has the topology of ``python -m helpers node start --nodes 3``.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from helpers._config import DEFAULT_OPENSEARCH_VERSION

from ._support import ROOT

ROOM_NODES = ("room-1", "room-2", "room-ml")


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    return dict(item.split("=", 1) for item in service["environment"])


def test_the_room_is_a_profile_the_learners_services_are_not(
    services: dict[str, Any],
) -> None:
    room = {name for name, service in services.items() if "profiles" in service}

    assert room == {*ROOM_NODES, "room-emulator"}
    assert all(services[name]["profiles"] == ["room"] for name in room)


def test_two_data_nodes_bootstrap_and_one_node_has_only_the_ml_role(
    services: dict[str, Any],
) -> None:
    envs = {name: _env(services[name]) for name in ROOM_NODES}

    assert [env["node.roles"] for env in envs.values()] == [
        "cluster_manager,data,ingest",
        "cluster_manager,data,ingest",
        "ml",
    ]
    assert {env["cluster.initial_cluster_manager_nodes"] for env in envs.values()} == {
        "kit-room-1,kit-room-2"
    }
    names = [env["node.name"] for env in envs.values()]
    assert names == ["kit-room-1", "kit-room-2", "kit-room-ml"]


def test_each_node_has_its_own_ports_and_lists_every_transport_port(
    services: dict[str, Any],
) -> None:
    envs = [_env(services[name]) for name in ROOM_NODES]
    transport = [env["transport.port"] for env in envs]

    assert [env["http.port"] for env in envs] == ["9210", "9211", "9212"]
    assert transport == ["9310", "9311", "9312"]
    seeds = ",".join(f"127.0.0.1:{port}" for port in transport)
    assert all(env["discovery.seed_hosts"] == seeds for env in envs)
    assert all(env["transport.host"] == "127.0.0.1" for env in envs)
    assert all("discovery.type" not in env for env in envs)


def test_every_room_node_is_the_kits_version_with_a_512m_heap(
    services: dict[str, Any],
) -> None:
    for name in ROOM_NODES:
        service = services[name]
        env = _env(service)
        image = f"opensearchproject/opensearch:{DEFAULT_OPENSEARCH_VERSION}"
        assert service["image"] == image, name
        assert env["OPENSEARCH_JAVA_OPTS"] == "-Xms512m -Xmx512m", name
        assert env["DISABLE_SECURITY_PLUGIN"] == "true", name


def test_the_room_shares_one_loopback_published_on_127_0_0_1_only(
    services: dict[str, Any],
) -> None:
    for name in ("room-2", "room-ml", "room-emulator"):
        assert services[name]["network_mode"] == "service:room-1", name
    ports = services["room-1"]["ports"]

    assert ports == [
        "127.0.0.1:9210:9210",
        "127.0.0.1:9211:9211",
        "127.0.0.1:9212:9212",
        "127.0.0.1:8758:8758",
    ]
    assert "--port 8758" in services["room-emulator"]["command"][-1]


def test_the_room_leaves_only_run_on_ml_node_at_its_default(
    services: dict[str, Any],
) -> None:
    for name in ROOM_NODES:
        assert not any(
            "only_run_on_ml_node" in item for item in services[name]["environment"]
        )
