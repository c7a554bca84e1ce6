"""The console parser reads every tutorial request and says where text is wrong."""

from __future__ import annotations

import json

import pytest
from tutorial_data import REQUESTS, REQUESTS_FILE, RESPONSES

from helpers._console import ConsoleRequest, fill_placeholders, parse_console
from helpers._errors import ConsoleSyntaxError

MODEL = "xiDN1YsBhjmsqc9X8vet"
CONNECTOR = "wyB41YsBhjmsqc9X5_fW"

TUTORIAL = {
    "cluster_health": ("GET", "/_cluster/health"),
    "cluster_settings": ("PUT", "/_cluster/settings"),
    "model_group_register": ("POST", "/_plugins/_ml/model_groups/_register"),
    "connector_create": ("POST", "/_plugins/_ml/connectors/_create"),
    "connector_search": ("GET", "/_plugins/_ml/connectors/_search"),
    "model_register": ("POST", "/_plugins/_ml/models/_register"),
    "task_get": ("GET", "/_plugins/_ml/tasks/xSDN1YsBhjmsqc9X8vdY"),
    "model_get": ("GET", f"/_plugins/_ml/models/{MODEL}"),
    "model_deploy": ("POST", f"/_plugins/_ml/models/{MODEL}/_deploy"),
    "model_get_deployed": ("GET", f"/_plugins/_ml/models/{MODEL}"),
    "model_predict": ("POST", f"/_plugins/_ml/models/{MODEL}/_predict"),
    "model_undeploy": ("POST", f"/_plugins/_ml/models/{MODEL}/_undeploy"),
    "connector_update": ("PUT", f"/_plugins/_ml/connectors/{CONNECTOR}"),
    "model_redeploy": ("POST", f"/_plugins/_ml/models/{MODEL}/_deploy"),
    "model_predict_post_processed": ("POST", f"/_plugins/_ml/models/{MODEL}/_predict"),
}

JURASSIC2_BODY = (
    '{"prompt":"${parameters.inputs}","maxTokens":200,"temperature":0.7,"topP":1,'
    '"stopSequences":[],"countPenalty":{"scale":0},"presencePenalty":{"scale":0},'
    '"frequencyPenalty":{"scale":0}}'
)


def only(text: str, **options: int) -> ConsoleRequest:
    requests = parse_console(text, **options)
    assert len(requests) == 1
    return requests[0]


def test_the_fixtures_hold_every_request_of_the_tutorial() -> None:
    assert list(REQUESTS) == list(TUTORIAL)


@pytest.mark.parametrize("name", list(TUTORIAL))
def test_each_tutorial_request_parses_to_its_method_and_path(name: str) -> None:
    request = only(REQUESTS[name])

    assert (request.method, request.path) == TUTORIAL[name]
    assert request.params == {}
    assert request.ndjson is False


def test_the_settings_request_keeps_its_json_types() -> None:
    assert only(REQUESTS["cluster_settings"]).body == {
        "persistent": {
            "plugins.ml_commons.only_run_on_ml_node": False,
            "plugins.ml_commons.update_connector.enabled": True,
        }
    }


def test_the_connector_request_body_string_survives_unchanged() -> None:
    body = only(REQUESTS["connector_create"]).body

    assert isinstance(body, dict)
    action = body["actions"][0]
    assert action["request_body"] == JURASSIC2_BODY
    # "//" inside a string is not a comment.
    assert action["url"] == (
        "https://bedrock-runtime.${parameters.region}.amazonaws.com"
        "/model/${parameters.model_name}/invoke"
    )


def test_the_connector_update_keeps_the_newlines_of_its_script() -> None:
    body = only(REQUESTS["connector_update"]).body

    assert isinstance(body, dict)
    assert body["actions"][0]["post_process_function"] == (
        "\n  return params['completions'][0].data.text; \n"
    )


def test_requests_without_a_body_have_none() -> None:
    for name in ("cluster_health", "task_get", "model_deploy", "model_undeploy"):
        assert only(REQUESTS[name]).body is None


def test_the_whole_fixture_file_is_console_text_in_tutorial_order() -> None:
    text = REQUESTS_FILE.read_text(encoding="utf-8")
    lines = text.split("\n")

    requests = parse_console(text)

    assert [(r.method, r.path) for r in requests] == list(TUTORIAL.values())
    for request in requests:
        request_line = lines[request.line - 1]
        assert request_line.split()[0] == request.method
        assert request_line.split()[1].lstrip("/") == request.path.lstrip("/")


