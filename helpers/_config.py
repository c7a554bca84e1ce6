"""Where the kit finds things: one environment drives the CLI, notebooks and forms."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "DEFAULT_OPENSEARCH_VERSION",
    "EMULATOR_DEFAULT_PORT",
    "KIT_HOME",
    "emulator_url",
    "opensearch_version",
]

# The newest 2.19 line whose distribution, job-scheduler and ML Commons artifacts
# all resolve from Maven Central; docker-compose.yml pins the same version.
DEFAULT_OPENSEARCH_VERSION = "2.19.6"

# The offline mode's default Bedrock runtime: the kit's emulator on loopback.
EMULATOR_DEFAULT_PORT = 8748

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Downloads, the assembled node, its data and its logs: all git-ignored.
KIT_HOME = Path(os.environ.get("KIT_HOME", PROJECT_ROOT / ".kit"))


def opensearch_version() -> str:
    """The OpenSearch version the local node runs (``OPENSEARCH_VERSION``)."""
    return os.environ.get("OPENSEARCH_VERSION", DEFAULT_OPENSEARCH_VERSION)


def emulator_url() -> str:
    """The Bedrock emulator's URL: ``BEDROCK_ENDPOINT``, else its default port."""
    return os.environ.get(
        "BEDROCK_ENDPOINT", f"http://127.0.0.1:{EMULATOR_DEFAULT_PORT}"
    )
