"""One Bedrock emulator for the session, and kit names that clean up after themselves.

The emulator listens on a free port and ``BEDROCK_ENDPOINT`` points the kit at it,
so :func:`helpers._kit.bedrock_endpoint` (offline mode) gives its URL. Its
trusted-endpoint pattern is added to the cluster's list for the session and taken
out again at the end; patterns other runs added stay, because the cluster is
shared.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opensearchpy import OpenSearch

from helpers._flow import cleanup
from helpers._kit import KitNames
from helpers._mlcommons import MLCommons
from helpers.emulator import EmulatorServer

from ._support import trust, unique_names


@pytest.fixture(autouse=True)
def _trusted_and_without_faults(
    client: OpenSearch, emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    # Another suite's session fixture (the notebooks') may point the kit at its
    # own emulator for the rest of the session; these tests use this one.
    monkeypatch.setenv("BEDROCK_ENDPOINT", emulator.url)
    # Another run on the shared cluster may have rewritten the trusted list
    # from a copy read before this session added its pattern.
    trust(client, emulator.url)
    yield
    emulator.backend.faults.remove()


@pytest.fixture
def ml(client: OpenSearch) -> MLCommons:
    return MLCommons(client)


@pytest.fixture
def names(client: OpenSearch, emulator: EmulatorServer) -> Iterator[KitNames]:
    """A fresh prefix; whatever the test made under it is removed afterwards."""
    made = unique_names()
    yield made
    cleanup(client, made)


@pytest.fixture
def fault(emulator: EmulatorServer) -> Callable[..., dict[str, Any]]:
    """Install a fault rule through the emulator's admin API."""

    def put(**rule: Any) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{emulator.url}/_emulator/faults",
            data=json.dumps(rule).encode(),
            method="PUT",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as reply:
            answer: dict[str, Any] = json.load(reply)
        return answer

    return put


@pytest.fixture
def cluster_setting(client: OpenSearch) -> Iterator[Callable[[str, object], None]]:
    """Change persistent settings for one test; each gets its old value back."""
    previous: dict[str, object] = {}

    def change(name: str, value: object) -> None:
        if name not in previous:
            current = client.cluster.get_settings(flat_settings=True)["persistent"]
            previous[name] = current.get(name)
        client.cluster.put_settings(body={"persistent": {name: value}})

    yield change
    if previous:
        client.cluster.put_settings(body={"persistent": previous})
