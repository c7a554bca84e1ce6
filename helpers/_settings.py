"""The tutorial's cluster settings, for the version that actually runs.

``plugins.ml_commons.update_connector.enabled`` was added in 2.11 and removed in
2.12, where a settings request naming it is refused as a whole; the private-IP
guard on connector endpoints arrived in 2.15. The kit asks the node its version
and sends only what that version knows.

``plugins.ml_commons.trusted_connector_endpoints_regex`` is one list for the
whole cluster, and a new value replaces it. The kit adds its endpoint's pattern
to the patterns in force instead, so the default Bedrock patterns (needed once
the learner switches to ``KIT_MODE=aws``) and another emulator's pattern stay.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from ._translate import translate

__all__ = [
    "TRUSTED_ENDPOINTS",
    "apply_tutorial_settings",
    "parse_version",
    "trusted_endpoint_pattern",
    "trusted_patterns",
    "tutorial_settings",
]

logger = logging.getLogger(__name__)

TRUSTED_ENDPOINTS = "plugins.ml_commons.trusted_connector_endpoints_regex"


def parse_version(text: str) -> tuple[int, int, int]:
    """``"2.19.6"`` -> ``(2, 19, 6)``; suffixes such as ``-SNAPSHOT`` are ignored."""
    numbers = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return (numbers + [0, 0, 0])[0], (numbers + [0, 0])[1], (numbers + [0, 0, 0])[2]


def trusted_endpoint_pattern(endpoint: str) -> str:
    """An anchored regex admitting every path under ``endpoint``.

    ML Commons matches connector URLs with Java regexes; quantified groups
    are avoided so the pattern stays cheap on long URLs.
    """
    return "^" + re.escape(endpoint.rstrip("/")) + "/.*$"


def tutorial_settings(
    version: str,
    *,
    trusted_endpoint: str | None = None,
    keep_patterns: Sequence[str] = (),
) -> dict[str, Any]:
    """The persistent settings the tutorial needs on OpenSearch ``version``.

    ``keep_patterns`` are the trusted endpoint patterns already in force; the
    endpoint's pattern is added after them unless it is one of them.
    """
    major_minor = parse_version(version)[:2]
    settings: dict[str, Any] = {"plugins.ml_commons.only_run_on_ml_node": False}
    if major_minor == (2, 11):
        settings["plugins.ml_commons.update_connector.enabled"] = True
    if trusted_endpoint is not None:
        patterns = list(keep_patterns)
        if trusted_endpoint_pattern(trusted_endpoint) not in patterns:
            patterns.append(trusted_endpoint_pattern(trusted_endpoint))
        settings[TRUSTED_ENDPOINTS] = patterns
        if major_minor >= (2, 15):
            settings["plugins.ml_commons.connector.private_ip_enabled"] = True
    return settings


def apply_tutorial_settings(
    client: OpenSearch, *, trusted_endpoint: str | None = None
) -> dict[str, Any]:
    """Apply :func:`tutorial_settings` for the node's version; return the reply."""
    version = str(client.info()["version"]["number"])
    kept = trusted_patterns(client) if trusted_endpoint is not None else []
    settings = tutorial_settings(
        version, trusted_endpoint=trusted_endpoint, keep_patterns=kept
    )
    logger.info("PUT _cluster/settings (%d settings for %s)", len(settings), version)
    try:
        return client.cluster.put_settings(body={"persistent": settings})
    except TransportError as error:
        raise translate(error) from error


def trusted_patterns(client: OpenSearch) -> list[str]:
    """The trusted connector endpoint patterns in force on the cluster.

    A transient value wins over a persistent one, which wins over the default.
    """
    try:
        reply = client.cluster.get_settings(include_defaults=True, flat_settings=True)
    except TransportError as error:
        raise translate(error) from error
    for scope in ("transient", "persistent", "defaults"):
        value = reply.get(scope, {}).get(TRUSTED_ENDPOINTS)
        if value is not None:
            return [str(value)] if isinstance(value, str) else [str(v) for v in value]
    return []
