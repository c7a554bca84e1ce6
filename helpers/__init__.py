"""The OpenSearch ML Commons + Amazon Bedrock tutorial kit."""

from __future__ import annotations

from ._errors import KitError, NodeError, WaitTimeout
from ._wait import Poll, wait_for

__all__ = [
    "KitError",
    "NodeError",
    "Poll",
    "WaitTimeout",
    "wait_for",
]
