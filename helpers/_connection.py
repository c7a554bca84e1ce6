"""One call to reach the cluster, from arguments or the environment.

``OPENSEARCH_URL`` names the cluster (default: the local node on 127.0.0.1:9200).
A secured cluster takes ``OPENSEARCH_USERNAME`` and ``OPENSEARCH_PASSWORD`` (or
``user:password@`` in the URL), ``OPENSEARCH_CA_CERTS`` for a private CA, and
``OPENSEARCH_VERIFY_CERTS=0`` to accept a self-signed certificate on a laptop.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from opensearchpy import OpenSearch, OpenSearchWarning
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from ._errors import KitError
from ._wait import Poll, wait_for

__all__ = [
    "DEFAULT_URL",
    "ML_CONFIG_INDEX",
    "connect",
    "default_client",
    "opensearch_url",
    "readiness",
    "wait_until_ready",
]

logger = logging.getLogger(__name__)

DEFAULT_URL = "http://127.0.0.1:9200"

# ML Commons creates this index once it has initialised; the tutorial checks it.
ML_CONFIG_INDEX = ".plugins-ml-config"

_clients: dict[tuple[str, str | None], OpenSearch] = {}


def opensearch_url() -> str:
    """The cluster's URL: ``OPENSEARCH_URL``, else the local node's."""
    return os.environ.get("OPENSEARCH_URL") or DEFAULT_URL


def connect(
    url: str | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    verify_certs: bool | None = None,
    ca_certs: str | None = None,
    timeout: float = 60,
) -> OpenSearch:
    """Build an opensearch-py client; arguments win over the environment."""
    url = url or opensearch_url()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise KitError(
            f"{url!r} is not a cluster URL",
            "set OPENSEARCH_URL to a URL such as http://127.0.0.1:9200",
        )
    username = username or parts.username or os.environ.get("OPENSEARCH_USERNAME")
    password = password or parts.password or os.environ.get("OPENSEARCH_PASSWORD")
    if verify_certs is None:
        verify_certs = os.environ.get("OPENSEARCH_VERIFY_CERTS", "1") != "0"

    port = f":{parts.port}" if parts.port else ""
    bare = parts._replace(netloc=f"{parts.hostname}{port}")
    options: dict[str, Any] = {
        "hosts": [urlunsplit(bare)],
        "timeout": timeout,
        "http_compress": False,
    }
    if username:
        options["http_auth"] = (username, password or "")
    if parts.scheme == "https":
        options.update(
            use_ssl=True,
            verify_certs=verify_certs,
            ssl_show_warn=verify_certs,
            ca_certs=ca_certs or os.environ.get("OPENSEARCH_CA_CERTS"),
        )
    return OpenSearch(**options)


def default_client() -> OpenSearch:
    """The client every part of the kit shares, built once per URL and user."""
    key = (opensearch_url(), os.environ.get("OPENSEARCH_USERNAME"))
    if key not in _clients:
        _clients[key] = connect()
    return _clients[key]


def wait_until_ready(
    client: OpenSearch | None = None,
    *,
    timeout: float = 120,
    status: str = "green",
    progress: bool | None = None,
) -> dict[str, object]:
    """Wait until the cluster is ``status`` and ML Commons has initialised.

    Returns the cluster health. A single node holding replicas of user indices
    stays yellow; pass ``status="yellow"`` for such a cluster.
    """
    client = client or default_client()
    url = _describe(client)
    return wait_for(
        lambda: readiness(client, status),
        what=f"OpenSearch at {url}",
        timeout=timeout,
        fix=(
            f"check that a node runs at {url} (python -m helpers node status) "
            "and that the ML Commons plugin is installed (GET _cat/plugins)"
        ),
        retry_on=(OSConnectionError, TransportError),
        progress=progress,
    )


def readiness(client: OpenSearch, status: str = "green") -> Poll[dict[str, object]]:
    """One look at the cluster: is it ``status`` or better, with ML Commons up?"""
    health = client.cluster.health()
    if _rank(health["status"]) < _rank(status):
        return Poll(False, f"cluster status {health['status']}")
    with warnings.catch_warnings():
        # Reading a system index draws a deprecation warning; the tutorial's
        # own check for ML Commons is exactly this read.
        warnings.simplefilter("ignore", OpenSearchWarning)
        initialised = client.indices.exists(index=ML_CONFIG_INDEX)
    if not initialised:
        return Poll(False, f"cluster {health['status']}; ML Commons initialising")
    return Poll(True, "ready", health)


def _rank(status: str) -> int:
    return {"red": 0, "yellow": 1, "green": 2}.get(status, -1)


def _describe(client: OpenSearch) -> str:
    host = client.transport.hosts[0] if client.transport.hosts else {}
    scheme = "https" if host.get("use_ssl") else "http"
    return f"{scheme}://{host.get('host', '?')}:{host.get('port', '?')}"
