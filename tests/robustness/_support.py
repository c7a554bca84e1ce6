"""What the robustness tests share: the tutorial's model and a count of it."""

from __future__ import annotations

from dataclasses import dataclass

from kit_support import register_remote_model
from opensearchpy import OpenSearch

from helpers._blueprints import AwsCredentials, jurassic2_blueprint
from helpers._flow import inventory
from helpers._kit import KitNames, resolve_credentials
from helpers._mlcommons import MLCommons, Model

J2_MID = "ai21.j2-mid-v1"
QUESTION = "What is the meaning of life?"


def jurassic2_model(
    ml: MLCommons,
    names: KitNames,
    endpoint: str,
    credentials: AwsCredentials | None = None,
) -> Model:
    """The tutorial's Jurassic-2 model without post-processing, deployed.

    Without the post-process script predict returns Bedrock's whole reply, so
    ``data["prompt"]["text"]`` shows the prompt exactly as the model received it.
    """
    blueprint = jurassic2_blueprint(
        credentials or resolve_credentials(), endpoint=endpoint
    )
    return ml.deploy(register_remote_model(ml, names, blueprint).id)


@dataclass(frozen=True)
class Counts:
    """How many of each thing the kit made under one prefix."""

    groups: int
    connectors: int
    models: int
    deployed: int


def counts(client: OpenSearch, names: KitNames) -> Counts:
    found = inventory(client, names)
    return Counts(
        groups=int(found.group is not None),
        connectors=len(found.connectors),
        models=len(found.models),
        deployed=sum(model.state == "DEPLOYED" for model in found.models),
    )


def answers_normally(ml: MLCommons, model_id: str) -> bool:
    """Whether the model still answers the tutorial's question, prompt intact."""
    reply = ml.predict(model_id, QUESTION)
    return bool(reply.data["prompt"]["text"] == QUESTION and reply.text)
