"""What several test suites share: environment, trusted endpoints, notebook runs."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import papermill  # type: ignore[import-untyped]
from opensearchpy import OpenSearch

from helpers import MLCommons, kit_names
from helpers._blueprints import ConnectorBlueprint
from helpers._kit import KitNames
from helpers._mlcommons import Model
from helpers._settings import (
    TRUSTED_ENDPOINTS,
    trusted_endpoint_pattern,
    trusted_patterns,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "opensearch-bedrock-kit"

# What the kit reads from the environment; the tests set each one themselves.
KIT_ENVIRONMENT = (
    "ATTENDEE",
    "BEDROCK_ENDPOINT",
    "KIT_MODE",
    "KIT_PREFIX",
    "KIT_PROGRESS",
    "BEDROCK_EMULATOR_ACCESS_KEY_ID",
    "BEDROCK_EMULATOR_SECRET_ACCESS_KEY",
    "BEDROCK_EMULATOR_SESSION_TOKEN",
)


def trust(client: OpenSearch, endpoint: str) -> None:
    """Add ``endpoint``'s pattern to the trusted list, keeping the others."""
    pattern = trusted_endpoint_pattern(endpoint)
    patterns = trusted_patterns(client)
    if pattern not in patterns:
        patterns.append(pattern)
        client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: patterns}})


def distrust(client: OpenSearch, endpoint: str) -> None:
    """Take ``endpoint``'s pattern out of the persistent trusted list, if it is there.

    The others stay; an emptied list is reset, so the cluster's defaults apply
    again instead of an empty list that trusts nothing.
    """
    reply = client.cluster.get_settings(flat_settings=True)
    patterns = reply.get("persistent", {}).get(TRUSTED_ENDPOINTS)
    pattern = trusted_endpoint_pattern(endpoint)
    if not isinstance(patterns, list) or pattern not in patterns:
        return
    kept = [found for found in patterns if found != pattern]
    client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: kept or None}})


def kit_environment(
    opensearch_url: str, emulator_url: str, **extra: str
) -> dict[str, str]:
    """The environment a CLI subprocess runs in: the session's cluster and emulator."""
    env = {k: v for k, v in os.environ.items() if k not in KIT_ENVIRONMENT}
    env.update(
        OPENSEARCH_URL=opensearch_url,
        BEDROCK_ENDPOINT=emulator_url,
        KIT_MODE="offline",
        KIT_PROGRESS="0",
        **extra,
    )
    return env


@dataclass(frozen=True)
class NotebookRun:
    """One pass over the notebooks: its prefix, parameters and artifact folder."""

    prefix: str
    parameters: dict[str, str]
    artifacts: Path


def new_run(
    kind: str, artifacts_root: Path, opensearch_url: str, emulator_url: str
) -> NotebookRun:
    token = secrets.token_hex(4)
    prefix = f"{kind}-{token}"
    artifacts = artifacts_root / prefix
    artifacts.mkdir(parents=True)
    parameters = {
        "mode": "offline",
        "opensearch_url": opensearch_url,
        "emulator_url": emulator_url,
        "prefix": prefix,
    }
    return NotebookRun(prefix, parameters, artifacts)


def delete_kit_resources(client: OpenSearch, prefix: str) -> None:
    """Delete what the notebooks of ``prefix`` made, including notebook 06's."""
    ml = MLCommons(client)
    for names in (kit_names(prefix), kit_names(f"{prefix}-cli")):
        for name in (names.model, names.current_model):
            for model in ml.find_models(name):
                # Search results can lag behind a deployment; GET cannot.
                if ml.get_model(model.id).state not in ("REGISTERED", "UNDEPLOYED"):
                    ml.undeploy(model.id)
                ml.delete_model(model.id)
        for name in (names.connector, names.current_connector):
            for connector in ml.find_connectors(name):
                ml.delete_connector(connector.id)
        group = ml.find_model_group(names.model_group)
        if group is not None and not ml.find_models_in_group(group.id):
            ml.delete_model_group(group.id)


def run_notebooks(run: NotebookRun, *, cell_timeout: int = 120) -> None:
    """Run every notebook in order; the executed copies go to the run's folder."""

    for notebook in NOTEBOOKS:
        papermill.execute_notebook(
            str(notebook),
            str(run.artifacts / notebook.name),
            parameters=run.parameters,
            kernel_name=KERNEL_NAME,
            cwd=str(run.artifacts),
            progress_bar=False,
            execution_timeout=cell_timeout,
        )


def kit(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m helpers ARGS`` from the kit's checkout, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def register_remote_model(
    ml: MLCommons, names: KitNames, blueprint: ConnectorBlueprint
) -> Model:
    """A remote model on a new connector made from ``blueprint``, named for ``names``.

    The model group is made too, or reused; the model is registered, not
    deployed.
    """
    blueprint["name"] = names.connector
    connector = ml.create_connector(blueprint)
    group = ml.register_model_group(names.model_group)
    task = ml.register_model(names.model, group_id=group.id, connector_id=connector.id)
    assert task.model_id is not None
    return ml.get_model(task.model_id)
