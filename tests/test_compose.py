"""docker-compose.yml is checked without Docker: pins, version, loopback ports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers._config import DEFAULT_OPENSEARCH_VERSION, EMULATOR_DEFAULT_PORT

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_every_image_is_pinned_to_an_exact_tag(services: dict[str, Any]) -> None:
    for name, service in services.items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and tag and tag != "latest", f"{name}: {image}"
        assert tag[0].isdigit(), f"{name}: {image} is not an exact version"


def test_opensearch_and_dashboards_match_the_local_node(
    services: dict[str, Any],
) -> None:
    assert services["opensearch"]["image"] == (
        f"opensearchproject/opensearch:{DEFAULT_OPENSEARCH_VERSION}"
    )
    assert services["opensearch-dashboards"]["image"] == (
        f"opensearchproject/opensearch-dashboards:{DEFAULT_OPENSEARCH_VERSION}"
    )


def test_every_published_port_is_on_loopback_only(services: dict[str, Any]) -> None:
    published = [port for s in services.values() for port in s.get("ports", [])]
    assert published
    for port in published:
        assert str(port).startswith("127.0.0.1:"), port


def test_the_emulator_is_published_on_its_default_port(
    services: dict[str, Any],
) -> None:
    ports = services["opensearch"]["ports"]
    assert f"127.0.0.1:{EMULATOR_DEFAULT_PORT}:{EMULATOR_DEFAULT_PORT}" in ports
    assert services["bedrock-emulator"]["network_mode"] == "service:opensearch"


def test_the_node_is_single_with_security_off_and_a_small_heap(
    services: dict[str, Any],
) -> None:
    env = dict(item.split("=", 1) for item in services["opensearch"]["environment"])
    assert env["discovery.type"] == "single-node"
    assert env["DISABLE_SECURITY_PLUGIN"] == "true"
    heap = env["OPENSEARCH_JAVA_OPTS"].split()
    assert "-Xmx1g" in heap


def test_dashboards_wait_for_a_healthy_node(services: dict[str, Any]) -> None:
    assert "healthcheck" in services["opensearch"]
    depends = services["opensearch-dashboards"]["depends_on"]
    assert depends["opensearch"]["condition"] == "service_healthy"
    for name, service in services.items():
        assert "healthcheck" in service, name
