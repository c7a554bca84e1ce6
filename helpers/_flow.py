"""The whole tutorial as idempotent steps: what ``python -m helpers deploy`` runs.

Each step finds what an earlier run (or a notebook) made by the kit's names and
reuses it, so running the flow twice leaves one group, one connector and one
model. ``cleanup`` removes exactly those names and nothing else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from opensearchpy import OpenSearch

from ._blueprints import (
    AwsCredentials,
    ConnectorBlueprint,
    claude_messages_blueprint,
    jurassic2_blueprint,
)
from ._connection import wait_until_ready
from ._errors import ConnectorHeld, MLCommonsError, WaitTimeout
from ._kit import KitNames, aws_region, bedrock_endpoint, resolve_credentials
from ._mlcommons import Connector, MLCommons, Model, ModelGroup, Prediction
from ._settings import apply_tutorial_settings
from ._translate import CONNECTOR_IN_USE, ML_TASK_LIMIT
from ._wait import Poll, wait_for

__all__ = ["TUTORIAL_QUESTION", "Deployment", "cleanup", "deploy", "inventory"]

logger = logging.getLogger(__name__)

TUTORIAL_QUESTION = "What is the meaning of life?"

T = TypeVar("T")

# Seconds a cleanup tries a connector that ML Commons keeps for models.
HELD_FOR = 30.0


@dataclass(frozen=True)
class Deployment:
    group: ModelGroup
    connector: Connector
    model: Model
    answer: Prediction | None = None


@dataclass
class Inventory:
    """What the kit made under one prefix, as OpenSearch reports it now."""

    group: ModelGroup | None = None
    connectors: list[Connector] = field(default_factory=list)
    models: list[Model] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.group is None and not self.connectors and not self.models


def deploy(
    client: OpenSearch,
    names: KitNames,
    *,
    mode: str | None = None,
    credentials: AwsCredentials | None = None,
    post_process: bool = True,
    question: str | None = TUTORIAL_QUESTION,
    current_model: bool = False,
) -> Deployment:
    """Settings, group, connector, model, deploy and one question."""
    wait_until_ready(client, timeout=120, progress=False)
    endpoint = bedrock_endpoint(mode)
    apply_tutorial_settings(client, trusted_endpoint=endpoint)
    ml = MLCommons(client)
    credentials = credentials or resolve_credentials(mode)

    group = ml.register_model_group(
        names.model_group, "Bedrock models of the OpenSearch Bedrock kit"
    )
    if current_model:
        blueprint = claude_messages_blueprint(
            credentials, region=aws_region(), endpoint=endpoint
        )
        connector_name, model_name = names.current_connector, names.current_model
    else:
        blueprint = jurassic2_blueprint(
            credentials,
            region=aws_region(),
            endpoint=endpoint,
            post_process=post_process,
        )
        connector_name, model_name = names.connector, names.model
    blueprint["name"] = connector_name

    connector = _reuse_or_create_connector(ml, blueprint)
    model = _when_not_busy(
        f"registering {model_name}",
        lambda: _reuse_or_register_model(ml, model_name, group, connector),
    )
    if model.state != "DEPLOYED":
        model = ml.deploy(model.id)
    answer = ml.predict(model.id, question) if question else None
    return Deployment(group, connector, model, answer)


def inventory(client: OpenSearch, names: KitNames) -> Inventory:
    ml = MLCommons(client)
    found = Inventory(group=ml.find_model_group(names.model_group))
    for name in (names.connector, names.current_connector):
        found.connectors += ml.find_connectors(name)
    for name in (names.model, names.current_model):
        # A search hit can show the state from before the last deploy (search
        # sees an update only after a refresh); GET by id reads the current one.
        found.models += [ml.get_model(hit.id) for hit in ml.find_models(name)]
    return found


def cleanup(client: OpenSearch, names: KitNames) -> Inventory:
    """Undeploy and delete the prefix's models, connectors and group.

    Returns what was removed. Models of other prefixes in the same cluster are
    never touched, even if they use a connector of this prefix. A connector
    that ML Commons keeps for models on lookalike connectors (see
    :func:`_delete_connector`) stays; everything else goes, and then
    :class:`~helpers.ConnectorHeld` names what stayed and why.
    """
    ml = MLCommons(client)
    found = inventory(client, names)
    for model in found.models:
        if model.state in ("DEPLOYED", "PARTIALLY_DEPLOYED", "DEPLOYING"):
            ml.undeploy(model.id)
        ml.delete_model(model.id)
    held: dict[str, list[str]] = {}
    for connector in found.connectors:
        blocking = _delete_connector(ml, connector)
        if blocking:
            held[connector.id] = blocking
    if found.group is not None:
        # Models of this group under other names belong to the learner.
        removed = {model.id for model in found.models}
        others = ml.find_models_in_group(found.group.id)
        if all(model.id in removed for model in others):
            ml.delete_model_group(found.group.id)
    if held:
        kept = "; ".join(
            f"{connector_id} for {', '.join(models)}"
            for connector_id, models in held.items()
        )
        raise ConnectorHeld(
            f"ML Commons refuses to delete connector(s) of prefix {names.prefix!r} "
            f"for models on other connectors ({kept}): its check matches "
            "connector ids by their pieces, and ids made within a minute or so "
            "can share one. Everything else of the prefix is removed",
            "run the cleanup again once those models are gone; no model uses "
            "the connector(s) meanwhile",
            connectors=held,
        )
    return found


def _delete_connector(ml: MLCommons, connector: Connector) -> list[str]:
    """Delete ``connector``; the models that keep it if ML Commons will not.

    ML Commons finds a connector's models by a search, which sees a deleted
    model until the next refresh (a second by default): the delete is tried
    again for ``HELD_FOR`` seconds. The same search matches connector ids by
    their pieces (see :meth:`MLCommons.connector_lookalikes`), so a model on a
    lookalike connector also keeps it, until that model is gone. The kit makes
    its connectors distinct when it creates them, which leaves a lookalike that
    had a model already. Returns the ids of such models; an empty list when the
    connector is deleted.
    """
    others: list[str] = []

    def attempt() -> Poll[None]:
        try:
            ml.delete_connector(connector.id)
        except MLCommonsError as error:
            if CONNECTOR_IN_USE not in str(error):
                raise
            blocking = re.findall(r"[A-Za-z0-9_-]{20}", error.what)
            others[:] = [
                model_id
                for model_id in blocking
                if model_id != connector.id
                and not _stale_or_using(ml, model_id, connector.id)
            ]
            return Poll(False, error.what)
        return Poll(True, "deleted")

    try:
        wait_for(
            attempt,
            what=f"deleting connector {connector.id}",
            timeout=HELD_FOR,
            interval=0.5,
            fix=f"delete the models that use connector {connector.id} first",
            progress=False,
        )
    except WaitTimeout:
        if not others:
            raise
        return list(others)
    return []


def _stale_or_using(ml: MLCommons, model_id: str, connector_id: str) -> bool:
    """Whether the model is gone (a stale search) or really uses the connector."""
    try:
        return ml.get_model(model_id).connector_id == connector_id
    except MLCommonsError as error:
        if error.status == 404:
            return True
        raise


def _when_not_busy(what: str, call: Callable[[], T]) -> T:
    """``call``, again while ML Commons refuses it for running too many tasks.

    Each node runs at most ``plugins.ml_commons.max_ml_task_per_node`` tasks
    (10 by default) and refuses the next with "exceed max running task limit";
    in a workshop thirty attendees register in the same minute. Asking again is
    safe: the registration first looks for the model by its name.
    """

    def attempt() -> Poll[T]:
        try:
            return Poll(True, "done", call())
        except MLCommonsError as error:
            if ML_TASK_LIMIT not in str(error):
                raise
            return Poll(False, error.what)

    return wait_for(
        attempt,
        what=what,
        timeout=120,
        interval=0.5,
        fix="wait for the cluster's other ML tasks (GET _plugins/_ml/tasks/_search), "
        "or raise plugins.ml_commons.max_ml_task_per_node",
        progress=False,
    )


def _reuse_or_create_connector(
    ml: MLCommons, blueprint: ConnectorBlueprint
) -> Connector:
    existing = ml.find_connectors(blueprint["name"])
    if not existing:
        return ml.create_connector(blueprint)
    connector = existing[0]
    logger.info("reusing connector %s (%s)", connector.name, connector.id)
    return connector


def _reuse_or_register_model(
    ml: MLCommons, name: str, group: ModelGroup, connector: Connector
) -> Model:
    for model in ml.find_models(name, group.id):
        if model.connector_id == connector.id:
            logger.info("reusing model %s (%s)", name, model.id)
            return model
    task = ml.register_model(
        name,
        group_id=group.id,
        connector_id=connector.id,
        description="Amazon Bedrock model of the OpenSearch Bedrock kit",
    )
    assert task.model_id is not None
    return ml.get_model(task.model_id)
