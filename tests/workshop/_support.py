"""What the workshop tests share: fresh attendee ids and the CLI in a subprocess."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from kit_support import KIT_ENVIRONMENT, distrust, kit_environment, trust

__all__ = ["KIT_ENVIRONMENT", "attendee", "distrust", "environment", "kit", "trust"]

ROOT = Path(__file__).resolve().parents[2]


def attendee(name: str = "ws") -> str:
    """An attendee id no other test, run or engineer on the shared cluster uses."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


def environment(opensearch_url: str, emulator_url: str, **extra: str) -> dict[str, str]:
    """The environment the CLI runs in: the session's cluster and emulator."""
    return kit_environment(opensearch_url, emulator_url, **extra)


def kit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m helpers ARGS`` from the kit's checkout."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
