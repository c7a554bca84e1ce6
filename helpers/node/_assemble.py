"""Assembling a node home: the distribution, two modules and two plugins.

The integ-test distribution carries only the transport module. ML Commons runs
connectors' pre- and post-processing in Painless, and deletes with
delete-by-query, which the reindex module provides; both are built here from
their jars on Maven Central, as the full distribution ships them.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .._errors import NodeError
from ._artifacts import Artifact, Resolver, module_jars, node_artifacts

__all__ = ["MARKER", "assemble"]

logger = logging.getLogger(__name__)

# Written last: a home without it is incomplete and is assembled again.
MARKER = ".kit-assembled"


@dataclass(frozen=True)
class _Module:
    name: str
    artifact: str
    classname: str
    description: str
    policy: str


_MODULES = (
    _Module(
        "lang-painless",
        "lang-painless",
        "org.opensearch.painless.PainlessPlugin",
        "The Painless scripting language",
        # Painless compiles each script into a class of its own loader.
        'grant {\n  permission java.lang.RuntimePermission "createClassLoader";\n'
        '  permission java.lang.RuntimePermission "getClassLoader";\n};\n',
    ),
    _Module(
        "reindex",
        "reindex-client",
        "org.opensearch.index.reindex.ReindexPlugin",
        "Reindex, update-by-query and delete-by-query",
        # Reindexing from a remote cluster opens connections of its own.
        'grant {\n  permission java.net.SocketPermission "*", "connect";\n};\n',
    ),
)


def assemble(
    version: str,
    home: Path,
    resolver: Resolver,
    java_home: Path,
    report: Callable[[str], None] = logger.info,
) -> Path:
    """Build the node home for ``version`` at ``home`` unless it is complete."""
    if (home / MARKER).is_file():
        return home
    artifacts = node_artifacts(version)
    zips = {role: resolver.fetch(artifact) for role, artifact in artifacts.items()}

    # Work in a sibling folder and rename at the end, so an interrupted
    # assembly never leaves a home that looks complete.
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    report(f"assembling OpenSearch {version} in {home}")
    _unpack_distribution(zips["distribution"], staging)
    server_jars = {jar.name for jar in (staging / "lib").glob("*.jar")}

    def provided(name: str) -> bool:
        return any(jar.startswith(f"{name}-") and jar[len(name) + 1].isdigit()
                   for jar in server_jars)  # fmt: skip

    for module in _MODULES:
        top = Artifact("org.opensearch.plugin", module.artifact, version)
        jars = module_jars(top, resolver, provided)
        _add_module(staging / "modules" / module.name, module, jars, version)
    for role in ("job-scheduler", "ml-commons"):
        _install_plugin(staging, zips[role], java_home)

    (staging / MARKER).write_text(version + "\n")
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)
    return home


def _unpack_distribution(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as bundle:
        top = bundle.namelist()[0].split("/")[0]
        bundle.extractall(target.parent / (target.name + ".unzip"))
        for info in bundle.infolist():
            # zipfile drops Unix modes; the launch scripts must stay executable.
            mode = info.external_attr >> 16
            if mode:
                os.chmod(target.parent / (target.name + ".unzip") / info.filename, mode)
    (target.parent / (target.name + ".unzip") / top).rename(target)
    (target.parent / (target.name + ".unzip")).rmdir()


def _add_module(module: Path, spec: _Module, jars: list[Path], version: str) -> None:
    module.mkdir(parents=True)
    for jar in jars:
        shutil.copy2(jar, module / jar.name)
    (module / "plugin-descriptor.properties").write_text(
        f"description={spec.description}\n"
        f"version={version}\n"
        f"name={spec.name}\n"
        f"classname={spec.classname}\n"
        "java.version=11\n"
        f"opensearch.version={version}\n"
        "extended.plugins=\n"
        "has.native.controller=false\n"
    )
    (module / "plugin-security.policy").write_text(spec.policy)


def _install_plugin(home: Path, archive: Path, java_home: Path) -> None:
    command = [
        str(home / "bin" / "opensearch-plugin"),
        "install",
        "--batch",
        archive.resolve().as_uri(),
    ]
    env = {**os.environ, "OPENSEARCH_JAVA_HOME": str(java_home)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
        raise NodeError(
            f"installing the plugin {archive.name} failed (exit {done.returncode}):\n"
            f"{tail}",
            "delete the .kit/ folder and start again; if it fails again the "
            "plugin does not match this OpenSearch version",
        )
