"""What the workshop tests share: fresh attendee ids and the CLI in a subprocess."""

from __future__ import annotations

import uuid

from kit_support import KIT_ENVIRONMENT, distrust, kit, kit_environment, trust
from kit_support import REPO_ROOT as ROOT

__all__ = [
    "KIT_ENVIRONMENT",
    "ROOT",
    "attendee",
    "distrust",
    "environment",
    "kit",
    "trust",
]


def attendee(name: str = "ws") -> str:
    """An attendee id no other test, run or engineer on the shared cluster uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def environment(opensearch_url: str, emulator_url: str, **extra: str) -> dict[str, str]:
    """The environment the CLI runs in: the session's cluster and emulator."""
    return kit_environment(opensearch_url, emulator_url, **extra)
