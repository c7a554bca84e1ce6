"""Helpers the integration tests share: names, trusted endpoints, CLI environment."""

from __future__ import annotations

import uuid

from kit_support import KIT_ENVIRONMENT, distrust, kit_environment, trust

from helpers._kit import KitNames
from helpers.emulator import EmulatorServer

__all__ = [
    "KIT_ENVIRONMENT",
    "distrust",
    "subprocess_environment",
    "trust",
    "unique_names",
]


def unique_names() -> KitNames:
    """Names no other test, run or engineer on the shared cluster uses."""
    return KitNames(f"it-{uuid.uuid4().hex[:8]}")


def subprocess_environment(
    opensearch_url: str, emulator: EmulatorServer
) -> dict[str, str]:
    """The environment the CLI runs in: the session's cluster and emulator."""
    return kit_environment(opensearch_url, emulator.url)
