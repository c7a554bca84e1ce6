"""What the emulator accepts: one credential pair, token rules, faithfulness.

Everything can come from the environment, so a notebook, the CLI and the test
suite configure the emulator the same way:

``BEDROCK_EMULATOR_ACCESS_KEY_ID`` / ``BEDROCK_EMULATOR_SECRET_ACCESS_KEY``
    The only key pair whose signatures verify. Defaults to the example pair from
    the AWS documentation, which no real account uses.
``BEDROCK_EMULATOR_SESSION_TOKEN``
    When set, a request must carry exactly this ``X-Amz-Security-Token``. When
    unset, any session token is accepted with the right key pair.
``BEDROCK_EMULATOR_EXPIRED_TOKENS``
    Comma-separated session tokens answered with ``ExpiredTokenException``, to
    rehearse what happens when temporary credentials run out.
``BEDROCK_EMULATOR_AWS_FAITHFUL``
    ``1`` makes the emulator refuse models AWS has retired (Jurassic-2) the way
    AWS does today.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

__all__ = [
    "DEFAULT_ACCESS_KEY_ID",
    "DEFAULT_SECRET_ACCESS_KEY",
    "EmulatorConfig",
]

# The example pair printed throughout the AWS documentation: recognisable, public
# and never valid on AWS, so a notebook that leaks it leaks nothing.
DEFAULT_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
DEFAULT_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

_TRUE = {"1", "true", "yes", "on"}


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class EmulatorConfig:
    """The emulator's settings; build one with :meth:`from_env` or directly."""

    access_key_id: str = DEFAULT_ACCESS_KEY_ID
    secret_access_key: str = field(default=DEFAULT_SECRET_ACCESS_KEY, repr=False)
    session_token: str | None = field(default=None, repr=False)
    expired_tokens: frozenset[str] = field(default=frozenset(), repr=False)
    aws_faithful: bool = False
    # AWS rejects a signature whose X-Amz-Date is more than five minutes away
    # from its own clock, in either direction.
    max_clock_skew: timedelta = timedelta(minutes=5)
    request_log_size: int = 500
    clock: Callable[[], datetime] = field(default=_utc_now, repr=False)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        aws_faithful: bool | None = None,
    ) -> EmulatorConfig:
        """Settings from ``BEDROCK_EMULATOR_*`` variables; arguments win over them."""
        env = os.environ if environ is None else environ
        expired = env.get("BEDROCK_EMULATOR_EXPIRED_TOKENS", "")
        faithful = env.get("BEDROCK_EMULATOR_AWS_FAITHFUL", "").strip().lower()
        return cls(
            access_key_id=env.get(
                "BEDROCK_EMULATOR_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID
            ),
            secret_access_key=env.get(
                "BEDROCK_EMULATOR_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY
            ),
            session_token=env.get("BEDROCK_EMULATOR_SESSION_TOKEN") or None,
            expired_tokens=frozenset(
                t.strip() for t in expired.split(",") if t.strip()
            ),
            aws_faithful=faithful in _TRUE if aws_faithful is None else aws_faithful,
        )
