"""A real OpenSearch node with ML Commons, assembled from Maven Central.

Learners with Docker run ``docker compose up``; everywhere else (CI, laptops
without a container engine) :class:`LocalNode` downloads the official artifacts
with ``mvn``, assembles a node home under ``.kit/`` and runs it on 127.0.0.1.
:class:`LocalCluster` runs three such nodes as one cluster, one of them a
dedicated ML node, for a workshop room.
"""

from __future__ import annotations

from ._artifacts import Artifact, node_artifacts
from ._cluster import LocalCluster
from ._local import LocalNode, NodeStatus

__all__ = ["Artifact", "LocalCluster", "LocalNode", "NodeStatus", "node_artifacts"]
