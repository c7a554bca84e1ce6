"""The kit's names, mode and credentials: what every notebook and command shares.

Resources carry a name prefix (``KIT_PREFIX``, default ``kit``), so notebooks find
what earlier notebooks made by name and ``cleanup`` touches nothing else.
The mode is ``offline`` (the local emulator, the default) or ``aws`` (real
Bedrock), from ``KIT_MODE``. Credentials never come from a notebook parameter:
offline they are the emulator's; on AWS botocore finds them (environment,
profile, SSO, instance role).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ._blueprints import AwsCredentials
from ._config import emulator_url
from ._errors import CredentialsError, KitError

__all__ = [
    "KitNames",
    "MODES",
    "bedrock_endpoint",
    "kit_mode",
    "kit_names",
    "resolve_credentials",
]

MODES = ("offline", "aws")

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

    def owns(self, name: str) -> bool:
        return name.startswith(f"{self.prefix}-")


def kit_names(prefix: str | None = None) -> KitNames:
    """Names for ``prefix``, else ``KIT_PREFIX``, else ``kit``."""
    prefix = prefix or os.environ.get("KIT_PREFIX") or "kit"
    if not _PREFIX.match(prefix):
        raise KitError(
            f"{prefix!r} cannot prefix resource names",
            "use lower-case letters, digits and dashes, at most 40, such as 'ana-01'",
        )
    return KitNames(prefix)


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
    import botocore.session

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
