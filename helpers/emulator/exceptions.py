"""Bedrock runtime errors, in the wire format the AWS SDKs parse.

The Bedrock runtime speaks AWS's REST-JSON protocol. An error travels as an HTTP
status, an ``x-amzn-ErrorType`` header holding the error code followed by a colon
and a namespace URL, and a JSON body whose ``message`` (or ``Message``) is the
sentence. botocore takes the code from that header, up to the colon, so
``ClientError.response["Error"]["Code"]`` is the bare code.

Errors raised by the AWS front door (authentication) carry the Coral service
namespace; errors raised by Bedrock itself carry Bedrock's. Messages are the ones
AWS sends, so a learner who meets one here recognises it later on AWS.
"""

from __future__ import annotations

import json
from typing import ClassVar

from .._errors import KitError

__all__ = [
    "AccessDeniedException",
    "BedrockError",
    "EmulatorError",
    "ExpiredTokenException",
    "IncompleteSignatureException",
    "InternalServerException",
    "InvalidSignatureException",
    "MissingAuthorizationHeader",
    "PortInUseError",
    "ResourceNotFoundException",
    "ServiceUnavailableException",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationException",
]

BEDROCK_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.bedrock/"
CORAL_NAMESPACE = "http://internal.amazon.com/coral/com.amazon.coral.service/"

END_OF_LIFE_MESSAGE = (
    "This model version has reached the end of its life. "
    "Please refer to the AWS documentation for more details."
)


class EmulatorError(KitError):
    """The emulator itself could not do its job (bind a port, read its settings)."""


class PortInUseError(EmulatorError):
    """The port the emulator was asked to listen on is held by another process."""


class BedrockError(KitError):
    """An error the emulator answers with, as the Bedrock runtime would.

    ``code`` and ``status`` are AWS's; ``message`` is the sentence sent to the
    client and the text of ``str(error)``.
    """

    code: ClassVar[str] = "InternalServerException"
    status: ClassVar[int] = 500
    namespace: ClassVar[str] = BEDROCK_NAMESPACE
    message_key: ClassVar[str] = "message"
    default_message: ClassVar[str] = (
        "The system encountered an unexpected error during processing. "
        "Try your request again."
    )

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)

    def wire_headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "x-amzn-ErrorType": f"{self.code}:{self.namespace}",
        }

    def wire_body(self) -> bytes:
        return json.dumps({self.message_key: self.message}).encode()


class ValidationException(BedrockError):
    code = "ValidationException"
    status = 400
    default_message = (
        "Malformed input request, please reformat your input and try again."
    )


class ResourceNotFoundException(BedrockError):
    code = "ResourceNotFoundException"
    status = 404
    default_message = (
        "Could not resolve the foundation model from the provided model identifier."
    )


class AccessDeniedException(BedrockError):
    code = "AccessDeniedException"
    status = 403
    default_message = "You don't have access to the model with the specified model ID."


class ThrottlingException(BedrockError):
    code = "ThrottlingException"
    status = 429
    default_message = "Too many requests, please wait before trying again."


class InternalServerException(BedrockError):
    code = "InternalServerException"
    status = 500


class ServiceUnavailableException(BedrockError):
    code = "ServiceUnavailableException"
    status = 503
    default_message = "Bedrock is unable to process your request."


class UnknownOperationException(BedrockError):
    code = "UnknownOperationException"
    status = 404
    namespace = CORAL_NAMESPACE


class MissingAuthorizationHeader(AccessDeniedException):
    """No ``Authorization`` header at all: the front door answers before Bedrock."""

    namespace = CORAL_NAMESPACE
    message_key = "Message"
    default_message = "Authorization header is missing"


class UnrecognizedClientException(BedrockError):
    code = "UnrecognizedClientException"
    status = 403
    namespace = CORAL_NAMESPACE
    default_message = "The security token included in the request is invalid."


class InvalidSignatureException(BedrockError):
    code = "InvalidSignatureException"
    status = 403
    namespace = CORAL_NAMESPACE
    default_message = (
        "The request signature we calculated does not match the signature you "
        "provided. Check your AWS Secret Access Key and signing method. Consult "
        "the service documentation for details."
    )


class IncompleteSignatureException(BedrockError):
    code = "IncompleteSignatureException"
    status = 403
    namespace = CORAL_NAMESPACE


class ExpiredTokenException(BedrockError):
    code = "ExpiredTokenException"
    status = 403
    namespace = CORAL_NAMESPACE
    default_message = "The security token included in the request is expired"
