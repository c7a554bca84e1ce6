"""The official artifacts a node needs, and their resolution with ``mvn``."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from xml.etree import ElementTree

from .._errors import NodeError

__all__ = [
    "Artifact",
    "Resolver",
    "compile_dependencies",
    "module_jars",
    "node_artifacts",
]

logger = logging.getLogger(__name__)

_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


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


def module_jars(
    top: Artifact, resolver: Resolver, provided: Callable[[str], bool]
) -> list[Path]:
    """The jars of a module: ``top`` and the compile dependencies its POMs name.

    OpenSearch's own POMs are followed to their dependencies; a third-party
    jar is taken as it is. Anything the server already carries (``provided``
    answers for an artifact id) is left out, since a second copy of a server
    jar fails OpenSearch's jar-hell check at start.
    """
    found: dict[str, Path] = {}
    pending = [top]
    while pending:
        artifact = pending.pop()
        if artifact.name in found or provided(artifact.name):
            continue
        found[artifact.name] = resolver.fetch(artifact)
        if artifact.group.startswith("org.opensearch"):
            pom = resolver.fetch(replace(artifact, packaging="pom"))
            pending += compile_dependencies(pom)
    return list(found.values())


def compile_dependencies(pom: Path) -> list[Artifact]:
    root = ElementTree.parse(pom).getroot()
    found = []
    for dependency in root.iterfind("m:dependencies/m:dependency", _POM_NS):
        if dependency.findtext("m:scope", "compile", _POM_NS) != "compile":
            continue
        found.append(
            Artifact(
                dependency.findtext("m:groupId", "", _POM_NS),
                dependency.findtext("m:artifactId", "", _POM_NS),
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
                "Maven (mvn) is not on PATH; the local node downloads OpenSearch "
                "with it",
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
            reason = _mvn_reason(done.stdout + done.stderr)
            raise NodeError(
                f"{artifact.coordinates} does not resolve from Maven Central "
                f"(mvn exit {done.returncode}: {reason})",
                "choose an OpenSearch version whose distribution, job-scheduler and "
                "ML Commons artifacts are all published, such as the default "
                "(unset OPENSEARCH_VERSION), and check the network to Maven Central",
            )
        return path


def _mvn_reason(output: str) -> str:
    """Maven's own words for why an artifact did not come, in one line."""
    # Maven colours some lines even in batch mode.
    output = re.sub(r"\x1b\[[0-9;]*m", "", output)
    found = re.search(
        r"(?:Couldn't download artifact|Could not \w+ artifact): (.+)", output
    )
    if found:
        return found.group(1).split(" during ")[0].strip()[:240]
    errors = [line for line in output.splitlines() if line.startswith("[ERROR]")]
    return errors[0][8:248] if errors else "no error text"
