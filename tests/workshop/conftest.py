"""One Bedrock emulator for the workshop tests, trusted by the shared node."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from helpers.emulator import EmulatorConfig, EmulatorServer

from ._support import KIT_ENVIRONMENT, distrust, trust


@pytest.fixture(scope="session")
def emulator(client: OpenSearch) -> Iterator[EmulatorServer]:
    with (
        pytest.MonkeyPatch.context() as env,
        EmulatorServer(port=0, config=EmulatorConfig()) as server,
    ):
        for name in KIT_ENVIRONMENT:
            env.delenv(name, raising=False)
        env.setenv("BEDROCK_ENDPOINT", server.url)
        env.setenv("KIT_MODE", "offline")
        env.setenv("KIT_PROGRESS", "0")
        trust(client, server.url)
        try:
            yield server
        finally:
            distrust(client, server.url)


@pytest.fixture(autouse=True)
def _no_attendee_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATTENDEE", raising=False)
    monkeypatch.delenv("KIT_PREFIX", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "local_cluster: starts the kit's three-node cluster (Java, about a minute)",
    )
