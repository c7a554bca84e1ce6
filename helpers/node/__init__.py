"""A real OpenSearch node with ML Commons, assembled from Maven Central.

Learners with Docker run ``docker compose up``; everywhere else (CI, laptops
without a container engine) :class:`LocalNode` downloads the official artifacts
with ``mvn``, assembles a node home under ``.kit/`` and runs it on 127.0.0.1.
"""

from __future__ import annotations

from ._artifacts import Artifact, node_artifacts
from ._local import LocalNode, NodeStatus

__all__ = ["Artifact", "LocalNode", "NodeStatus", "node_artifacts"]
