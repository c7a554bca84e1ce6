"""The ML Commons workflow of the tutorial, as typed Python calls.

Every call goes through opensearch-py's ``client.ml`` namespace, logs one INFO
line, and turns an error reply into a :class:`~helpers.KitError` with a fix.
Every wait (tasks, deploy, undeploy) uses :func:`helpers.wait_for`.
"""

from __future__ import annotations

import logging
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConflictError, NotFoundError, TransportError

from ._blueprints import ConnectorBlueprint, predict_parameters
from ._connection import ML_CONFIG_INDEX
from ._errors import KitError, MLCommonsError, WaitTimeout
from ._settings import server_version
from ._translate import (
    CONNECTOR_IN_USE,
    ML_TASK_LIMIT,
    loading_master_key,
    task_failed,
    translate,
)
from ._wait import Poll, wait_for

__all__ = [
    "Connector",
    "MLCommons",
    "Model",
    "ModelGroup",
    "Prediction",
    "Task",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

_DEPLOYED = "DEPLOYED"
# A model whose deploy failed is not deployed either: undeploying it is done.
_UNDEPLOYED_STATES = {"UNDEPLOYED", "REGISTERED", "DEPLOY_FAILED"}
_DUPLICATE = "Duplicate deploy model task"
# How each refusal or failure that deploying again clears reads once translated.
_DEPLOY_AGAIN = (
    ML_TASK_LIMIT,
    "ended COMPLETED_WITH_ERROR",
    _DUPLICATE,
    "(model_state DEPLOY_FAILED)",
)


@dataclass(frozen=True)
class ModelGroup:
    id: str
    name: str
    created: bool = False


@dataclass(frozen=True)
class Connector:
    id: str
    name: str
    body: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Task:
    id: str
    state: str
    task_type: str | None = None
    model_id: str | None = None
    error: str | None = None
    body: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_reply(cls, task_id: str, reply: Mapping[str, Any]) -> Task:
        return cls(
            id=task_id,
            state=str(reply.get("state", "UNKNOWN")),
            task_type=reply.get("task_type"),
            model_id=reply.get("model_id"),
            error=reply.get("error"),
            body=dict(reply),
        )


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    state: str
    connector_id: str | None = None
    model_group_id: str | None = None
    body: dict[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_reply(cls, model_id: str, reply: Mapping[str, Any]) -> Model:
        return cls(
            id=model_id,
            name=str(reply.get("name", "")),
            state=str(reply.get("model_state", "UNKNOWN")),
            connector_id=reply.get("connector_id"),
            model_group_id=reply.get("model_group_id"),
            body=dict(reply),
        )


@dataclass(frozen=True)
class Prediction:
    """A predict reply: the answer's text where the kit can find it, and all of it."""

    text: str | None
    data: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)

    @classmethod
    def from_reply(cls, reply: Mapping[str, Any]) -> Prediction:
        output = reply["inference_results"][0]["output"][0]
        data = output.get("dataAsMap", {})
        return cls(text=answer_text(data), data=data, raw=dict(reply))


def answer_text(data: Mapping[str, Any]) -> str | None:
    """The answer inside ``dataAsMap`` for the shapes the kit's models return."""
    if isinstance(data.get("response"), str):
        return str(data["response"])
    if data.get("completions"):
        return str(data["completions"][0]["data"]["text"])
    if data.get("content"):
        return "".join(part.get("text", "") for part in data["content"])
    message = data.get("output", {}).get("message", {})
    if message.get("content"):
        return "".join(part.get("text", "") for part in message["content"])
    return None


class MLCommons:
    """The tutorial's calls on one cluster."""

    def __init__(self, client: OpenSearch) -> None:
        self.client = client
        # opensearch-py's type hints do not declare its ``ml`` namespace.
        self._api: Any = cast(Any, client).ml
        self._version: str | None = None
        # Seconds a model may stay DEPLOYING before its deploy counts as stuck.
        self.stuck_after = 30.0

    @property
    def opensearch_version(self) -> str:
        """The cluster's version, read once: how prompts are escaped depends on it."""
        if self._version is None:
            self._version = self._call(
                "read the OpenSearch version", server_version, client=self.client
            )
        return self._version

    # -- model groups -------------------------------------------------------

    def register_model_group(self, name: str, description: str = "") -> ModelGroup:
        """Register the group, or reuse it: names are unique cluster-wide."""
        existing = self.find_model_group(name)
        if existing is not None:
            logger.info("reusing model group %s (%s)", name, existing.id)
            return existing
        reply = self._call(
            "register model group",
            self._api.register_model_group,
            body={"name": name, "description": description},
        )
        return ModelGroup(reply["model_group_id"], name, created=True)

    def find_model_group(self, name: str) -> ModelGroup | None:
        hits = self._search(self._api.search_model_group, {"name.keyword": name})
        if not hits:
            return None
        return ModelGroup(hits[0]["_id"], name)

    def delete_model_group(self, group_id: str) -> None:
        self._call(
            f"delete model group {group_id}",
            self._api.delete_model_group,
            model_group_id=group_id,
        )

    # -- connectors ---------------------------------------------------------

    def create_connector(
        self, blueprint: ConnectorBlueprint, *, distinct: bool = True
    ) -> Connector:
        """Create a connector; by default one ML Commons cannot mistake for another.

        With ``distinct`` (see :meth:`connector_lookalikes`), it first waits
        for a moment when new ids share no piece with the existing connectors'
        (:meth:`wait_for_distinct_ids`), then makes the connector again if its
        id still shares one (:meth:`make_distinct`). ``distinct=False`` keeps
        whatever id OpenSearch gives.
        """
        if distinct:
            self.wait_for_distinct_ids()
        reply = self._call(
            f"create connector {blueprint['name']!r}",
            self._api.create_connector,
            body=dict(blueprint),
        )
        connector = Connector(reply["connector_id"], blueprint["name"], dict(blueprint))
        return self.make_distinct(connector, blueprint) if distinct else connector

    def wait_for_distinct_ids(self, *, timeout: float = 75) -> bool:
        """Wait until ids OpenSearch makes now share no piece with a connector's.

        Part of every id comes from the clock's high bits, which change about
        once a minute; while that part holds a ``-``, every new id shares a
        piece with every id made in the same minute, and making a connector
        again would not help. This reads the current ids from a model group
        made and deleted at once, and waits while they share a piece with an
        existing connector's. Returns whether they stopped sharing within
        ``timeout``; if not, the connector is made anyway, as it would have
        been without the check.
        """
        probes: list[str] = []

        def attempt() -> Poll[bool]:
            known = self._connector_ids()
            if not known:
                return Poll(True, "no connectors", True)
            probe = self._probe_id()
            probes.append(probe)
            shared = self._sharing_a_piece(probe, known)
            if not shared:
                return Poll(True, "new ids share no piece", True)
            if len(probes) == 1:
                logger.info(
                    "ids made now share a piece with connector(s) %s; waiting for "
                    "the clock to move on (up to %.0f s)",
                    ", ".join(shared),
                    timeout,
                )
            return Poll(False, f"ids made now look like {', '.join(shared)}")

        try:
            return wait_for(
                attempt,
                what="new ids to share no piece with a connector's",
                timeout=timeout,
                interval=5,
                max_interval=5,
                progress=False,
            )
        except WaitTimeout:
            logger.warning(
                "ids made now still share a piece with other connectors' after "
                "%.0f s; making the connector anyway",
                timeout,
            )
            return False

    def _probe_id(self) -> str:
        """An id OpenSearch makes now: that of a model group, deleted at once."""
        group = self._call(
            "register a model group to read the id clock",
            self._api.register_model_group,
            body={
                "name": f"kit-id-probe-{uuid.uuid4().hex}",
                "description": "made and deleted by the kit to read new ids",
            },
        )["model_group_id"]
        self.delete_model_group(group)
        return str(group)

    def _connector_ids(self) -> list[str]:
        try:
            reply = self._call(
                "list connector ids",
                self._api.search_connectors,
                body={"query": {"match_all": {}}, "_source": False, "size": 10_000},
            )
        except KitError as error:
            if isinstance(error.__cause__, NotFoundError):
                return []
            raise
        return [hit["_id"] for hit in reply["hits"]["hits"]]

    def connector_lookalikes(self, connector_id: str) -> list[str]:
        """Other connectors that ML Commons can mistake for this one.

        ML Commons finds the models of a connector (before deleting it, or
        updating it) with a full-text ``match`` on the models' ``connector_id``,
        a text field. The standard analyzer cuts an id into pieces at each
        ``-`` and lowers their case, and the match wants any one piece, so a
        model on another connector whose id shares a piece counts as this
        connector's. OpenSearch builds ids from a clock, a counter and the
        node's address; ids made on one node within a minute or so share a
        piece often enough that a room of attendees meets it. Returns the ids
        of existing connectors that share a piece with ``connector_id``.
        """
        others = [found for found in self._connector_ids() if found != connector_id]
        return self._sharing_a_piece(connector_id, others)

    def make_distinct(
        self, connector: Connector, blueprint: ConnectorBlueprint, *, attempts: int = 5
    ) -> Connector:
        """Make ``connector`` again from ``blueprint`` while it has lookalikes.

        A connector that shares a piece of its id with another (see
        :meth:`connector_lookalikes`) cannot be deleted, or updated, while a
        model of the other one exists. A new connector gets a new id and the
        old one is deleted. If ML Commons refuses that delete, because a model
        uses the connector or its lookalike already, the connector stays as it
        is, with a warning: it works, and only its delete has to wait.
        """
        for _ in range(attempts):
            lookalikes = self.connector_lookalikes(connector.id)
            if not lookalikes:
                return connector
            shared = ", ".join(lookalikes)
            try:
                self.delete_connector(connector.id)
            except MLCommonsError as error:
                if CONNECTOR_IN_USE not in error.what:
                    raise
                logger.warning(
                    "connector %s shares a piece of its id with %s and cannot be "
                    "made again (%s); deleting it waits for those models",
                    connector.id,
                    shared,
                    error.what,
                )
                return connector
            logger.info(
                "connector %s shared a piece of its id with %s; made it again",
                connector.id,
                shared,
            )
            connector = self.create_connector(blueprint, distinct=False)
        raise KitError(
            f"connector {connector.name} ({connector.id}) still shares a piece of "
            f"its id with other connectors after {attempts} attempts",
            "create it again in a minute; OpenSearch's ids change with the clock",
        )

    def _sharing_a_piece(self, one: str, others: list[str]) -> list[str]:
        """Those of ``others`` that share a piece of their id with ``one``."""
        if not others:
            return []
        pieces = self._pieces([one, *others])
        return [
            other
            for other, theirs in zip(others, pieces[1:], strict=True)
            if theirs & pieces[0]
        ]

    def _pieces(self, ids: list[str]) -> list[set[str]]:
        """Each id cut into pieces the way ML Commons' model search cuts it."""
        reply = self._call(
            "analyze connector ids",
            self.client.indices.analyze,
            body={"analyzer": "standard", "text": ids},
        )
        pieces: list[set[str]] = [set() for _ in ids]
        # The analyzer puts the values end to end, one offset apart.
        starts, at = [], 0
        for value in ids:
            starts.append(at)
            at += len(value) + 1
        for token in reply["tokens"]:
            pieces[bisect_right(starts, token["start_offset"]) - 1].add(token["token"])
        return pieces

    def find_connectors(self, name: str) -> list[Connector]:
        hits = self._search(self._api.search_connectors, {"name.keyword": name})
        return [Connector(hit["_id"], name, hit["_source"]) for hit in hits]

    def get_connector(self, connector_id: str) -> Connector:
        reply = self._call(
            f"get connector {connector_id}",
            self._api.get_connector,
            connector_id=connector_id,
        )
        return Connector(connector_id, str(reply.get("name", "")), reply)

    def update_connector(
        self, connector_id: str, blueprint: ConnectorBlueprint
    ) -> dict[str, Any]:
        """Replace the connector's definition; its models must be undeployed."""
        return self._call(
            f"update connector {connector_id}",
            self._api.update_connector,
            connector_id=connector_id,
            body=dict(blueprint),
        )

    def delete_connector(self, connector_id: str) -> None:
        self._call(
            f"delete connector {connector_id}",
            self._api.delete_connector,
            connector_id=connector_id,
        )

    # -- models -------------------------------------------------------------

    def register_model(
        self,
        name: str,
        *,
        group_id: str,
        connector_id: str,
        description: str = "",
        timeout: float = 60,
    ) -> Task:
        """Register a remote model and wait for its registration task."""
        reply = self._call(
            f"register model {name!r}",
            self._api.register_model,
            body={
                "name": name,
                "function_name": "remote",
                "model_group_id": group_id,
                "description": description,
                "connector_id": connector_id,
            },
        )
        return self.wait_for_task(reply["task_id"], timeout=timeout)

    def find_models(self, name: str, group_id: str | None = None) -> list[Model]:
        terms: dict[str, str] = {"name.keyword": name}
        if group_id is not None:
            terms["model_group_id"] = group_id
        hits = self._search(self._api.search_models, terms, chunks=False)
        return [Model.from_reply(hit["_id"], hit["_source"]) for hit in hits]

    def find_models_in_group(self, group_id: str) -> list[Model]:
        hits = self._search(
            self._api.search_models, {"model_group_id": group_id}, chunks=False
        )
        return [Model.from_reply(hit["_id"], hit["_source"]) for hit in hits]

    def get_model(self, model_id: str) -> Model:
        reply = self._call(
            f"get model {model_id}", self._api.get_model, model_id=model_id
        )
        return Model.from_reply(model_id, reply)

    def deploy(self, model_id: str, *, timeout: float = 180) -> Model:
        """Deploy and wait until the model is DEPLOYED, through ML Commons' stumbles.

        A model that is DEPLOYED already is left as it is, and one that is
        DEPLOYING (a deploy sent from Dev Tools, or ML Commons' own after a
        restart) is waited for; a deploy that stays DEPLOYING for
        ``stuck_after`` seconds is undone and sent again. These refusals and
        failures are met by deploying again:

        - "exceed max running task limit": a node runs ten ML tasks at most;
        - a deploy task that ends COMPLETED_WITH_ERROR, or a model that ends
          DEPLOY_FAILED: on a cluster that has just started, a node can time
          out fetching ML Commons' master key;
        - "Duplicate deploy model task": a deploy of the model is under way,
          or failed on a node that still counts it as running, which an
          undeploy clears.
        """
        deploying_since: list[float] = []

        def attempt() -> Poll[Model]:
            current = self.get_model(model_id)
            if current.state == _DEPLOYED:
                return Poll(True, _DEPLOYED, current)
            if current.state == "DEPLOYING":
                deploying_since[:] = deploying_since or [time.monotonic()]
                if time.monotonic() - deploying_since[0] < self.stuck_after:
                    return Poll(False, "model_state DEPLOYING")
                logger.info("model %s stays DEPLOYING; deploying again", model_id)
                self.undeploy(model_id)
            deploying_since.clear()
            try:
                return Poll(True, _DEPLOYED, self._deploy_once(model_id))
            except MLCommonsError as error:
                if not any(refusal in str(error) for refusal in _DEPLOY_AGAIN):
                    raise
                if _DUPLICATE in str(error):
                    if self.get_model(model_id).state != "DEPLOYING":
                        self.undeploy(model_id)
                logger.info("deploying model %s again: %s", model_id, error.what)
                return Poll(False, error.what)

        return wait_for(
            attempt,
            what=f"deploying model {model_id}",
            timeout=timeout,
            interval=1,
            fix="look at the model's tasks: POST _plugins/_ml/tasks/_search with "
            f'{{"query": {{"term": {{"model_id": "{model_id}"}}}}}}',
            progress=False,
        )

    def _deploy_once(self, model_id: str, *, timeout: float = 120) -> Model:
        reply = self._call(
            f"deploy model {model_id}", self._api.deploy_model, model_id=model_id
        )
        if "task_id" in reply:
            self.wait_for_task(reply["task_id"], timeout=timeout)
        return self.wait_for_model_state(model_id, {_DEPLOYED}, timeout=timeout)

    def undeploy(self, model_id: str, *, timeout: float = 60) -> Model:
        """Undeploy and wait until the model has left DEPLOYED."""
        self._call(
            f"undeploy model {model_id}",
            self._api.undeploy_model,
            model_id=model_id,
        )
        return self.wait_for_model_state(model_id, _UNDEPLOYED_STATES, timeout=timeout)

    def delete_model(self, model_id: str) -> None:
        self._call(
            f"delete model {model_id}", self._api.delete_model, model_id=model_id
        )

    def predict(
        self,
        model_id: str,
        prompt: str | None = None,
        *,
        parameters: Mapping[str, Any] | None = None,
    ) -> Prediction:
        """Ask the model; a ``prompt`` is carried safely whatever it contains.

        ``prompt`` becomes the ``inputs`` parameter through
        :func:`helpers.predict_parameters`, which makes quotes, backslashes and
        newlines survive the blueprint's JSON template. ``parameters`` are sent
        as they are, for blueprints with other placeholders.
        """
        merged: dict[str, Any] = dict(parameters or {})
        if prompt is not None:
            version = self.opensearch_version
            merged.update(predict_parameters(prompt, opensearch_version=version))
        reply = self._call(
            f"predict with model {model_id}",
            self._api.predict_model,
            model_id=model_id,
            body={"parameters": merged},
        )
        return Prediction.from_reply(reply)

    # -- tasks and waiting --------------------------------------------------

    def get_task(self, task_id: str) -> Task:
        reply = self._call(f"get task {task_id}", self._api.get_task, task_id=task_id)
        return Task.from_reply(task_id, reply)

    def wait_for_task(self, task_id: str, *, timeout: float = 60) -> Task:
        """Wait until the task is COMPLETED; a task that ended otherwise raises.

        A deploy task on several nodes ends COMPLETED_WITH_ERROR when some
        of them failed (the model is then PARTIALLY_DEPLOYED); that is an end
        too, and raises with each node's error.
        """

        def probe() -> Poll[Task]:
            task = self.get_task(task_id)
            if task.state in ("FAILED", "COMPLETED_WITH_ERROR"):
                raise task_failed(task.body)
            return Poll(task.state == "COMPLETED", f"task {task.state}", task)

        return wait_for(
            probe,
            what=f"ML Commons task {task_id}",
            timeout=timeout,
            fix=f"look at the task with GET _plugins/_ml/tasks/{task_id}",
        )

    def wait_for_model_state(
        self, model_id: str, states: set[str], *, timeout: float = 120
    ) -> Model:
        def probe() -> Poll[Model]:
            model = self.get_model(model_id)
            if model.state == "DEPLOY_FAILED" and model.state not in states:
                raise MLCommonsError(
                    f"model {model_id} failed to deploy (model_state DEPLOY_FAILED)",
                    f"read the node's log, then POST _plugins/_ml/models/{model_id}"
                    "/_deploy again",
                )
            return Poll(model.state in states, f"model_state {model.state}", model)

        return wait_for(
            probe,
            what=f"model {model_id} to reach {' or '.join(sorted(states))}",
            timeout=timeout,
            fix=f"look at the model with GET _plugins/_ml/models/{model_id}",
        )

    # -- plumbing -------------------------------------------------------------

    def _call(self, what: str, method: Callable[..., T], **kwargs: Any) -> T:
        """One ML Commons call, its error translated.

        Two refusals change nothing and pass, so the call is made again:

        - a version conflict: ML Commons updates a model's document from its
          own background jobs (deploy sync-up, auto-deploy) too;
        - "Fetching master key timed out": on a cluster that has just started,
          a node may still be loading ML Commons' master key when a connector
          is to be encrypted.
        """
        logger.info("%s", what)
        logger.debug("%s: %s", what, _redacted(kwargs.get("body")))

        def attempt() -> Poll[T]:
            try:
                return Poll(True, "done", method(**kwargs))
            except ConflictError as error:
                if "version conflict" not in str(error):
                    raise translate(error, model_id=kwargs.get("model_id")) from error
                return Poll(False, f"version conflict: {error.error}")
            except TransportError as error:
                if loading_master_key(error):
                    return Poll(False, "ML Commons is loading its master key")
                raise translate(error, model_id=kwargs.get("model_id")) from error

        try:
            return wait_for(
                attempt, what=what, timeout=60, interval=0.2, progress=False
            )
        except WaitTimeout as timeout:
            if timeout.last_state != "ML Commons is loading its master key":
                raise
            raise KitError(
                f"ML Commons did not load its master key within 60 s ({what})",
                f"wait until GET /{ML_CONFIG_INDEX} answers on every node, then "
                "try again; the node's log says why the key does not load",
            ) from timeout

    def _search(
        self,
        method: Callable[..., Any],
        terms: Mapping[str, str],
        *,
        chunks: bool = True,
    ) -> list[dict[str, Any]]:
        """Exact-match search; a missing ML index simply means nothing exists yet."""
        filters: list[dict[str, Any]] = [
            {"term": {key: value}} for key, value in terms.items()
        ]
        if not chunks:
            # Remote models have no chunks; this keeps local models' chunks out.
            filters.append(
                {"bool": {"must_not": {"exists": {"field": "chunk_number"}}}}
            )
        body = {"query": {"bool": {"filter": filters}}, "size": 100}
        try:
            reply = self._call(f"search {dict(terms)}", method, body=body)
        except KitError as error:
            if isinstance(error.__cause__, NotFoundError):
                return []
            raise
        hits: list[dict[str, Any]] = reply["hits"]["hits"]
        return hits


def _redacted(body: object) -> object:
    """A body fit for a DEBUG log: connector credentials never appear."""
    if isinstance(body, Mapping) and "credential" in body:
        return {**body, "credential": {key: "***" for key in body["credential"]}}
    return body
