"""A learner's secret key is used to sign and never written anywhere.

A unique canary secret (``CANARY`` and a uuid) becomes the emulator's secret
access key and, through ``BEDROCK_EMULATOR_SECRET_ACCESS_KEY``, the secret of
every connector the kit creates. The whole tutorial then runs with it: the
command line at ``-vv`` (deploy, predict, status, cleanup) and every notebook
under papermill. Since the emulator verifies each SigV4 signature with that
secret, every answer proves the connector held it. Then the canary is looked for
everywhere it could have landed: the commands' output, the emulator's log, the
node's logs, the executed notebooks, the working tree, and the connector as
OpenSearch returns it. It must be found nowhere.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from integration._support import KIT_ENVIRONMENT, distrust
from kit_support import NOTEBOOKS, delete_kit_resources, new_run, run_notebooks
from opensearchpy import OpenSearch

from helpers._config import KIT_HOME
from helpers._flow import cleanup
from helpers._kit import KitNames
from helpers._mlcommons import MLCommons
from helpers.emulator import EmulatorConfig, EmulatorServer
from helpers.node import LocalNode

pytestmark = pytest.mark.node

REPO_ROOT = Path(__file__).resolve().parents[2]
QUESTION = "How does a search engine rank documents?"


def files_holding(needle: str, paths: Iterable[Path]) -> list[str]:
    """The files among ``paths`` whose bytes contain ``needle``."""
    wanted = needle.encode()
    return [
        str(path) for path in paths if path.is_file() and wanted in path.read_bytes()
    ]


def every_file(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


@dataclass
class CommandLineRun:
    """What the command-line pass left behind, for the searches."""

    logs: Path
    exit_codes: dict[str, int] = field(default_factory=dict)
    connector: dict[str, Any] = field(default_factory=dict)
    connector_hits: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture(scope="module")
def canary() -> str:
    return f"CANARY{uuid.uuid4().hex}"


@pytest.fixture(scope="module")
def cli_run(
    canary: str,
    opensearch_url: str,
    client: OpenSearch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CommandLineRun]:
    """The emulator and the kit's commands, all at -vv, output kept in files."""
    run = CommandLineRun(tmp_path_factory.mktemp("canary-cli"))
    env = {k: v for k, v in os.environ.items() if k not in KIT_ENVIRONMENT}
    env.update(
        OPENSEARCH_URL=opensearch_url,
        KIT_MODE="offline",
        KIT_PROGRESS="0",
        BEDROCK_EMULATOR_SECRET_ACCESS_KEY=canary,
    )
    names = KitNames(f"canary-{uuid.uuid4().hex[:8]}")
    emulator = subprocess.Popen(
        [sys.executable, "-m", "helpers", "-vv", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=(run.logs / "emulator.err").open("wb"),
        env=env,
        cwd=REPO_ROOT,
    )
    assert emulator.stdout is not None
    url = emulator.stdout.readline().decode().strip()
    env["BEDROCK_ENDPOINT"] = url
    try:
        kit(run, env, "deploy", "-vv", "deploy", "--prefix", names.prefix)
        kit(run, env, "predict", "-vv", "predict", "--prefix", names.prefix,
            "--raw", QUESTION)  # fmt: skip
        kit(run, env, "status", "-vv", "status", "--prefix", names.prefix)
        read_connector(run, client, names)
        kit(run, env, "cleanup", "-vv", "cleanup", "--prefix", names.prefix)
        yield run
    finally:
        emulator.send_signal(signal.SIGTERM)
        (run.logs / "emulator.out").write_bytes(emulator.communicate(timeout=10)[0])
        cleanup(client, names)
        distrust(client, url)


def kit(run: CommandLineRun, env: dict[str, str], step: str, *args: str) -> None:
    with (
        (run.logs / f"{step}.out").open("wb") as out,
        (run.logs / f"{step}.err").open("wb") as err,
    ):
        done = subprocess.run(
            [sys.executable, "-m", "helpers", *args],
            stdout=out,
            stderr=err,
            env=env,
            cwd=REPO_ROOT,
            timeout=180,
            check=False,
        )
    run.exit_codes[step] = done.returncode


def read_connector(run: CommandLineRun, client: OpenSearch, names: KitNames) -> None:
    """The connector as OpenSearch returns it: by id and in a search."""
    hits = MLCommons(client).find_connectors(names.connector)
    assert len(hits) == 1
    run.connector = client.ml.get_connector(connector_id=hits[0].id)
    run.connector_hits = [hit.body for hit in hits]


def test_the_commands_worked_with_the_canary_as_their_secret(
    cli_run: CommandLineRun,
) -> None:
    predicted = json.loads((cli_run.logs / "predict.out").read_text())

    assert cli_run.exit_codes == dict.fromkeys(
        ("deploy", "predict", "status", "cleanup"), 0
    )
    # The emulator checked the connector's signature with the canary secret.
    assert (
        "search engine"
        in predicted["inference_results"][0]["output"][0]["dataAsMap"][
            "response"
        ].lower()
    )


def test_the_search_finds_the_canary_where_it_is(canary: str, tmp_path: Path) -> None:
    planted = tmp_path / "planted.log"
    planted.write_text(f"secret_key={canary}\n")

    assert files_holding(canary, [planted, tmp_path / "absent.log"]) == [str(planted)]


def test_no_command_output_and_no_emulator_log_holds_the_canary(
    canary: str, cli_run: CommandLineRun
) -> None:
    logs = every_file(cli_run.logs)

    assert {path.name for path in logs} >= {"deploy.err", "emulator.err"}
    assert (cli_run.logs / "deploy.err").stat().st_size > 0  # -vv logged
    assert files_holding(canary, logs) == []


def test_the_connector_opensearch_returns_holds_no_canary(
    canary: str, cli_run: CommandLineRun
) -> None:
    assert cli_run.connector["name"].startswith("canary-")
    assert cli_run.connector_hits
    assert canary not in json.dumps(cli_run.connector)
    assert canary not in json.dumps(cli_run.connector_hits)


def test_no_node_log_holds_the_canary(
    canary: str, cli_run: CommandLineRun, executed_notebooks: Path
) -> None:
    if not LocalNode().status().running:
        pytest.skip("the cluster under test is not the kit's local node")
    logs = [
        path
        for folder in (KIT_HOME / "nodes").glob("*/logs")
        for path in every_file(folder)
    ]

    assert logs
    assert files_holding(canary, logs) == []


# -- the notebooks, under papermill -------------------------------------------


@pytest.fixture(scope="module")
def executed_notebooks(
    canary: str,
    opensearch_url: str,
    client: OpenSearch,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Path]:
    """Every notebook, in order, in a kernel whose secret is the canary."""
    config = EmulatorConfig(secret_access_key=canary)
    root = tmp_path_factory.mktemp("canary-notebooks")
    with (
        pytest.MonkeyPatch.context() as env,
        EmulatorServer(port=0, config=config) as emulator,
    ):
        for name in KIT_ENVIRONMENT:
            env.delenv(name, raising=False)
        # The kernels, and notebook 06's command line, inherit this environment.
        env.setenv("BEDROCK_EMULATOR_SECRET_ACCESS_KEY", canary)
        env.setenv("BEDROCK_ENDPOINT", emulator.url)
        env.setenv("KIT_PROGRESS", "0")
        run = new_run("canary", root, opensearch_url, emulator.url)
        try:
            run_notebooks(run)
            yield run.artifacts
        finally:
            delete_kit_resources(client, run.prefix)
            distrust(client, emulator.url)


def test_no_executed_notebook_holds_the_canary(
    canary: str, executed_notebooks: Path
) -> None:
    outputs = every_file(executed_notebooks)

    assert sorted(path.name for path in outputs if path.suffix == ".ipynb") == [
        notebook.name for notebook in NOTEBOOKS
    ]
    assert files_holding(canary, outputs) == []


def test_no_file_of_the_working_tree_holds_the_canary(
    canary: str, cli_run: CommandLineRun, executed_notebooks: Path
) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "-z"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    paths = [
        REPO_ROOT / name
        for name in listed.split("\0")
        if name and not name.startswith((".kit/", ".venv/"))
    ]

    assert REPO_ROOT / "README.md" in paths
    assert files_holding(canary, paths) == []
