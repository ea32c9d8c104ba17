"""What the user types or pastes is refused in a sentence before anything is sent: payloads, ids, URLs."""

from __future__ import annotations

import json

import pytest

from robocloud_desktop.core.errors import InvalidPayload, InvalidTarget
from robocloud_desktop.core.json_text import MAX_DEPTH, JsonProblem, load_json
from robocloud_desktop.core.payload import MAX_PAYLOAD_BYTES, encode_payload, parse_payload
from robocloud_desktop.core.target import Target, check_base_url


def refused(text: str) -> str:
    with pytest.raises(InvalidPayload) as caught:
        encode_payload(parse_payload(text))
    return caught.value.message


@pytest.mark.parametrize("deep", ["[" * 100_000 + "]" * 100_000, '{"a":' * 5_000 + "1" + "}" * 5_000,
                                  "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)])
def test_deep_nesting_is_refused_in_words(deep):
    message = refused(deep if deep.startswith("{") else '{"a": ' + deep + "}")
    assert f"nested more than {MAX_DEPTH} levels deep" in message


def test_nesting_up_to_the_limit_is_accepted():
    inner = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_payload('{"a": ' + inner + "}")


@pytest.mark.parametrize("text", ['{"a": "\\ud800"}', '{"\\udfff": 1}', '{"a": "\udcff"}'])
def test_lone_surrogates_are_named_not_called_nan(text):
    message = refused(text)
    assert "lone UTF-16 surrogate" in message and "NaN" not in message


def test_a_lone_surrogate_in_a_parsed_object_is_refused_when_encoding():
    with pytest.raises(InvalidPayload, match="surrogate"):
        encode_payload({"a": "\ud800"})


def test_a_number_too_long_says_so_and_what_to_do():
    message = refused('{"a": ' + "1" * 5000 + "}")
    assert "5,000 digits" in message and "string" in message and "set_int_max_str_digits" not in message


def test_a_payload_just_over_the_limit_says_its_real_size():
    room = MAX_PAYLOAD_BYTES - len('{"blob":""}')
    assert len(encode_payload(parse_payload(json.dumps({"blob": "x" * room})))) == MAX_PAYLOAD_BYTES
    message = refused(json.dumps({"blob": "x" * (room + 3)}))
    assert "102,403 bytes" in message and "at most 102,400 bytes" in message


def test_invalid_utf8_bytes_are_named():
    with pytest.raises(JsonProblem, match=r"not UTF-8 text \(byte 0xff at offset 6"):
        load_json(b'{"a": \xff}')


@pytest.mark.parametrize("run_id", ["", " ", ".", "..", " .. ", "a\x1bb", "a\u202eb"])
def test_run_ids_that_are_not_ids_are_refused(run_id):
    target = Target("https://api.eu1.robocloud.eu", "ws", "pid")
    with pytest.raises(InvalidTarget, match="run id"):
        target.run_url(run_id)


@pytest.mark.parametrize(("workspace", "process"), [(".", "p"), ("w", ".."), ("", "p"), ("w", "\t"),
                                                    ("w\x00", "p")])
def test_workspace_and_process_ids_that_are_not_ids_are_refused(workspace, process):
    with pytest.raises(InvalidTarget, match=r"(workspace|process) id"):
        Target("https://api.eu1.robocloud.eu", workspace, process)


@pytest.mark.parametrize("url", ["https://api.eu1.robocloud.eu:99999", "https://h:0", "https://h:-1",
                                 "https://h:443x", "https://[::1]:65536"])
def test_a_port_out_of_range_is_refused_when_given(url):
    with pytest.raises(InvalidTarget, match="port"):
        check_base_url(url)


@pytest.mark.parametrize("url", ["https://api.eu1.robocloud.eu/ x", "https://api\u202e.eu1.robocloud.eu",
                                 "https://a\x07b.eu"])
def test_a_base_url_with_spaces_or_invisible_characters_is_refused(url):
    with pytest.raises(InvalidTarget, match="invisible"):
        check_base_url(url)


def test_ports_in_range_are_kept():
    assert check_base_url("https://h:1") == "https://h:1"
    assert check_base_url("http://127.0.0.1:65535/") == "http://127.0.0.1:65535"


def test_a_bracket_that_does_not_close_is_a_sentence_not_a_crash():
    with pytest.raises(InvalidTarget, match="not an http"):
        check_base_url("https://[::1")
