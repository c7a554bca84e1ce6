"""The GitHub Actions workflow teams copy: actionlint passes it, and it runs the suite.

actionlint is built on first use by ``scripts/actionlint.sh`` (``go install``
into ``.kit/bin``), so these tests need Go the first time only.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers._config import DEFAULT_OPENSEARCH_VERSION, EMULATOR_DEFAULT_PORT
from helpers.emulator import EmulatorServer

from ._support import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "notebooks.yml"
ACTIONLINT = ROOT / "scripts" / "actionlint.sh"


def _actionlint(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ACTIONLINT), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


@pytest.fixture(scope="module")
def job(workflow: dict[Any, Any]) -> dict[str, Any]:
    job: dict[str, Any] = workflow["jobs"]["regression"]
    return job


def test_actionlint_passes_the_workflow() -> None:
    done = _actionlint(WORKFLOW)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("${{ runner.temp }}", "${{ runner.tmp }}", 1))

    done = _actionlint(broken)

    assert done.returncode == 1
    assert 'property "tmp" is not defined in object type' in done.stdout


def test_it_runs_on_push_and_pull_request(workflow: dict[Any, Any]) -> None:
    # PyYAML reads the key `on` as the boolean True.
    assert set(workflow[True]) == {"push", "pull_request"}
    assert workflow["permissions"] == {"contents": "read"}


def test_opensearch_is_a_service_container_of_the_kits_version(
    workflow: dict[Any, Any], job: dict[str, Any]
) -> None:
    service = job["services"]["opensearch"]

    assert (
        service["image"] == f"opensearchproject/opensearch:{DEFAULT_OPENSEARCH_VERSION}"
    )
    assert service["env"]["discovery.type"] == "single-node"
    assert service["env"]["DISABLE_SECURITY_PLUGIN"] == "true"
    assert service["ports"] == ["127.0.0.1:9200:9200"]
    assert workflow["env"]["OPENSEARCH_URL"] == "http://127.0.0.1:9200"


def test_every_action_is_pinned_to_a_commit(job: dict[str, Any]) -> None:
    used = [step["uses"] for step in job["steps"] if "uses" in step]

    assert used
    for action in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action


def test_the_emulator_starts_in_the_job_before_the_tests(job: dict[str, Any]) -> None:
    runs = [step.get("run", "") for step in job["steps"]]
    emulator = next(i for i, run in enumerate(runs) if "helpers emulator" in run)
    tests = next(i for i, run in enumerate(runs) if "pytest" in run)

    assert f"--port {EMULATOR_DEFAULT_PORT}" in runs[emulator]
    assert runs[emulator].split("\n")[1].rstrip().endswith("2>&1 &")
    assert emulator < tests
    assert "tests/notebooks" in runs[tests]
    assert any("benchmarks/load_test.py" in run for run in runs[tests:])


def test_the_emulator_listens_where_bedrock_emulator_host_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BEDROCK_EMULATOR_HOST", "127.0.0.2")
    with EmulatorServer(port=0) as moved:
        assert moved.url.startswith("http://127.0.0.2:")
    monkeypatch.delenv("BEDROCK_EMULATOR_HOST")
    with EmulatorServer(port=0) as default:
        assert default.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.3", True), ("::1", True), ("localhost", True)]
    + [("0.0.0.0", False), ("172.18.0.1", False), ("example.org", False)],
)
def test_the_emulator_warns_only_off_loopback(host: str, loopback: bool) -> None:
    from helpers.emulator.cli import _is_loopback

    assert _is_loopback(host) is loopback
