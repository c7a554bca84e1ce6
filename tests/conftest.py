"""Shared fixtures: the real OpenSearch node every integration test runs against.

With ``OPENSEARCH_URL`` set the tests use that cluster; otherwise they start the
kit's local node (``OPENSEARCH_VERSION`` picks the version) and stop it at the
end of the session only if they started it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from kit_support import KIT_ENVIRONMENT, distrust
from opensearchpy import OpenSearch

from helpers._connection import connect, wait_until_ready
from helpers._settings import apply_tutorial_settings
from helpers.emulator import EmulatorConfig, EmulatorServer
from helpers.node import LocalNode


@pytest.fixture(scope="session")
def opensearch_url() -> Iterator[str]:
    if os.environ.get("OPENSEARCH_URL"):
        url = os.environ["OPENSEARCH_URL"]
        wait_until_ready(connect(url), timeout=180, progress=False)
        yield url
        return
    node = LocalNode()
    already_running = node.status().running
    node.start(timeout=300, progress=False)
    os.environ["OPENSEARCH_URL"] = node.url
    try:
        yield node.url
    finally:
        del os.environ["OPENSEARCH_URL"]
        if not already_running:
            node.stop()


@pytest.fixture(scope="session")
def client(opensearch_url: str) -> OpenSearch:
    return connect(opensearch_url)


@pytest.fixture(scope="session")
def node_version(client: OpenSearch) -> str:
    return str(client.info()["version"]["number"])


@pytest.fixture(scope="session")
def emulator(client: OpenSearch) -> Iterator[EmulatorServer]:
    """One Bedrock emulator for the session, trusted by the node while it lasts.

    Its settings are explicit, so BEDROCK_EMULATOR_* in the caller's
    environment cannot change which keys it accepts.
    """
    with (
        pytest.MonkeyPatch.context() as env,
        EmulatorServer(port=0, config=EmulatorConfig()) as server,
    ):
        for name in KIT_ENVIRONMENT:
            env.delenv(name, raising=False)
        env.setenv("BEDROCK_ENDPOINT", server.url)
        env.setenv("KIT_MODE", "offline")
        env.setenv("KIT_PROGRESS", "0")
        apply_tutorial_settings(client, trusted_endpoint=server.url)
        try:
            yield server
        finally:
            distrust(client, server.url)
