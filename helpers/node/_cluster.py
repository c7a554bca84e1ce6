"""A three-node cluster on 127.0.0.1 for a room: two data nodes and one ML node.

Each member is a :class:`LocalNode` instance sharing the one assembled home,
with its own name, HTTP and transport ports, data and logs. The two data nodes
are also cluster-manager eligible and bootstrap the cluster; the third has only
the ``ml`` role. ML Commons keeps its default
``plugins.ml_commons.only_run_on_ml_node: true`` there, so every model a room
deploys runs on the ML node while the data nodes serve the ML indices, as on a
production cluster (the tutorial's settings leave it alone when a node has the
``ml`` role; see :func:`helpers._settings.apply_tutorial_settings`).

Two cluster-manager-eligible nodes make a quorum of two: stopping either one
stops the cluster. That is fine for a room on one machine, which starts and
stops the members together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from .. import _config
from ._artifacts import Resolver
from ._assemble import assemble
from ._local import LocalNode, NodeStatus, find_java_home

__all__ = ["ClusterMember", "LocalCluster"]

logger = logging.getLogger(__name__)

CLUSTER_NAME = "opensearch-kit-room"
DATA_ROLES = "cluster_manager,data,ingest"


@dataclass(frozen=True)
class ClusterMember:
    """One node of the cluster: its name, roles and node."""

    name: str
    roles: str
    node: LocalNode


class LocalCluster:
    """Three nodes on 127.0.0.1: HTTP on ``port`` to ``port + 2``.

    Transport ports are ``transport_port`` to ``transport_port + 2``; they are
    fixed, not a range, because every member lists the others' addresses in
    ``discovery.seed_hosts``. ``instance`` names the members' folders under
    ``.kit/nodes`` (``room-1``, ``room-2``, ``room-ml``), so a second cluster,
    a test's, keeps its data apart.
    """

    def __init__(
        self,
        version: str | None = None,
        *,
        port: int = 9200,
        transport_port: int = 9310,
        kit_home: Path | None = None,
        heap: str = "512m",
        instance: str = "room",
    ) -> None:
        self.version = version or _config.opensearch_version()
        self.kit_home = kit_home or _config.KIT_HOME
        layout = [
            ("kit-room-1", DATA_ROLES),
            ("kit-room-2", DATA_ROLES),
            ("kit-room-ml", "ml"),
        ]
        seeds = ",".join(f"127.0.0.1:{transport_port + i}" for i in range(3))
        bootstrap = ",".join(name for name, roles in layout if roles == DATA_ROLES)
        self.members = [
            ClusterMember(
                name,
                roles,
                LocalNode(
                    self.version,
                    port=port + index,
                    kit_home=self.kit_home,
                    heap=heap,
                    instance=name.replace("kit-room", instance),
                    extra_settings={
                        "cluster.name": CLUSTER_NAME,
                        "node.name": name,
                        "node.roles": roles,
                        "discovery.type": None,
                        "discovery.seed_hosts": seeds,
                        "cluster.initial_cluster_manager_nodes": bootstrap,
                        "transport.port": str(transport_port + index),
                    },
                ),
            )
            for index, (name, roles) in enumerate(layout)
        ]

    @property
    def url(self) -> str:
        """The first data node's URL, the one the kit and the notebooks use."""
        return self.members[0].node.url

    def start(
        self, *, timeout: float = 300, progress: bool | None = None
    ) -> NodeStatus:
        """Start every member that is not running, then wait until all are ready.

        All are launched before any is awaited: no member is ready before the
        cluster has formed, which takes both data nodes.
        """
        java_home = find_java_home()
        first = self.members[0].node
        first._check_disk()
        resolver = Resolver(self.kit_home / "m2", report=logger.info)
        assemble(self.version, first.home, resolver, java_home)

        pids = {}
        for member in self.members:
            node = member.node
            pid = node._live_pid()
            if pid is None:
                node._check_port_free()
                pid = node._launch(java_home)
            else:
                logger.info("reusing %s, already running (pid %s)", member.name, pid)
            pids[member.name] = pid
        for member in self.members:
            member.node._wait_ready(pids[member.name], timeout, progress)
        return self.status()[0]

    def stop(self) -> list[str]:
        """Stop every member; the names of those that were running."""
        return [member.name for member in self.members if member.node.stop()]

    def status(self) -> list[NodeStatus]:
        return [member.node.status() for member in self.members]

    def describe(self) -> str:
        lines = []
        for member, status in zip(self.members, self.status(), strict=True):
            lines.append(f"{member.name:12} {member.roles:28} {status.describe()}")
        return "\n".join(lines)