def test_the_verbose_predict_response_parses_its_triple_quoted_text() -> None:
    body = only(
        "POST /_plugins/_ml/models/x/_predict\n" + RESPONSES["predict_response"]
    ).body

    assert isinstance(body, dict)
    data = body["inference_results"][0]["output"][0]["dataAsMap"]
    text = data["completions"][0]["data"]["text"]
    assert text.startswith("\nThe meaning of life is a question that has puzzled")
    assert text.endswith("may vary from person to person.")
    assert data["completions"][0]["data"]["tokens"][0]["generatedToken"]["token"] == (
        "<|newline|>"
    )


def test_the_post_processed_predict_response_parses() -> None:
    text = "POST /x\n" + RESPONSES["predict_response_post_processed"]

    body = only(text).body

    assert isinstance(body, dict)
    response = body["inference_results"][0]["output"][0]["dataAsMap"]["response"]
    assert response.startswith("\nThe meaning of life")
    assert "\n" not in response[1:]


def test_triple_quoted_text_is_taken_verbatim() -> None:
    text = 'POST /x\n{"a": """He said "hi" \\ and\n\tleft""", "b": 1}'

    assert only(text).body == {"a": 'He said "hi" \\ and\n\tleft', "b": 1}


def test_comment_lines_and_trailing_comments_are_ignored() -> None:
    text = (
        "# check the cluster first\n"
        "GET _cluster/health   # why: ML Commons needs it green\n"
        "\n"
        "// then the settings\n"
        "PUT _cluster/settings // persistent ones\n"
        "{\n"
        "  # inside a body too\n"
        '  "persistent": {"a.b": "x # y // z"}  // kept in the string\n'
        "}\n"
    )

    health, settings = parse_console(text)

    assert (health.method, health.path, health.line) == ("GET", "/_cluster/health", 2)
    assert settings.line == 5
    assert settings.body == {"persistent": {"a.b": "x # y // z"}}


def test_query_strings_become_params() -> None:
    text = (
        "GET _cluster/settings?include_defaults=true"
        "&filter_path=persistent.plugins,defaults.plugins.ml_commons"
    )

    request = only(text)

    assert request.path == "/_cluster/settings"
    assert request.params == {
        "include_defaults": "true",
        "filter_path": "persistent.plugins,defaults.plugins.ml_commons",
    }


def test_a_path_keeps_or_gains_its_leading_slash() -> None:
    assert only("GET /_cat/indices").path == "/_cat/indices"
    assert only("GET _cat/indices").path == "/_cat/indices"


def test_methods_are_read_in_any_case_and_head_is_one() -> None:
    assert only("get _cluster/health").method == "GET"
    assert only("HEAD /my-index").method == "HEAD"
    assert only("delete /my-index").method == "DELETE"


def test_several_requests_in_one_text_keep_their_order_and_lines() -> None:
    text = REQUESTS["model_undeploy"] + "\n" + REQUESTS["connector_update"]

    undeploy, update = parse_console(text)

    assert undeploy.path.endswith("/_undeploy") and undeploy.body is None
    assert update.method == "PUT" and update.line == 3
    assert isinstance(update.body, dict) and update.body["name"] == "Amazon Bedrock"


def test_a_bulk_body_is_a_list_of_documents_sent_as_ndjson() -> None:
    text = (
        "POST _bulk\n"
        '{"index": {"_index": "docs", "_id": "1"}}\n'
        '{"text": "first"}\n'
        "\n"
        '{"index": {"_index": "docs", "_id": "2"}}\n'
        '{"text": "second"}\n'
    )

    request = only(text)

    assert request.ndjson is True
    assert request.body == [
        {"index": {"_index": "docs", "_id": "1"}},
        {"text": "first"},
        {"index": {"_index": "docs", "_id": "2"}},
        {"text": "second"},
    ]
    payload = request.payload()
    assert isinstance(payload, str) and payload.endswith("\n")
    assert [json.loads(line) for line in payload.splitlines()] == request.body


def test_a_single_body_is_sent_as_it_is() -> None:
    request = only(REQUESTS["model_predict"])

    assert request.payload() == {
        "parameters": {"inputs": "What is the meaning of life?"}
    }


def test_empty_or_comment_only_text_has_no_requests() -> None:
    assert parse_console("") == []
    assert parse_console("# nothing\n\n// yet\n") == []


def syntax_error(text: str, **options: int) -> ConsoleSyntaxError:
    with pytest.raises(ConsoleSyntaxError) as caught:
        parse_console(text, **options)
    return caught.value


def test_text_before_the_first_request_is_refused_with_an_example() -> None:
    error = syntax_error("# fine\nhealth please\nGET _cluster/health")

    assert error.line == 2
    assert "Line 2: this line is not a request" in str(error)
    assert "  2 | health please" in str(error)
    assert error.fix is not None and "`GET _cluster/health`" in error.fix


