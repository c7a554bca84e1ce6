"""A local emulator of the Amazon Bedrock runtime, for learning without an account.

It answers the two runtime operations the kit uses, with SigV4 signatures
checked by botocore's own signer, so an OpenSearch ML Commons ``aws_sigv4``
connector or a boto3 ``bedrock-runtime`` client works against it unchanged
except for the endpoint URL:

* ``POST /model/{modelId}/invoke`` for AI21 Labs Jurassic-2 (``ai21.j2-mid-v1``,
  ``ai21.j2-ultra-v1``), Anthropic Claude through the Messages API, and Amazon
  Titan text embeddings (v1, and v2 with 256/512/1024 dimensions);
* ``POST /model/{modelId}/converse`` for the text models.

Answers are deterministic: the same request always gets the same readable
answer, derived from the prompt. Token limits and stop sequences are honoured
with honest token counts, and errors come in Bedrock's wire format with AWS's
own messages.

The admin API under ``/_emulator/`` needs no signature (it shares the loopback
listener, so only this machine can reach it):

* ``GET /_emulator/health`` → ``{"status": "ok"}``
* ``GET /_emulator/models`` → the catalogue
* ``GET | PUT | DELETE /_emulator/faults`` → fault rules, e.g. PUT
  ``{"model": "ai21.j2-mid-v1", "fault": "throttle", "count": 2}``
* ``GET | DELETE /_emulator/requests?limit=N`` → the recent request log

A single call can also be steered with the headers ``x-emulator-fault``,
``x-emulator-latency-ms`` and ``x-emulator-aws-faithful``. Credentials and the
AWS-faithful switch come from ``BEDROCK_EMULATOR_*`` environment variables; see
:mod:`helpers.emulator.config`.

Start it with ``python -m helpers emulator`` or, from Python::

    with EmulatorServer(port=0) as emulator:
        print(emulator.url)
"""

from __future__ import annotations

from .config import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY, EmulatorConfig
from .exceptions import BedrockError, EmulatorError, PortInUseError
from .server import EmulatorServer

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "BedrockError",
    "EmulatorConfig",
    "EmulatorError",
    "EmulatorServer",
    "PortInUseError",
]
