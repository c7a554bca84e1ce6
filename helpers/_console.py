"""Dev Tools console text, as the tutorial writes it, parsed into requests.

The OpenSearch Dashboards console accepts more than JSON: a request line
(``METHOD path``) followed by a body, ``#`` and ``//`` comments, bodies made of
several JSON documents one per line (``_bulk``), and ``\"\"\"triple-quoted\"\"\"``
strings whose text is taken verbatim, newlines included. :func:`parse_console`
turns such text into :class:`ConsoleRequest` objects; every syntax error names
the line of the text, shows it, and says how to mend it.

:func:`fill_placeholders` fills ``{name}`` placeholders from a namespace first,
so notebooks can refer to ids kept in Python variables instead of copying them.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from urllib.parse import parse_qsl, urlsplit

from ._errors import ConsoleSyntaxError

__all__ = ["METHODS", "ConsoleRequest", "fill_placeholders", "parse_console"]

METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD")

_EXAMPLE = "a request starts with a method and a path, such as `GET _cluster/health`"

# A request line: a word, a path, then at most a comment. The word is checked
# against METHODS afterwards so that a misspelt method gets its own message.
_REQUEST_LINE = re.compile(r"^\s*(?P<word>[A-Za-z]+)(?:\s+(?P<path>\S+))?(?P<rest>.*)$")
_TRAILING_COMMENT = re.compile(r"^\s*(?:(?:#|//).*)?$")
# What a line that is meant as a request with an unknown method looks like:
# an upper-case word and a path. JSON body lines never start like this.
_UNKNOWN_METHOD_LINE = re.compile(r"^\s*[A-Z]{3,8}\s+[/_A-Za-z.]")

_PLACEHOLDER = re.compile(
    r"\{\{(?P<escaped>[A-Za-z_]\w*)\}\}|(?<!\$)\{(?P<name>[A-Za-z_]\w*)\}"
)


@dataclass(frozen=True)
class ConsoleRequest:
    """One request of console text.

    ``body`` is the decoded JSON body, or ``None`` without one. When the body is
    several JSON documents (``_bulk``, ``_msearch``), ``ndjson`` is true and
    ``body`` is the list of documents. ``line`` is the 1-based line of the
    request line in the text it came from.
    """

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    body: object = None
    line: int = 1
    ndjson: bool = False

    def payload(self) -> object:
        """What goes on the wire: the body, or newline-delimited JSON text."""
        if not self.ndjson:
            return self.body
        documents = self.body if isinstance(self.body, list) else [self.body]
        return "".join(json.dumps(document) + "\n" for document in documents)


def parse_console(text: str, *, first_line: int = 1) -> list[ConsoleRequest]:
    """Parse console text into its requests, in order.

    ``first_line`` is the number the text's first line has where the reader
    sees it (2 for the body of a ``%%opensearch`` cell), so that errors name
    the line the reader sees. Raises :class:`~helpers.ConsoleSyntaxError`.
    """
    source = _Source(text, first_line)
    requests: list[ConsoleRequest] = []
    for start, end in _request_spans(source):
        requests.append(_parse_request(source, start, end))
    return requests


def fill_placeholders(
    text: str, namespace: Mapping[str, object], *, first_line: int = 1
) -> str:
    """Replace each ``{name}`` in ``text`` with the variable ``name``.

    Only simple names are placeholders, so JSON braces are left alone. A string
    value goes in as it is; any other value goes in as compact JSON, so
    ``{"k": {count}}`` stays valid. ``{{name}}`` gives a literal ``{name}``
    (write ``{{{q}}}`` for a Mustache ``{{q}}``), and ``${name}`` is left for
    ML Commons, whose own templates use that form. A name the namespace lacks
    raises :class:`~helpers.ConsoleSyntaxError` naming its line.
    """
    lines = text.split("\n")
    filled = [
        _fill_line(line, namespace, first_line + index)
        for index, line in enumerate(lines)
    ]
    return "\n".join(filled)


def _fill_line(line: str, namespace: Mapping[str, object], number: int) -> str:
    return _PLACEHOLDER.sub(
        lambda match: _placeholder_value(match, namespace, line, number), line
    )


def _placeholder_value(
    match: re.Match[str], namespace: Mapping[str, object], line: str, number: int
) -> str:
    if match["escaped"] is not None:
        return "{" + match["escaped"] + "}"

    name = match["name"]
    if name not in namespace:
        raise _error(
            f"`{{{name}}}` names no variable of this notebook",
            f"set `{name} = ...` in a cell above, or write `{{{{{name}}}}}` "
            f"for a literal `{{{name}}}`",
            line,
            number,
            match.start() + 1,
        )
    value = namespace[name]
    try:
        filled = value if isinstance(value, str) else json.dumps(value)
    except TypeError:
        raise _error(
            f"`{{{name}}}` holds a value of type {type(value).__name__}, which has "
            "no JSON form",
            f"give `{name}` a string, number, list or dict",
            line,
            number,
            match.start() + 1,
        ) from None
    if "\n" in filled:
        raise _error(
            f"`{{{name}}}` holds several lines, which would shift the request",
            f"keep `{name}` on one line, e.g. `json.dumps(...)` of its value",
            line,
            number,
            match.start() + 1,
        )
    return filled


class _Source:
    """The text split into lines, with their offsets, for error messages."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self.first_line = first_line
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def number(self, index: int) -> int:
        return self.first_line + index

    def position(self, offset: int) -> tuple[int, int]:
        """The 0-based line index and 1-based column of an offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index, offset - self.starts[index] + 1

    def error(
        self, problem: str, fix: str, index: int, column: int | None = None
    ) -> ConsoleSyntaxError:
        return _error(problem, fix, self.lines[index], self.number(index), column)


def _error(
    problem: str, fix: str, line: str, number: int, column: int | None = None
) -> ConsoleSyntaxError:
    where = f"Line {number}" if column is None else f"Line {number}, column {column}"
    gutter = f"  {number} | "
    excerpt = gutter + line
    if column is not None:
        excerpt += "\n" + " " * (len(gutter) - 2) + "| " + " " * (column - 1) + "^"
    return ConsoleSyntaxError(f"{where}: {problem}\n{excerpt}", fix, line=number)


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(("#", "//"))


def _request_spans(source: _Source) -> list[tuple[int, int]]:
    """Line index ranges ``[start, end)``, each a request line and its body."""
    starts: list[int] = []
    in_triple_quotes = False
    for index, line in enumerate(source.lines):
        if not in_triple_quotes:
            if _starts_request(line):
                starts.append(index)
            elif not starts and not _is_comment_or_blank(line):
                raise source.error("this line is not a request", _EXAMPLE, index)
        # Lines inside a triple-quoted string are text, whatever they say.
        if line.count('"""') % 2 == 1:
            in_triple_quotes = not in_triple_quotes
    # Each request's body runs up to the next request line, the last one's to the end.
    return list(pairwise([*starts, len(source.lines)])) if starts else []