def test_an_unknown_method_is_named() -> None:
    error = syntax_error("GET _cluster/health\n\nPATCH /_plugins/_ml/models/x")

    assert error.line == 3
    assert "PATCH is not a method the console sends" in str(error)
    assert error.fix is not None and "GET, POST, PUT, DELETE, HEAD" in error.fix


def test_a_method_without_a_path_is_refused() -> None:
    error = syntax_error("POST   # register")

    assert error.line == 1
    assert "POST has no path" in str(error)


def test_text_after_the_path_is_refused_with_its_column() -> None:
    error = syntax_error('POST /x {"a": 1}')

    assert "Line 1, column 9: unexpected text after the path" in str(error)
    assert error.fix is not None and "lines below" in error.fix


def test_invalid_json_points_at_the_line_and_column_of_the_cell() -> None:
    text = (
        "GET _cluster/health\n"
        "\n"
        "POST /_plugins/_ml/model_groups/_register\n"
        "{\n"
        '    "name": "amazon_bedrock_models",\n'
        '    "description": Model group for Amazon Bedrock models"\n'
        "}\n"
    )

    error = syntax_error(text)

    assert error.line == 6
    assert str(error).startswith(
        "Line 6, column 20: the body of `POST /_plugins/_ml/model_groups/_register` "
        "is not valid JSON: Expecting value"
    )
    assert '  6 |     "description": Model group' in str(error)
    # The caret sits under the column named.
    excerpt = str(error).split("\n")
    assert excerpt[2].index("^") - excerpt[2].index("|") - 2 == 19


def test_a_missing_comma_names_the_line_that_lacks_it() -> None:
    text = 'PUT /x\n{\n  "a": 1\n  "b": 2\n}'

    error = syntax_error(text)

    assert error.line == 4
    assert "Expecting ',' delimiter" in str(error)
    assert error.fix == "add a comma at the end of line 3"


def test_json_errors_after_a_triple_quoted_string_keep_their_position() -> None:
    text = 'POST /x\n{"a": """one\ntwo "quoted" three""",\n "b": tru}'

    error = syntax_error(text)

    assert error.line == 4
    assert "Line 4, column 7" in str(error)


def test_an_extra_closing_brace_is_named() -> None:
    error = syntax_error('POST /x\n{"a": 1}\n}')

    assert error.line == 3
    assert "an extra `}` after the body of `POST /x`" in str(error)


def test_an_unclosed_triple_quote_points_at_its_start() -> None:
    error = syntax_error('POST /x\n{\n  "a": """never\n  closed\n}')

    assert error.line == 3
    assert 'Line 3, column 8: this `"""` string is never closed' in str(error)


def test_lines_inside_triple_quotes_are_not_taken_for_requests() -> None:
    text = 'POST /x\n{"a": """\nGET /not/a/request\n"""}'

    assert only(text).body == {"a": "\nGET /not/a/request\n"}


def test_first_line_shifts_every_line_number() -> None:
    assert only("GET /x", first_line=2).line == 2
    assert syntax_error("PUT /x\n{", first_line=2).line == 3


def test_placeholders_are_filled_from_the_namespace() -> None:
    namespace = {"model_id": MODEL, "tokens": 200, "stream": False}
    text = (
        "POST /_plugins/_ml/models/{model_id}/_predict\n"
        '{"parameters": {"inputs": "hi", "max": {tokens}, "stream": {stream}}}'
    )

    request = only(fill_placeholders(text, namespace))

    assert request.path == f"/_plugins/_ml/models/{MODEL}/_predict"
    assert request.body == {"parameters": {"inputs": "hi", "max": 200, "stream": False}}


def test_json_braces_and_ml_commons_templates_are_not_placeholders() -> None:
    text = REQUESTS["connector_update"]

    assert fill_placeholders(text, {}) == text


def test_doubled_braces_give_a_literal_placeholder() -> None:
    assert fill_placeholders("{{model_id}} and {{{q}}}", {}) == "{model_id} and {{q}}"


def test_an_unknown_placeholder_names_its_line() -> None:
    text = "GET _cluster/health\nPOST /_plugins/_ml/models/{model_id}/_deploy"

    with pytest.raises(ConsoleSyntaxError) as caught:
        fill_placeholders(text, {}, first_line=2)

    assert caught.value.line == 3
    assert "Line 3, column 27: `{model_id}` names no variable" in str(caught.value)
    assert caught.value.fix is not None and "{{model_id}}" in caught.value.fix


def test_a_placeholder_value_over_several_lines_is_refused() -> None:
    with pytest.raises(ConsoleSyntaxError, match="holds several lines"):
        fill_placeholders('{"a": "{text}"}', {"text": "one\ntwo"})


def test_a_placeholder_value_without_json_form_is_refused() -> None:
    with pytest.raises(ConsoleSyntaxError, match="holds a value of type object"):
        fill_placeholders("{thing}", {"thing": object()})
