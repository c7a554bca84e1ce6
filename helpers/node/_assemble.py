"""Assembling a node home: the distribution, lang-painless and two plugins."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

from .._errors import NodeError
from ._artifacts import Resolver, node_artifacts, painless_artifacts, painless_pom

__all__ = ["assemble", "MARKER"]

logger = logging.getLogger(__name__)

# Written last: a home without it is incomplete and is assembled again.
MARKER = ".kit-assembled"

_PAINLESS_POLICY = """\
// lang-painless compiles scripts into classes of its own loaders.
grant {
  permission java.lang.RuntimePermission "createClassLoader";
  permission java.lang.RuntimePermission "getClassLoader";
};
"""


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
    jars = [
        resolver.fetch(artifact)
        for artifact in painless_artifacts(resolver.fetch(painless_pom(version)))
    ]

    # Work in a sibling folder and rename at the end, so an interrupted
    # assembly never leaves a home that looks complete.
    staging = home.with_name(home.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    report(f"assembling OpenSearch {version} in {home}")
    _unpack_distribution(zips["distribution"], staging)
    _add_painless_module(staging / "modules" / "lang-painless", jars, version)
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


def _add_painless_module(module: Path, jars: list[Path], version: str) -> None:
    module.mkdir(parents=True)
    for jar in jars:
        shutil.copy2(jar, module / jar.name)
    (module / "plugin-descriptor.properties").write_text(
        "description=The Painless scripting language\n"
        f"version={version}\n"
        "name=lang-painless\n"
        "classname=org.opensearch.painless.PainlessPlugin\n"
        "java.version=11\n"
        f"opensearch.version={version}\n"
        "extended.plugins=\n"
        "has.native.controller=false\n"
    )
    (module / "plugin-security.policy").write_text(_PAINLESS_POLICY)


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
