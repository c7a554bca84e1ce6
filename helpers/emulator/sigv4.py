"""Verify AWS Signature Version 4 on a received request, with botocore's signer.

The emulator does not re-implement SigV4. It rebuilds the request as botocore
would have seen it before sending, hands it to :class:`botocore.auth.SigV4Auth`,
and asks for the canonical request, the string to sign and the signature, then
compares signatures in constant time. Two details make that recomputation match
what the client signed:

* Only the headers named in ``SignedHeaders`` go into the canonical request,
  whatever botocore would choose to sign itself, because the client decides.
* The path is taken exactly as it arrived. SigV4 for every service but S3
  URI-encodes the path once more when building the canonical request, which is
  what botocore does to the path it is given: boto3 sends ``v1%3A0`` and signs
  ``v1%253A0``; the AWS SDK for Java, used by ML Commons, sends ``v1:0`` and
  signs ``v1%3A0``. Re-encoding the received path reproduces either.

The checks run in this order: the form of the header, the credential scope,
the access key, the session token, the clock, the payload hash, and last the
signature itself, so the most specific explanation wins.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.compat import HTTPHeaders  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from .config import EmulatorConfig
from .exceptions import (
    ExpiredTokenException,
    IncompleteSignatureException,
    InvalidSignatureException,
    MissingAuthorizationHeader,
    UnrecognizedClientException,
)
from .wire import ReceivedRequest

__all__ = ["Authorization", "SigV4Verifier", "parse_authorization"]

logger = logging.getLogger(__name__)

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "bedrock"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 ...`` header."""

    access_key_id: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization:
    """Split the header into its parts, or say which parts are missing."""
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(
            f"Unsupported AWS 'algorithm': '{algorithm}'. This endpoint accepts "
            f"'{ALGORITHM}' signatures only."
        )
    parts = {}
    for item in rest.split(","):
        key, _, part = item.strip().partition("=")
        parts[key] = part
    missing = [
        k for k in ("Credential", "Signature", "SignedHeaders") if not parts.get(k)
    ]
    if missing:
        raise IncompleteSignatureException(
            " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
        )
    scope = parts["Credential"].split("/")
    if len(scope) != 5:
        raise IncompleteSignatureException(
            f"Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{parts['Credential']}'"
        )
    return Authorization(
        access_key_id=scope[0],
        date=scope[1],
        region=scope[2],
        service=scope[3],
        terminator=scope[4],
        signed_headers=tuple(parts["SignedHeaders"].split(";")),
        signature=parts["Signature"],
    )


class _SignerForReceivedRequest(SigV4Auth):  # type: ignore[misc]
    """botocore's SigV4 signer, told which headers the client chose to sign."""

    def __init__(
        self, credentials: Credentials, region: str, signed_headers: Sequence[str]
    ) -> None:
        super().__init__(credentials, SERVICE, region)
        self._signed_headers = signed_headers

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed_headers:
            for value in request.headers.get_all(name) or []:
                chosen[name] = value
        return chosen