def _starts_request(line: str) -> bool:
    match = _REQUEST_LINE.match(line)
    if match is None:
        return False
    return match["word"].upper() in METHODS or bool(_UNKNOWN_METHOD_LINE.match(line))


def _parse_request(source: _Source, start: int, end: int) -> ConsoleRequest:
    method, path, params = _parse_request_line(source, start)
    body_offset = source.starts[start + 1] if start + 1 < len(source.lines) else None
    documents: list[object] = []
    if body_offset is not None:
        body_end = source.starts[end] - 1 if end < len(source.lines) else None
        documents = _parse_body(source, body_offset, body_end, f"{method} {path}")
    if len(documents) > 1:
        return ConsoleRequest(
            method, path, params, documents, source.number(start), ndjson=True
        )
    body = documents[0] if documents else None
    return ConsoleRequest(method, path, params, body, source.number(start))


def _parse_request_line(source: _Source, index: int) -> tuple[str, str, dict[str, str]]:
    match = _REQUEST_LINE.match(source.lines[index])
    assert match is not None  # _request_spans only yields lines that match
    word, target, rest = match["word"], match["path"], match["rest"]

    if word.upper() not in METHODS:
        raise source.error(
            f"{word} is not a method the console sends",
            f"use one of {', '.join(METHODS)}; {_EXAMPLE}",
            index,
        )
    if target is None or target.startswith(("#", "//")):
        raise source.error(f"{word.upper()} has no path", _EXAMPLE, index)
    if not _TRAILING_COMMENT.match(rest):
        raise source.error(
            "unexpected text after the path",
            "put the body on the lines below the request line; a comment "
            "after the path starts with `#` or `//`",
            index,
            match.start("rest") + len(rest) - len(rest.lstrip()) + 1,
        )

    url = urlsplit(target)
    path = url.path if url.path.startswith("/") else "/" + url.path
    # A repeated parameter keeps its last value, as OpenSearch itself does.
    params = dict(parse_qsl(url.query, keep_blank_values=True))
    return word.upper(), path, params


