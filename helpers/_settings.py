"""The tutorial's cluster settings, for the version that actually runs.

``plugins.ml_commons.update_connector.enabled`` was added in 2.11 and removed in
2.12, where a settings request naming it is refused as a whole; the private-IP
guard on connector endpoints arrived in 2.15. The kit asks the node its version
and sends only what that version knows.

``plugins.ml_commons.trusted_connector_endpoints_regex`` is one list for the
whole cluster, and a new value replaces it. The kit adds its endpoint's pattern
to the patterns in force instead, so the default Bedrock patterns (needed once
the learner switches to ``KIT_MODE=aws``) and another emulator's pattern stay.

``plugins.ml_commons.only_run_on_ml_node`` defaults to true: ML Commons then
deploys models only on nodes with the ``ml`` role. A one-node tutorial cluster
has none, so the kit turns the setting off there. A room's cluster with a
dedicated ML node keeps the default, so models run where the instructor meant
them to; the kit leaves the setting alone whenever some node has the role.
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
    "ONLY_RUN_ON_ML_NODE",
    "TRUSTED_ENDPOINTS",
    "apply_tutorial_settings",
    "ml_nodes",
    "parse_version",
    "server_version",
    "trusted_endpoint_pattern",
    "trusted_patterns",
    "tutorial_settings",
]

logger = logging.getLogger(__name__)

TRUSTED_ENDPOINTS = "plugins.ml_commons.trusted_connector_endpoints_regex"
ONLY_RUN_ON_ML_NODE = "plugins.ml_commons.only_run_on_ml_node"


def parse_version(text: str) -> tuple[int, int, int]:
    """``"2.19.6"`` -> ``(2, 19, 6)``; suffixes such as ``-SNAPSHOT`` are ignored."""
    numbers = [int(part) for part in re.findall(r"\d+", text)[:3]]
    return (numbers + [0, 0, 0])[0], (numbers + [0, 0])[1], (numbers + [0, 0, 0])[2]


def server_version(client: OpenSearch) -> str:
    """The version the cluster reports, such as ``"2.19.6"``."""
    return str(client.info()["version"]["number"])


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
    has_ml_node: bool = False,
) -> dict[str, Any]:
    """The persistent settings the tutorial needs on OpenSearch ``version``.

    ``keep_patterns`` are the trusted endpoint patterns already in force; the
    endpoint's pattern is added after them unless it is one of them. With
    ``has_ml_node`` (some node has the ``ml`` role) ``only_run_on_ml_node`` is
    not sent, so the cluster keeps running models on its ML nodes only.
    """
    major_minor = parse_version(version)[:2]
    settings: dict[str, Any] = {}
    if not has_ml_node:
        settings[ONLY_RUN_ON_ML_NODE] = False
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
    """Apply :func:`tutorial_settings` for the cluster; return the reply.

    The cluster is asked its version, the trusted patterns in force, and
    whether a node has the ``ml`` role: then ``only_run_on_ml_node`` keeps its
    value (true by default), and models deploy on that node only.
    """
    version = server_version(client)
    kept = trusted_patterns(client) if trusted_endpoint is not None else []
    settings = tutorial_settings(
        version,
        trusted_endpoint=trusted_endpoint,
        keep_patterns=kept,
        has_ml_node=bool(ml_nodes(client)),
    )
    logger.info("PUT _cluster/settings (%d settings for %s)", len(settings), version)
    try:
        reply: dict[str, Any] = client.cluster.put_settings(
            body={"persistent": settings}
        )
        return reply
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


def ml_nodes(client: OpenSearch) -> list[str]:
    """The names of the nodes with the ``ml`` role."""
    try:
        reply = client.nodes.info(filter_path="nodes.*.name,nodes.*.roles")
    except TransportError as error:
        raise translate(error) from error
    nodes = reply.get("nodes", {}).values()
    return sorted(str(node["name"]) for node in nodes if "ml" in node.get("roles", []))
