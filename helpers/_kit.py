"""The kit's names, mode and credentials: what every notebook and command shares.

Resources carry a name prefix, so notebooks find what earlier notebooks made by
name and ``cleanup`` touches nothing else. In a workshop every attendee has their
own: the prefix comes from ``--attendee`` on the command line, else ``ATTENDEE``,
else ``KIT_PREFIX``, else ``kit``. An attendee id is made fit for a name first
("Ana López" becomes ``ana-lopez``); a prefix given as such must already be one.
The mode is ``offline`` (the local emulator, the default) or ``aws`` (real
Bedrock), from ``KIT_MODE``. Credentials never come from a notebook parameter:
offline they are the emulator's; on AWS botocore finds them (environment,
profile, SSO, instance role).
"""

from __future__ import annotations

import json
import logging
import os
import re
import unicodedata
from dataclasses import dataclass

from ._blueprints import CONVERSE_MODEL, TITAN_EMBEDDING_MODEL, AwsCredentials
from ._config import emulator_url
from ._errors import CredentialsError, KitError

__all__ = [
    "MODES",
    "TEST_MODELS",
    "KitNames",
    "attendee_prefix",
    "bedrock_endpoint",
    "bedrock_test_call",
    "kit_mode",
    "kit_names",
    "resolve_credentials",
]

logger = logging.getLogger(__name__)

MODES = ("offline", "aws")

# The model of the kit's test call in each mode: the emulator answers Titan
# embeddings at once; on AWS, Converse for one token costs least.
TEST_MODELS = {"offline": TITAN_EMBEDDING_MODEL, "aws": CONVERSE_MODEL}

_PREFIX = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class KitNames:
    """The names of everything the kit creates for one prefix."""

    prefix: str

    @property
    def model_group(self) -> str:
        return f"{self.prefix}-bedrock-models"

    @property
    def connector(self) -> str:
        return f"{self.prefix}-bedrock-jurassic2"

    @property
    def current_connector(self) -> str:
        return f"{self.prefix}-bedrock-claude"

    @property
    def model(self) -> str:
        return f"{self.prefix}-ai21.j2-mid-v1"

    @property
    def current_model(self) -> str:
        return f"{self.prefix}-claude"

    @property
    def every_name(self) -> tuple[str, ...]:
        """Every name the kit may create for this prefix."""
        return (
            self.model_group,
            self.connector,
            self.current_connector,
            self.model,
            self.current_model,
        )

    def owns(self, name: str) -> bool:
        """Whether ``name`` is one of this prefix's names.

        Exact names, not a ``startswith``: attendee ``ana`` must not claim
        ``ana-01-claude``, which belongs to attendee ``ana-01``.
        """
        return name in self.every_name


def kit_names(prefix: str | None = None, *, attendee: str | None = None) -> KitNames:
    """Names for ``prefix`` or ``attendee``; else ATTENDEE, KIT_PREFIX or ``kit``."""
    if prefix and attendee:
        raise KitError(
            f"both a prefix ({prefix!r}) and an attendee ({attendee!r}) were given",
            "give one of them: the attendee id becomes the prefix",
        )
    attendee = attendee or os.environ.get("ATTENDEE")
    if not prefix and attendee:
        prefix = attendee_prefix(attendee)
    prefix = prefix or os.environ.get("KIT_PREFIX") or "kit"
    if not _PREFIX.match(prefix):
        raise KitError(
            f"{prefix!r} cannot prefix resource names",
            "use lower-case letters, digits and dashes, at most 40, such as 'ana-01'",
        )
    return KitNames(prefix)


def attendee_prefix(attendee: str) -> str:
    """An attendee id as a name prefix: lower case, ASCII, runs of others as ``-``.

    Raises :class:`KitError` when nothing usable is left or the result is too
    long, rather than cutting it: two attendees cut to one name would collide.
    """
    ascii_text = (
        unicodedata.normalize("NFKD", attendee).encode("ascii", "ignore").decode()
    )
    prefix = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not _PREFIX.match(prefix):
        raise KitError(
            f"the attendee id {attendee!r} does not make a usable name prefix "
            f"({prefix!r})",
            "use letters, digits and dashes, at most 40, such as 'ana-01'",
        )
    return prefix


def kit_mode(mode: str | None = None) -> str:
    mode = (mode or os.environ.get("KIT_MODE") or "offline").lower()
    if mode not in MODES:
        raise KitError(
            f"{mode!r} is not a mode of the kit",
            "use KIT_MODE=offline (the local emulator) or KIT_MODE=aws",
        )
    return mode


def bedrock_endpoint(mode: str | None = None) -> str | None:
    """The Bedrock runtime the connector calls; ``None`` means AWS's regional URL."""
    if kit_mode(mode) == "offline":
        return emulator_url()
    return os.environ.get("BEDROCK_ENDPOINT") or None


def resolve_credentials(mode: str | None = None) -> AwsCredentials:
    """The keys a connector signs with, for the mode."""
    if kit_mode(mode) == "offline":
        from .emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

        return AwsCredentials(
            os.environ.get("BEDROCK_EMULATOR_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID),
            os.environ.get(
                "BEDROCK_EMULATOR_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY
            ),
        )
    import botocore.session  # type: ignore[import-untyped]

    found = botocore.session.Session().get_credentials()
    if found is None:
        raise CredentialsError(
            "no AWS credentials were found for KIT_MODE=aws",
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or "
            "enter them in the credentials form",
        )
    frozen = found.get_frozen_credentials()
    return AwsCredentials(frozen.access_key, frozen.secret_key, frozen.token)


def aws_region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get(
        "AWS_DEFAULT_REGION", "us-east-1"
    )


def bedrock_test_call(
    credentials: AwsCredentials, *, mode: str, region: str, endpoint: str | None
) -> str:
    """One signed call to Bedrock, as small as it allows; returns the model called.

    A single attempt: a retried throttle would hide what the caller should see.
    Bedrock's refusal comes as botocore's ``ClientError``, an unreachable
    endpoint as ``BotoCoreError``.
    """
    import boto3  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]

    # A session of its own: boto3's default one keeps the profile and files it
    # read first, and these keys are the ones to test.
    session = boto3.session.Session(
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.session_token,
        region_name=region,
    )
    config = Config(
        retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30
    )
    client = session.client("bedrock-runtime", endpoint_url=endpoint, config=config)
    model = TEST_MODELS[mode]
    where = endpoint or f"Bedrock in {region}"
    if mode == "offline":
        logger.info("InvokeModel %s on %s", model, where)
        client.invoke_model(modelId=model, body=json.dumps({"inputText": "ping"}))
    else:
        logger.info("Converse %s on %s", model, where)
        client.converse(
            modelId=model,
            messages=[{"role": "user", "content": [{"text": "Say ok."}]}],
            inferenceConfig={"maxTokens": 1},
        )
    return model
