"""The forms against the real node and a Bedrock emulator on a thread.

The package shares one emulator, the deployed tutorial model and the kit's
Claude model, made under a fresh ``forms-<uuid8>`` prefix and cleaned up at
the end. The environment is emptied of AWS and kit settings
first, so what the forms find there is only what a test puts in.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kit_support import register_remote_model
from opensearchpy import OpenSearch

from helpers._blueprints import jurassic2_blueprint
from helpers._flow import Deployment, cleanup, deploy, inventory
from helpers._kit import KitNames, kit_names, resolve_credentials
from helpers._mlcommons import MLCommons, Model
from helpers._settings import (
    TRUSTED_ENDPOINTS,
    trusted_endpoint_pattern,
    trusted_patterns,
)
from helpers.emulator import EmulatorConfig, EmulatorServer

from ._support import admin

_AUTO_DEPLOY = "plugins.ml_commons.model_auto_deploy.enable"
_DEPLOYED_STATES = ("DEPLOYED", "PARTIALLY_DEPLOYED", "DEPLOYING")

_CLEARED = (
    "BEDROCK_EMULATOR_ACCESS_KEY_ID",
    "BEDROCK_EMULATOR_SECRET_ACCESS_KEY",
    "BEDROCK_EMULATOR_SESSION_TOKEN",
    "KIT_PREFIX",
    "KIT_HEADLESS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


@pytest.fixture(scope="package")
def emulator(
    client: OpenSearch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmulatorServer]:
    nowhere = tmp_path_factory.mktemp("no-aws-config")
    with (
        pytest.MonkeyPatch.context() as env,
        EmulatorServer(port=0, config=EmulatorConfig()) as server,
    ):
        for name in _CLEARED + tuple(
            n for n in os.environ if n.startswith("PAPERMILL_")
        ):
            env.delenv(name, raising=False)
        # No profile, no instance role: the machine's own AWS setup stays out.
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere / "credentials"))
        env.setenv("AWS_CONFIG_FILE", str(nowhere / "config"))
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        env.setenv("BEDROCK_ENDPOINT", server.url)
        env.setenv("KIT_MODE", "offline")
        env.setenv("KIT_PROGRESS", "0")
        try:
            yield server
        finally:
            _distrust(client, server.url)


@pytest.fixture(scope="package")
def prefixes(client: OpenSearch, emulator: EmulatorServer) -> Iterator[list[KitNames]]:
    """Every prefix the package makes resources under; all go at the end."""
    made: list[KitNames] = []
    yield made
    remove(client, made)


@pytest.fixture(scope="package")
def names(prefixes: list[KitNames]) -> KitNames:
    prefixes.append(fresh_names())
    return prefixes[-1]


@pytest.fixture(scope="package")
def deployment(client: OpenSearch, names: KitNames) -> Deployment:
    """The tutorial's Jurassic-2 model on the emulator, deployed."""
    return deploy(client, names, question=None)


@pytest.fixture(scope="package")
def claude_model(client: OpenSearch, names: KitNames, deployment: Deployment) -> Model:
    """The kit's Claude model, registered beside the tutorial's."""
    return deploy(client, names, question=None, current_model=True).model


@pytest.fixture
def undeployed_model(client: OpenSearch, claude_model: Model) -> Iterator[Model]:
    """The Claude model undeployed, on a cluster that does not deploy on predict.

    ML Commons 2.12 and later deploy a remote model on its first predict
    (``plugins.ml_commons.model_auto_deploy.enable``, on by default); only with
    that off does predicting with an undeployed model fail.
    """
    ml = MLCommons(client)
    previous = client.cluster.get_settings(flat_settings=True)["persistent"].get(
        _AUTO_DEPLOY
    )
    client.cluster.put_settings(body={"persistent": {_AUTO_DEPLOY: False}})
    try:
        if ml.get_model(claude_model.id).state != "UNDEPLOYED":
            ml.undeploy(claude_model.id)
        yield ml.get_model(claude_model.id)
    finally:
        client.cluster.put_settings(body={"persistent": {_AUTO_DEPLOY: previous}})


@pytest.fixture(scope="package")
def templated_model(
    client: OpenSearch,
    emulator: EmulatorServer,
    prefixes: list[KitNames],
    deployment: Deployment,
) -> Model:
    """A Jurassic-2 model whose request_body reads maxTokens and temperature."""
    names = fresh_names()
    prefixes.append(names)
    blueprint = jurassic2_blueprint(
        resolve_credentials(), endpoint=emulator.url, post_process=True
    )
    action = blueprint["actions"][0]
    action["request_body"] = (
        action["request_body"]
        .replace('"maxTokens":200', '"maxTokens":${parameters.maxTokens}')
        .replace('"temperature":0.7', '"temperature":${parameters.temperature}')
    )
    ml = MLCommons(client)
    return ml.deploy(register_remote_model(ml, names, blueprint).id)


@pytest.fixture
def ml(client: OpenSearch) -> MLCommons:
    return MLCommons(client)


@pytest.fixture
def fault(emulator: EmulatorServer) -> Iterator[Callable[..., dict[str, Any]]]:
    """Install fault rules through the emulator's admin API; all go afterwards."""

    def put(**rule: Any) -> dict[str, Any]:
        return admin(emulator, "PUT", "/_emulator/faults", rule)

    yield put
    admin(emulator, "DELETE", "/_emulator/faults")


def _distrust(client: OpenSearch, endpoint: str) -> None:
    """Take the emulator's pattern out of the trusted list; other runs keep theirs."""
    pattern = trusted_endpoint_pattern(endpoint)
    kept = [found for found in trusted_patterns(client) if found != pattern]
    client.cluster.put_settings(body={"persistent": {TRUSTED_ENDPOINTS: kept}})


def fresh_names() -> KitNames:
    return kit_names(f"forms-{uuid.uuid4().hex[:8]}")


def remove(client: OpenSearch, prefixes: list[KitNames]) -> None:
    """Remove what was made under ``prefixes``: every model before any connector.

    ML Commons 2.19 looks for the models of a connector it is asked to delete
    with a match query on ``connector_id``, a text field: a model whose
    connector id shares a word with this one (ids split at "-" and "_") blocks
    the deletion. Deleting all models first keeps the package's own models
    from blocking its connectors.
    """
    ml = MLCommons(client)
    for names in prefixes:
        for model in inventory(client, names).models:
            if ml.get_model(model.id).state in _DEPLOYED_STATES:
                ml.undeploy(model.id)
            ml.delete_model(model.id)
    for names in prefixes:
        cleanup(client, names)
