"""Variable substitution at load time and step outputs at run time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assay.config.models import Expectation, has_reference
from assay.config.variables import VariableError, Variables, resolve_outputs


def test_variables_precedence_is_var_then_suite_then_environment() -> None:
    v = Variables(
        overrides={"A": "cli"},
        defined={"A": "suite", "B": "suite"},
        environ={"A": "env", "B": "env", "C": "env"},
    )
    assert v.substitute("${A}/${B}/${C}") == "cli/suite/env"


def test_variables_default_applies_only_when_unset() -> None:
    v = Variables(environ={"SET": "x"})
    assert v.substitute("${SET:-d}|${UNSET:-d}|${EMPTY:-}") == "x|d|"


def test_variables_undefined_is_an_error_with_suggestion() -> None:
    v = Variables(environ={}, defined={"region": "eu"})
    with pytest.raises(VariableError, match=r"undefined variable '\$\{regoin\}'.*'region'"):
        v.substitute("${regoin}")


def test_variables_builtins() -> None:
    v = Variables(environ={}, run_id="abc123defg")
    uuid_a, uuid_b = v.substitute("${UUID}"), v.substitute("${UUID}")
    assert re.fullmatch(r"[0-9a-f-]{36}", uuid_a) and uuid_a != uuid_b
    assert v.substitute("${TIMESTAMP}").isdigit()
    assert re.fullmatch(r"[a-z0-9]{12}", v.substitute("${RANDOM_STRING:12}"))
    assert v.substitute("b-${run.id}") == "b-abc123defg"


@pytest.mark.parametrize("expr", ["${RANDOM_STRING}", "${RANDOM_STRING:0}", "${RANDOM_STRING:x}"])
def test_variables_random_string_needs_a_length(expr: str) -> None:
    with pytest.raises(VariableError, match="length"):
        Variables(environ={}).substitute(expr)


def test_variables_outputs_are_left_for_run_time() -> None:
    v = Variables(environ={}, output_names={"etag"})
    text = "${inputs.bucket}/${outputs.key}/${etag}"
    assert v.substitute(text) == text


def test_variables_escape() -> None:
    v = Variables(environ={})
    assert v.substitute("$${literal}", unescape=True) == "${literal}"
    assert resolve_outputs("$${literal}", {}) == "${literal}"


def test_outputs_resolve_whole_values_keep_their_type() -> None:
    outputs = {"parts": [{"PartNumber": 1}], "etag": '"x"'}
    assert resolve_outputs({"P": "${parts}", "E": "id-${inputs.etag}"}, outputs) == {
        "P": [{"PartNumber": 1}],
        "E": 'id-"x"',
    }


def test_outputs_missing_value_is_an_error() -> None:
    with pytest.raises(VariableError, match="output 'etag' has no value yet"):
        resolve_outputs("${etag}", {})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"path": "/e/1", "query": {"a": [1, "b"]}}, False),
        ({"path": "/users/${user_id}"}, True),
        ({"headers": {"${name}": "x"}}, True),  # keys count too
        ({"json": {"items": [{"id": 1}, {"token": "${inputs.token}"}]}}, True),
        ({"n": 3, "flag": True, "none": None}, False),
        (Expectation.model_validate({"conditions": ["[STATUS] == 200"]}), False),
        (Expectation.model_validate({"fields": {"body.id": "${created_id}"}}), True),
        (Expectation.model_validate({"conditions": ["[BODY].id == ${created_id}"]}), True),
    ],
    ids=[
        "plain",
        "value",
        "key",
        "nested-list",
        "scalars",
        "expect-plain",
        "expect-field",
        "expect-condition",
    ],
)
def test_references_are_found_anywhere_in_params_and_expectations(
    value: object, expected: bool
) -> None:
    assert has_reference(value) is expected


def test_variables_file_reads_a_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cr3t-from-a-file\n")
    variables = Variables(environ={})
    assert variables.substitute(f"Bearer ${{file:{secret}}}") == "Bearer s3cr3t-from-a-file"
    with pytest.raises(VariableError, match="No such file"):
        variables.substitute(f"${{file:{tmp_path / 'missing'}}}")
    big = tmp_path / "big"
    big.write_bytes(b"x" * (64 * 1024 + 1))
    with pytest.raises(VariableError, match="larger than"):
        variables.substitute(f"${{file:{big}}}")
    with pytest.raises(VariableError, match="needs a path"):
        variables.substitute("${file:}")
