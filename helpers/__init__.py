"""The OpenSearch ML Commons + Amazon Bedrock tutorial kit.

``%load_ext helpers`` in a notebook adds the ``%%opensearch`` magic.
"""

from __future__ import annotations

from ._blueprints import (
    CLAUDE_MODEL,
    TITAN_EMBEDDING_MODEL,
    AwsCredentials,
    ConnectorAction,
    ConnectorBlueprint,
    bedrock_runtime_url,
    claude_messages_blueprint,
    converse_blueprint,
    jurassic2_blueprint,
    predict_parameters,
    titan_embedding_blueprint,
)
from ._connection import connect, default_client, wait_until_ready
from ._console import ConsoleRequest, fill_placeholders, parse_console
from ._errors import (
    ConsoleSyntaxError,
    CredentialsError,
    KitError,
    MLCommonsError,
    NodeError,
    WaitTimeout,
)
from ._kit import KitNames, bedrock_endpoint, kit_mode, kit_names, resolve_credentials
from ._magic import load_ipython_extension, use_client
from ._mlcommons import Connector, MLCommons, Model, ModelGroup, Prediction, Task
from ._settings import apply_tutorial_settings, tutorial_settings
from ._translate import task_failed, translate
from ._wait import Poll, wait_for

__all__ = [
    "CLAUDE_MODEL",
    "TITAN_EMBEDDING_MODEL",
    "AwsCredentials",
    "Connector",
    "ConnectorAction",
    "ConnectorBlueprint",
    "ConsoleRequest",
    "ConsoleSyntaxError",
    "CredentialsError",
    "KitError",
    "KitNames",
    "MLCommons",
    "MLCommonsError",
    "Model",
    "ModelGroup",
    "NodeError",
    "Poll",
    "Prediction",
    "Task",
    "WaitTimeout",
    "apply_tutorial_settings",
    "bedrock_endpoint",
    "bedrock_runtime_url",
    "claude_messages_blueprint",
    "connect",
    "converse_blueprint",
    "default_client",
    "fill_placeholders",
    "jurassic2_blueprint",
    "kit_mode",
    "kit_names",
    "load_ipython_extension",
    "parse_console",
    "predict_parameters",
    "resolve_credentials",
    "task_failed",
    "titan_embedding_blueprint",
    "translate",
    "tutorial_settings",
    "use_client",
    "wait_for",
    "wait_until_ready",
]
