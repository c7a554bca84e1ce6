"""The OpenSearch ML Commons + Amazon Bedrock tutorial kit."""

from __future__ import annotations

from ._errors import (
    ConsoleSyntaxError,
    CredentialsError,
    KitError,
    MLCommonsError,
    NodeError,
    WaitTimeout,
)
from ._wait import Poll, wait_for

__all__ = [
    "ConsoleSyntaxError",
    "CredentialsError",
    "MLCommonsError",
    "KitError",
    "NodeError",
    "Poll",
    "WaitTimeout",
    "wait_for",
]