def _parse_body(
    source: _Source, start: int, end: int | None, request: str
) -> list[object]:
    """The JSON documents of a body that spans ``source.text[start:end]``."""
    json_text, origins = _to_json(source, start, end)
    decoder = json.JSONDecoder()
    documents: list[object] = []
    position = _skip_space(json_text, 0)
    while position < len(json_text):
        if documents and json_text[position] in "}]":
            index, column = source.position(origins[position])
            raise source.error(
                f"an extra `{json_text[position]}` after the body of `{request}`",
                "remove it, or the brace that closes the body too early",
                index,
                column,
            )
        try:
            document, position = decoder.raw_decode(json_text, position)
        except json.JSONDecodeError as error:
            raise _json_error(source, error, origins, request) from None
        documents.append(document)
        position = _skip_space(json_text, position)
    return documents


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\n":
        position += 1
    return position


def _json_error(
    source: _Source, error: json.JSONDecodeError, origins: list[int], request: str
) -> ConsoleSyntaxError:
    # The converted text drops comments and rewrites triple-quoted strings, so
    # the decoder's position is mapped back through the origin of each char.
    at_end = error.pos >= len(origins)
    offset = origins[-1] + 1 if at_end else origins[error.pos]
    index, column = source.position(offset)
    fix = (
        "mend the JSON at the mark: check for a missing comma or quote, or an "
        'extra brace; text with quotes or newlines can go between `"""` marks'
    )
    before = error.doc[: error.pos].rstrip()
    if error.msg.startswith("Expecting ',' delimiter") and before:
        # The decoder stops at the token after the gap, often a line below.
        previous, _ = source.position(origins[len(before) - 1])
        if previous < index:
            fix = f"add a comma at the end of line {source.number(previous)}"
    return source.error(
        f"the body of `{request}` is not valid JSON: {error.msg}", fix, index, column
    )


def _to_json(source: _Source, start: int, end: int | None) -> tuple[str, list[int]]:
    """Console body text as plain JSON, and the source offset of each char.

    Comments go, and ``\"\"\"text\"\"\"`` becomes a JSON string of ``text``.
    Ordinary strings are copied as they are so the decoder judges them.
    """
    text = source.text
    stop = len(text) if end is None else end
    out: list[str] = []
    origins: list[int] = []
    position = start
    while position < stop:
        if text.startswith('"""', position):
            position = _copy_triple_quoted(source, position, stop, out, origins)
        elif text[position] == '"':
            position = _copy_string(text, position, stop, out, origins)
        elif text[position] == "#" or text.startswith("//", position):
            newline = text.find("\n", position, stop)
            position = stop if newline < 0 else newline
        else:
            out.append(text[position])
            origins.append(position)
            position += 1
    return "".join(out), origins


def _copy_string(
    text: str, position: int, stop: int, out: list[str], origins: list[int]
) -> int:
    end = position + 1
    while end < stop and text[end] not in '"\n':
        end += 2 if text[end] == "\\" else 1
    end = min(end, stop)
    if end < stop and text[end] == '"':
        end += 1
    out.append(text[position:end])
    origins.extend(range(position, end))
    return end


def _copy_triple_quoted(
    source: _Source, position: int, stop: int, out: list[str], origins: list[int]
) -> int:
    close = source.text.find('"""', position + 3, stop)
    if close < 0:
        index, column = source.position(position)
        raise source.error(
            'this `"""` string is never closed',
            'end the string with `"""`',
            index,
            column,
        )
    out.append('"')
    origins.append(position)
    for offset in range(position + 3, close):
        escaped = json.dumps(source.text[offset], ensure_ascii=False)[1:-1]
        out.append(escaped)
        origins.extend([offset] * len(escaped))
    out.append('"')
    origins.append(close)
    return close + 3
