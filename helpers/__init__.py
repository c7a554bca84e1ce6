"""The OpenSearch ML Commons + Amazon Bedrock tutorial kit.

``%load_ext helpers`` in a notebook adds the ``%%opensearch`` magic. Names are
imported on first use, so ``python -m helpers emulator`` and the node commands
need neither Jupyter nor ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from ._connection import (
        ML_CONFIG_INDEX,
        connect,
        default_client,
        wait_until_ready,
    )
    from ._console import (
        ConsoleRequest,
        fill_placeholders,
        parse_console,
    )
    from ._errors import (
        ConnectorHeld,
        ConsoleSyntaxError,
        CredentialsError,
        KitError,
        MLCommonsError,
        NodeError,
        WaitTimeout,
    )
    from ._forms import (
        CredentialsForm,
        PromptForm,
        StatusWidget,
    )
    from ._kit import (
        KitNames,
        aws_region,
        bedrock_endpoint,
        kit_mode,
        kit_names,
        resolve_credentials,
    )
    from ._magic import (
        load_ipython_extension,
        use_client,
    )
    from ._mlcommons import (
        Connector,
        MLCommons,
        Model,
        ModelGroup,
        Prediction,
        Task,
    )
    from ._settings import (
        apply_tutorial_settings,
        trusted_endpoint_pattern,
        tutorial_settings,
    )
    from ._translate import (
        task_failed,
        translate,
    )
    from ._wait import (
        Poll,
        wait_for,
    )

_HOMES = {
    "AwsCredentials": "helpers._blueprints",
    "CLAUDE_MODEL": "helpers._blueprints",
    "Connector": "helpers._mlcommons",
    "ConnectorAction": "helpers._blueprints",
    "ConnectorBlueprint": "helpers._blueprints",
    "ConnectorHeld": "helpers._errors",
    "ConsoleRequest": "helpers._console",
    "ConsoleSyntaxError": "helpers._errors",
    "CredentialsError": "helpers._errors",
    "CredentialsForm": "helpers._forms",
    "KitError": "helpers._errors",
    "KitNames": "helpers._kit",
    "MLCommons": "helpers._mlcommons",
    "MLCommonsError": "helpers._errors",
    "ML_CONFIG_INDEX": "helpers._connection",
    "Model": "helpers._mlcommons",
    "ModelGroup": "helpers._mlcommons",
    "NodeError": "helpers._errors",
    "Poll": "helpers._wait",
    "Prediction": "helpers._mlcommons",
    "PromptForm": "helpers._forms",
    "StatusWidget": "helpers._forms",
    "TITAN_EMBEDDING_MODEL": "helpers._blueprints",
    "Task": "helpers._mlcommons",
    "WaitTimeout": "helpers._errors",
    "apply_tutorial_settings": "helpers._settings",
    "aws_region": "helpers._kit",
    "bedrock_endpoint": "helpers._kit",
    "bedrock_runtime_url": "helpers._blueprints",
    "claude_messages_blueprint": "helpers._blueprints",
    "connect": "helpers._connection",
    "converse_blueprint": "helpers._blueprints",
    "default_client": "helpers._connection",
    "fill_placeholders": "helpers._console",
    "jurassic2_blueprint": "helpers._blueprints",
    "kit_mode": "helpers._kit",
    "kit_names": "helpers._kit",
    "load_ipython_extension": "helpers._magic",
    "parse_console": "helpers._console",
    "predict_parameters": "helpers._blueprints",
    "resolve_credentials": "helpers._kit",
    "task_failed": "helpers._translate",
    "titan_embedding_blueprint": "helpers._blueprints",
    "translate": "helpers._translate",
    "trusted_endpoint_pattern": "helpers._settings",
    "tutorial_settings": "helpers._settings",
    "use_client": "helpers._magic",
    "wait_for": "helpers._wait",
    "wait_until_ready": "helpers._connection",
}

__all__ = [
    "CLAUDE_MODEL",
    "ML_CONFIG_INDEX",
    "TITAN_EMBEDDING_MODEL",
    "AwsCredentials",
    "Connector",
    "ConnectorAction",
    "ConnectorBlueprint",
    "ConnectorHeld",
    "ConsoleRequest",
    "ConsoleSyntaxError",
    "CredentialsError",
    "CredentialsForm",
    "KitError",
    "KitNames",
    "MLCommons",
    "MLCommonsError",
    "Model",
    "ModelGroup",
    "NodeError",
    "Poll",
    "Prediction",
    "PromptForm",
    "StatusWidget",
    "Task",
    "WaitTimeout",
    "apply_tutorial_settings",
    "aws_region",
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
    "trusted_endpoint_pattern",
    "tutorial_settings",
    "use_client",
    "wait_for",
    "wait_until_ready",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
