"""The tutorial's cluster settings, for the version that actually runs.

``plugins.ml_commons.update_connector.enabled`` was added in 2.11 and removed in
2.12, where a settings request naming it is refused as a whole; the private-IP
guard on connector endpoints arrived in 2.15. The kit asks the node its version
and sends only what that version knows.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from ._translate import translate

__all__ = [
    "parse_version",
    "trusted_endpoint_pattern",
    "tutorial_settings",
    "apply_tutorial_settings",
]

logger = logging.getLogger(__name__)


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
    version: str, *, trusted_endpoint: str | None = None
) -> dict[str, Any]:
    """The persistent settings the tutorial needs on OpenSearch ``version``."""
    major_minor = parse_version(version)[:2]
    settings: dict[str, Any] = {"plugins.ml_commons.only_run_on_ml_node": False}
    if major_minor == (2, 11):
        settings["plugins.ml_commons.update_connector.enabled"] = True
    if trusted_endpoint is not None:
        settings["plugins.ml_commons.trusted_connector_endpoints_regex"] = [
            trusted_endpoint_pattern(trusted_endpoint)
        ]
        if major_minor >= (2, 15):
            settings["plugins.ml_commons.connector.private_ip_enabled"] = True
    return settings


def apply_tutorial_settings(
    client: OpenSearch, *, trusted_endpoint: str | None = None
) -> dict[str, Any]:
    """Apply :func:`tutorial_settings` for the node's version; return the reply."""
    version = str(client.info()["version"]["number"])
    settings = tutorial_settings(version, trusted_endpoint=trusted_endpoint)
    logger.info("PUT _cluster/settings (%d settings for %s)", len(settings), version)
    try:
        return client.cluster.put_settings(body={"persistent": settings})
    except TransportError as error:
        raise translate(error) from error
