"""What several test suites share: the kit's environment and trusted endpoints."""

from __future__ import annotations

import os

from opensearchpy import OpenSearch

from helpers._settings import (
    TRUSTED_ENDPOINTS,
    trusted_endpoint_pattern,
    trusted_patterns,
)

# What the kit reads from the environment; the tests set each one themselves.
KIT_ENVIRONMENT = (
    "ATTENDEE",
    "BEDROCK_ENDPOINT",
    "KIT_MODE",
    "KIT_PREFIX",
    "KIT_PROGRESS",
    "BEDROCK_EMULATOR_ACCESS_KEY_ID",
    "BEDROCK_EMULATOR_SECRET_ACCESS_KEY",
    "BEDROCK_EMULATOR_SESSION_TOKEN",
)


def trust(client: OpenSearch, endpoint: str) -> None:
    """Add ``endpoint``'s pattern to the trusted list, keeping the others."""
    pattern = trusted_endpoint_pattern(endpoint)
    patterns = trusted_patterns(client)
    if pattern not in patterns:
        patterns.append(pattern)
        client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: patterns}})


def distrust(client: OpenSearch, endpoint: str) -> None:
    """Take ``endpoint``'s pattern out of the trusted list, leaving the others."""
    pattern = trusted_endpoint_pattern(endpoint)
    kept = [found for found in trusted_patterns(client) if found != pattern]
    client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: kept}})


def kit_environment(
    opensearch_url: str, emulator_url: str, **extra: str
) -> dict[str, str]:
    """The environment a CLI subprocess runs in: the session's cluster and emulator."""
    env = {k: v for k, v in os.environ.items() if k not in KIT_ENVIRONMENT}
    env.update(
        OPENSEARCH_URL=opensearch_url,
        BEDROCK_ENDPOINT=emulator_url,
        KIT_MODE="offline",
        KIT_PROGRESS="0",
        **extra,
    )
    return env
