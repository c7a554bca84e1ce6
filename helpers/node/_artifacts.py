"""The official artifacts a node needs, and their resolution with ``mvn``."""

from __future__ import annotations

import logging
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._errors import NodeError

__all__ = ["Artifact", "Resolver", "node_artifacts", "painless_artifacts"]

logger = logging.getLogger(__name__)

_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}

# The server already carries these; a second copy in a module fails jar hell.
_PROVIDED_BY_SERVER = {"opensearch", "opensearch-core", "opensearch-common"}


@dataclass(frozen=True)
class Artifact:
    """Maven coordinates of one file."""

    group: str
    name: str
    version: str
    packaging: str = "jar"

    @property
    def coordinates(self) -> str:
        return f"{self.group}:{self.name}:{self.version}:{self.packaging}"

    def path_in(self, repository: Path) -> Path:
        folder = repository.joinpath(*self.group.split("."), self.name, self.version)
        return folder / f"{self.name}-{self.version}.{self.packaging}"


def node_artifacts(version: str) -> dict[str, Artifact]:
    """The distribution and the two plugins for OpenSearch ``version``."""
    plugin_version = f"{version}.0"
    return {
        "distribution": Artifact(
            "org.opensearch.distribution.integ-test-zip", "opensearch", version, "zip"
        ),
        "job-scheduler": Artifact(
            "org.opensearch.plugin", "opensearch-job-scheduler", plugin_version, "zip"
        ),
        "ml-commons": Artifact(
            "org.opensearch.plugin", "opensearch-ml-plugin", plugin_version, "zip"
        ),
    }


def painless_pom(version: str) -> Artifact:
    return Artifact("org.opensearch.plugin", "lang-painless", version, "pom")


def painless_artifacts(pom: Path) -> list[Artifact]:
    """lang-painless itself and the compile dependencies its POM names."""
    root = ElementTree.parse(pom).getroot()
    version = root.findtext("m:version", namespaces=_POM_NS) or ""
    found = [Artifact("org.opensearch.plugin", "lang-painless", version)]
    for dependency in root.iterfind("m:dependencies/m:dependency", _POM_NS):
        scope = dependency.findtext("m:scope", "compile", _POM_NS)
        name = dependency.findtext("m:artifactId", "", _POM_NS)
        if scope != "compile" or name in _PROVIDED_BY_SERVER:
            continue
        found.append(
            Artifact(
                dependency.findtext("m:groupId", "", _POM_NS),
                name,
                dependency.findtext("m:version", "", _POM_NS),
            )
        )
    return found


class Resolver:
    """Fetches artifacts from Maven Central into a local repository folder.

    Each artifact is fetched without its transitive dependencies: the plugin
    zips are self-contained, and the painless jars must not drag in server jars.
    """

    def __init__(
        self, repository: Path, report: Callable[[str], None] = logger.info
    ) -> None:
        self.repository = repository
        self._report = report

    def fetch(self, artifact: Artifact) -> Path:
        path = artifact.path_in(self.repository)
        if path.is_file():
            return path
        mvn = shutil.which("mvn")
        if mvn is None:
            raise NodeError(
                "Maven (mvn) is not on PATH; the local node downloads OpenSearch with it",
                "install Maven (Debian: apt-get install maven), or point "
                "OPENSEARCH_URL at a running cluster",
            )
        self._report(f"downloading {artifact.coordinates}")
        command = [
            mvn, "-B", "-q", "-ntp",
            f"-Dmaven.repo.local={self.repository}",
            "dependency:get", "-Dtransitive=false",
            f"-Dartifact={artifact.coordinates}",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not path.is_file():
            raise NodeError(
                f"{artifact.coordinates} does not resolve from Maven Central "
                f"(mvn exit {done.returncode}: {_mvn_reason(done.stdout)})",
                "choose an OpenSearch version whose distribution, job-scheduler and "
                "ML Commons artifacts are all published, such as the default "
                "(unset OPENSEARCH_VERSION), and check the network to Maven Central",
            )
        return path


def _mvn_reason(output: str) -> str:
    errors = [line for line in output.splitlines() if line.startswith("[ERROR]")]
    for line in errors:
        if "Could not" in line or "Failed" in line:
            return line.removeprefix("[ERROR] ").strip()[:300]
    return errors[0][8:300] if errors else "no error text"
