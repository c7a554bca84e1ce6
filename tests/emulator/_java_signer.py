"""Requests signed the way the AWS SDK for Java v2 signs them for ML Commons.

ML Commons' ``aws_sigv4`` connectors sign with the SDK's ``Aws4Signer``: it adds
``Host`` (with the port when it is not 80/443) and ``X-Amz-Date``, signs every
header present (``content-type`` from the connector, the session token when
there is one), and builds the canonical URI by URI-encoding each segment of the
path *as it goes on the wire*, which for Bedrock means a second encoding.

This signer is written from the SigV4 specification without botocore, so the
tests compare two independent implementations rather than botocore with itself.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class SentResponse:
    status: int
    headers: dict[str, str]
    body: bytes


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def java_canonical_uri(wire_path: str) -> str:
    """Each segment of the wire path URI-encoded again (``%3A`` -> ``%253A``)."""
    return "/".join(quote(segment, safe="-_.~") for segment in wire_path.split("/"))


def signed_headers_like_java(
    *,
    method: str,
    url: str,
    body: bytes,
    access_key: str,
    secret_key: str,
    region: str = "us-east-1",
    session_token: str | None = None,
    content_sha256: bool = False,
    double_encode: bool = True,
    now: datetime | None = None,
) -> dict[str, str]:
    """The headers an Aws4Signer would send for this request, Authorization included.

    ``double_encode=False`` signs the wire path as it is, as S3 signers do, which
    Bedrock (like every other service) must refuse.
    """
    parts = urlsplit(url)
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    payload_hash = hashlib.sha256(body).hexdigest()
    headers = {
        "Host": parts.netloc,
        "X-Amz-Date": moment,
        "content-type": "application/json",
    }
    if session_token is not None:
        headers["X-Amz-Security-Token"] = session_token
    if content_sha256:
        headers["x-amz-content-sha256"] = payload_hash

    names = sorted(name.lower() for name in headers)
    by_name = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    canonical_request = "\n".join(
        [
            method,
            java_canonical_uri(parts.path) if double_encode else parts.path,
            parts.query,
            "".join(f"{name}:{by_name[name]}\n" for name in names),
            ";".join(names),
            payload_hash,
        ]
    )
    scope = f"{moment[:8]}/{region}/bedrock/aws4_request"
    string_to_sign = "\n".join(
        [
            "AWS4-HMAC-SHA256",
            moment,
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(f"AWS4{secret_key}".encode(), moment[:8])
    for step in (region, "bedrock", "aws4_request"):
        key = _hmac(key, step)
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def send(
    method: str,
    url: str,
    headers: dict[str, str],
    body: bytes = b"",
    *,
    chunked: bool = False,
) -> SentResponse:
    """Send the request with the path exactly as given (no re-encoding)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if chunked:
            connection.putheader("Transfer-Encoding", "chunked")
            connection.endheaders()
            for start in range(0, len(body), 7):
                piece = body[start : start + 7]
                connection.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            connection.send(b"0\r\n\r\n")
        else:
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
        response = connection.getresponse()
        return SentResponse(
            response.status, dict(response.getheaders()), response.read()
        )
    finally:
        connection.close()