class SigV4Verifier:
    """Checks each request's signature against the configured key pair."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._config = config

    def verify(self, request: ReceivedRequest) -> Authorization:
        """The request's authorization when it checks out; a BedrockError if not."""
        header = request.header("Authorization")
        if not header:
            raise MissingAuthorizationHeader()
        auth = parse_authorization(header)
        amz_date = self._signed_time(request, auth)
        self._check_scope(auth, amz_date)
        self._check_identity(request, auth)
        self._check_clock(amz_date)
        self._check_payload_hash(request)
        self._check_signature(request, auth, amz_date)
        return auth

    def _signed_time(self, request: ReceivedRequest, auth: Authorization) -> str:
        amz_date = request.header("X-Amz-Date")
        if amz_date is None:
            raise IncompleteSignatureException(
                "Authorization header requires existence of either a 'X-Amz-Date' "
                "or a 'Date' header. This endpoint requires 'X-Amz-Date'."
            )
        for required, shown in (("host", "Host"), ("x-amz-date", "X-Amz-Date")):
            if required not in auth.signed_headers:
                raise InvalidSignatureException(
                    f"'{shown}' must be a 'SignedHeader' in the AWS Authorization."
                )
        try:
            datetime.strptime(amz_date, _AMZ_DATE)
        except ValueError:
            raise IncompleteSignatureException(
                f"X-Amz-Date must be in the ISO-8601 basic format "
                f"yyyyMMdd'T'HHmmss'Z', got '{amz_date}'."
            ) from None
        return amz_date

    def _check_scope(self, auth: Authorization, amz_date: str) -> None:
        if auth.service != SERVICE:
            raise InvalidSignatureException(
                f"Credential should be scoped to correct service: '{SERVICE}'."
            )
        if auth.terminator != "aws4_request":
            raise InvalidSignatureException(
                "Credential should be scoped with a valid terminator: "
                f"'aws4_request', not '{auth.terminator}'."
            )
        if not auth.region:
            raise InvalidSignatureException(
                "Credential should be scoped to a valid region."
            )
        if auth.date != amz_date[:8]:
            raise InvalidSignatureException(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                f"version of date from HTTP: '{auth.date}' != '{amz_date[:8]}', "
                f"from '{amz_date}'."
            )

    def _check_identity(self, request: ReceivedRequest, auth: Authorization) -> None:
        if not _same(auth.access_key_id, self._config.access_key_id):
            raise UnrecognizedClientException()
        token = request.header("X-Amz-Security-Token")
        if token is not None and token in self._config.expired_tokens:
            raise ExpiredTokenException()
        wanted = self._config.session_token
        if wanted is not None and not _same(token or "", wanted):
            raise UnrecognizedClientException()

    def _check_clock(self, amz_date: str) -> None:
        signed_at = datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=timezone.utc)
        now = self._config.clock()
        skew = self._config.max_clock_skew
        minutes = f"{skew.total_seconds() / 60:g} min."
        if signed_at < now - skew:
            raise InvalidSignatureException(
                f"Signature expired: {amz_date} is now earlier than "
                f"{_stamp(now - skew)} ({_stamp(now)} - {minutes})"
            )
        if signed_at > now + skew:
            raise InvalidSignatureException(
                f"Signature not yet current: {amz_date} is still later than "
                f"{_stamp(now + skew)} ({_stamp(now)} + {minutes})"
            )

    def _check_payload_hash(self, request: ReceivedRequest) -> None:
        claimed = request.header("X-Amz-Content-SHA256")
        if claimed is not None and claimed != hashlib.sha256(request.body).hexdigest():
            raise InvalidSignatureException(
                "The provided 'x-amz-content-sha256' header does not match what "
                "was computed."
            )

    def _check_signature(
        self, request: ReceivedRequest, auth: Authorization, amz_date: str
    ) -> None:
        rebuilt = self._as_botocore_request(request, amz_date)
        token = request.header("X-Amz-Security-Token")
        credentials = Credentials(
            self._config.access_key_id, self._config.secret_access_key, token
        )
        signer = _SignerForReceivedRequest(
            credentials, auth.region, auth.signed_headers
        )
        canonical_request = signer.canonical_request(rebuilt)
        string_to_sign = signer.string_to_sign(rebuilt, canonical_request)
        if logger.isEnabledFor(logging.DEBUG):
            # The canonical request holds the session token in clear: hide it.
            shown = canonical_request.replace(token, "<redacted>") if token else None
            logger.debug("canonical request:\n%s", shown or canonical_request)
            logger.debug("string to sign:\n%s", string_to_sign)
        expected = signer.signature(string_to_sign, rebuilt)
        if not _same(expected, auth.signature):
            raise InvalidSignatureException()

    @staticmethod
    def _as_botocore_request(request: ReceivedRequest, amz_date: str) -> AWSRequest:
        host = request.header("Host") or ""
        # Plain http, so botocore hashes the body for the payload line, exactly
        # as it does when it signs a request to an http endpoint.
        rebuilt = AWSRequest(
            method=request.method,
            url=f"http://{host}{request.target}",
            data=request.body,
        )
        rebuilt.headers = HTTPHeaders()
        for name, value in request.headers:
            rebuilt.headers[name] = value
        rebuilt.context["timestamp"] = amz_date
        return rebuilt


def _same(received: str, expected: str) -> bool:
    """Constant-time equality that also copes with non-ASCII header values."""
    return hmac.compare_digest(received.encode(), expected.encode())


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(_AMZ_DATE)
