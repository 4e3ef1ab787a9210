"""Property-based tests of the suite loader: any document loads or raises ``SuiteError``.

Random text and bytes, random YAML documents, and valid suites with random mutations are fed
to ``parse_yaml`` and ``load_suite``. Whatever the input, the loader must either return a suite
or raise ``SuiteError``, never another exception; each problem must render to text, and a
located problem must name the suite file and a line that exists in it.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import assay.checks  # noqa: F401  (registers every check kind)
from assay.config.loader import load_suite
from assay.config.source import parse_yaml
from assay.config.variables import Variables
from assay.core import secrets
from assay.core.checks import CHECKS
from assay.core.errors import SuiteError
from tests.support.suite_strategies import (
    INTERESTING,
    KEYS,
    NATIVE,
    SKELETONS,
    at,
    dump,
    mutated_suites,
    rename,
    typo,
)

# On a failure, hypothesis's pytest plugin imports hypothesis.extra._patching, which imports
# libcst when it is installed; libcst's import warns (mypy_extensions.TypedDict is deprecated)
# and the project's filterwarnings = error turns that into an INTERNALERROR that ends the whole
# session. Importing it once here, with that warning silenced, keeps a failure a plain failure.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):
        import hypothesis.extra._patching  # noqa: F401

FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
ENVIRON = {"ENDPOINT": "http://127.0.0.1:9", "HOME_BUCKET": "home"}
LINE_BREAK = re.compile(r"\r\n|\r|\n")
FLOW = st.sampled_from([None, False, True])


@pytest.fixture(scope="module", autouse=True)
def _keep_secret_registry() -> Iterator[None]:
    """Loading registers secret values process-wide; random ones must not leak to other tests."""
    saved = secrets.registered()
    yield
    secrets.restore(saved)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loader-properties")


def line_count(text: str) -> int:
    """Lines as an editor numbers them: CR, LF or CRLF ends one; an empty file has one."""
    parts = LINE_BREAK.split(text)
    return max(1, len(parts) - (parts[-1] == ""))


def check_problems(exc: SuiteError, text: str | None, file: Path | str) -> None:
    """Every problem renders; a located one names ``file`` and a line inside ``text``."""
    assert exc.problems, "a SuiteError without problems"
    assert exc.render().strip()
    assert str(exc).strip()
    for problem in exc.problems:
        assert problem.message.strip(), f"empty message in {problem!r}"
        assert str(problem).strip()
        where = problem.location
        if where is None:
            continue
        if isinstance(file, Path):
            assert Path(where.file).resolve() == file.resolve(), f"{problem} names another file"
        else:
            assert where.file == file, f"{problem} names another file"
        assert where.line >= 1, f"{problem}: line {where.line}"
        if text is not None:
            lines = line_count(text)
            assert where.line <= lines, f"{problem}: line {where.line}, the file has {lines}"


def outcome_of_parse(text: str) -> None:
    try:
        parse_yaml(text, "x.yaml")
    except SuiteError as exc:
        check_problems(exc, text, "x.yaml")


def outcome_of_load(path: Path, data: str | bytes) -> Any:
    if isinstance(data, bytes):
        path.write_bytes(data)
        try:
            text: str | None = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        else:
            text = text.replace("\r\n", "\n").replace("\r", "\n")  # as read_text reads it
    else:
        path.write_text(data, encoding="utf-8", newline="")
        text = data
    try:
        return load_suite(path, Variables(environ=ENVIRON))
    except SuiteError as exc:
        check_problems(exc, text, path)
        return exc


# --- (a) arbitrary text and bytes ------------------------------------------------------------

YAMLISH = st.text(
    alphabet=st.sampled_from(
        [*"abkst:-[]{},&*!|>'\"#%@`? \n\t0123456789.~\\<=$", "\r", "\x85", "\u2028"]
    ),
    max_size=80,
)
TOKENS = [
    "\n", "\n", "  ", "- ", ": ", ", ", "[", "]", "{", "}", "? ", "&a ", "*a", "<<: ", "'", '"',
    "!!int ", "!!float ", "!!bool ", "!!timestamp ", "!!binary ", "!!str ", "!!map ", "!!seq ",
    "!!set ", "!!null ", "!local ", "2001-13-01", "2001-02-03", "12:30:00", "0x1F", "1e3",
    ".inf", "~", "null", "yes", "abc", "targets", "groups", "test", "name", "type", "s3",
    "include", "variables", "${X}", "|", ">", "#", "%YAML 1.1\n", "---\n", "...\n", "\t",
]  # fmt: skip
YAML_TOKENS = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=200), YAMLISH, YAML_TOKENS)


@settings(FAST, max_examples=300)
@given(ANY_TEXT)
def test_parse_yaml_on_any_text_succeeds_or_raises_suite_error(text: str) -> None:
    outcome_of_parse(text)


@FAST
@given(st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_parse_yaml_on_bytes_as_text_succeeds_or_raises_suite_error(text: str) -> None:
    outcome_of_parse(text)


@settings(FAST, max_examples=100)
@given(data=st.one_of(ANY_TEXT, st.binary(max_size=200)))
def test_load_suite_on_any_file_content_succeeds_or_raises_suite_error(
    workdir: Path, data: str | bytes
) -> None:
    outcome_of_load(workdir / "any.yaml", data)


# --- (b) random YAML documents -----------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(INTERESTING),
    st.dates(),
)
YAML_KEYS = st.one_of(st.sampled_from(KEYS), st.text(max_size=8), st.integers(-3, 3), st.none())
DOCUMENTS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(YAML_KEYS, inner, max_size=5),
    ),
    max_leaves=30,
)


GROUPS = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {"name": st.one_of(st.sampled_from(["g", "h"]), DOCUMENTS)},
            optional={
                key: DOCUMENTS
                for key in ("before", "test", "after", "target", "as", "parallel", "timeout")
            },
        ),
        DOCUMENTS,
    ),
    max_size=3,
)
SUITE_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "targets": st.one_of(
            DOCUMENTS, st.dictionaries(st.sampled_from(["store", "other"]), DOCUMENTS, max_size=2)
        ),
        "groups": st.one_of(GROUPS, DOCUMENTS),
        "variables": DOCUMENTS,
        "include": DOCUMENTS,
        "version": DOCUMENTS,
        "parallel": DOCUMENTS,
    },
)


@settings(FAST, max_examples=200)
@given(
    document=st.one_of(SUITE_SHAPED, st.dictionaries(YAML_KEYS, DOCUMENTS, max_size=6), DOCUMENTS),
    flow=FLOW,
)
def test_random_yaml_documents_load_or_raise_suite_error(
    workdir: Path, document: Any, flow: bool | None
) -> None:
    text = dump(document, flow)
    outcome_of_parse(text)
    outcome_of_load(workdir / "suite.yaml", text)


def plain(value: Any) -> Any:
    """Loc containers as plain ones, NaN as a comparable marker."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return "<nan>"
    return value


@settings(FAST, max_examples=150)
@given(document=DOCUMENTS, flow=FLOW)
def test_parse_yaml_reads_what_pyyaml_reads(document: Any, flow: bool | None) -> None:
    """What yaml.safe_dump writes (no duplicate keys), parse_yaml reads as PyYAML does."""
    text = dump(document, flow)
    assert plain(parse_yaml(text, "x.yaml")) == plain(yaml.safe_load(text))


MERGE_KEYS = st.sampled_from(["type", "endpoint", "timeout", "region", "a", "b"])
MERGE_VALUES = st.one_of(st.integers(0, 9), st.sampled_from(["s3", "embedded", "x"]))


@settings(FAST, max_examples=40)
@given(
    base=st.dictionaries(MERGE_KEYS, MERGE_VALUES, min_size=1, max_size=4),
    override=st.dictionaries(MERGE_KEYS, MERGE_VALUES, max_size=3),
)
def test_merge_keys_may_be_overridden(base: dict[str, Any], override: dict[str, Any]) -> None:
    """``<<: *anchor`` then explicit keys: YAML lets the explicit keys win; no duplicate."""
    text = "base: &base " + json.dumps(base) + "\nderived:\n  <<: *base\n"
    text += "".join(f"  {json.dumps(k)}: {json.dumps(v)}\n" for k, v in override.items())
    try:
        parsed = parse_yaml(text, "x.yaml")
    except SuiteError as exc:
        raise AssertionError(f"{exc}\n--- document:\n{text}") from None
    assert plain(parsed) == yaml.safe_load(text) == {"base": base, "derived": base | override}


# --- (c) valid skeletons with random mutations -------------------------------------------------


@pytest.mark.parametrize("kind", sorted(SKELETONS))
def test_the_unmutated_skeletons_are_valid_suites(workdir: Path, kind: str) -> None:
    result = outcome_of_load(workdir / f"{kind}.yaml", dump(SKELETONS[kind], None))
    assert not isinstance(result, SuiteError), str(result)


@settings(FAST, max_examples=250)
@given(suite=mutated_suites(), flow=st.sampled_from([None, False]))
def test_mutated_suites_load_or_raise_located_suite_error(
    workdir: Path, suite: tuple[dict[str, Any], str], flow: bool | None
) -> None:
    document, _ = suite
    text = dump(document, flow)
    outcome_of_parse(text)
    outcome_of_load(workdir / "suite.yaml", text)


def step_paths(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        ("groups", gi, phase, si)
        for gi, group in enumerate(document["groups"])
        for phase in ("before", "test", "after")
        for si, _ in enumerate(group.get(phase, []))
    ]


@settings(FAST, max_examples=60)
@given(data=st.data())
def test_a_misspelt_check_kind_is_rejected_on_its_line(workdir: Path, data: st.DataObject) -> None:
    document = copy.deepcopy(NATIVE)
    step = at(document, data.draw(st.sampled_from(step_paths(document))))
    kind = next(k for k in step if k.startswith("s3."))
    wrong = data.draw(typo(kind))
    assume(wrong not in CHECKS and wrong not in step)
    rename(step, kind, wrong)
    text = dump(document, None)
    result = outcome_of_load(workdir / "suite.yaml", text)
    assert isinstance(result, SuiteError), f"{wrong!r} was accepted"
    lines = [i for i, line in enumerate(text.splitlines(), 1) if f"{wrong}:" in line]
    hits = [p for p in result.problems if "unknown check kind" in p.message]
    assert hits, result.render()
    if len(lines) == 1:
        assert hits[0].location is not None and hits[0].location.line == lines[0], str(hits[0])


@settings(FAST, max_examples=40)
@given(data=st.data())
def test_an_unknown_credential_is_rejected(workdir: Path, data: st.DataObject) -> None:
    document = copy.deepcopy(NATIVE)
    where = data.draw(st.sampled_from([("groups", 0), *step_paths(document)]))
    name = data.draw(st.one_of(typo("owner"), typo("reader"), st.text(min_size=1, max_size=8)))
    assume(name not in ("owner", "reader") and "${" not in name)
    at(document, where)["as"] = name
    result = outcome_of_load(workdir / "suite.yaml", dump(document, None))
    assert isinstance(result, SuiteError), f"credential {name!r} was accepted"
    assert any("unknown credential" in p.message for p in result.problems), result.render()


@settings(FAST, max_examples=40)
@given(data=st.data())
def test_a_missing_required_parameter_is_rejected(workdir: Path, data: st.DataObject) -> None:
    document = copy.deepcopy(NATIVE)
    candidates = []
    for path in step_paths(document):
        step = at(document, path)
        kind = next(k for k in step if k.startswith("s3."))
        shape = getattr(CHECKS.get(kind), "shape", None)
        for name in getattr(shape, "required_members", []):
            if name in step[kind]:
                candidates.append((path, kind, name))
    path, kind, name = data.draw(st.sampled_from(candidates))
    del at(document, path)[kind][name]
    result = outcome_of_load(workdir / "suite.yaml", dump(document, data.draw(FLOW)))
    assert isinstance(result, SuiteError), f"{kind} without {name} was accepted"
    wanted = f"missing required parameter '{name}'"
    assert any(wanted in p.message for p in result.problems), result.render()


# --- hostile documents found by hand (each one its own case) ------------------------------------

HOSTILE = {
    "targets is a list": "targets: [a]\ngroups: []\n",
    "targets is a scalar": "targets: 5\n",
    "groups is a number": "groups: 5\n",
    "a phase is a number": "groups:\n  - name: g\n    test: 5\n",
    "an impossible date": "a: 2001-13-01\n",
    "an explicit !!int tag on text": "a: !!int abc\n",
    "an explicit !!float tag on text": "a: !!float abc\n",
    "an explicit !!timestamp tag on text": "a: !!timestamp abc\n",
    "an explicit !!bool tag on text": "a: !!bool abc\n",
    "a recursive alias": "a: &x [*x]\n",
    "deep nesting": "[" * 2000 + "]" * 2000 + "\n",
    "an include with a NUL byte": 'include: ["a\\0b"]\n',
    "an include name too long": "include: [" + "a" * 5000 + "]\n",
    "a file:// body with a NUL byte": (
        "targets: {s: {type: s3, endpoint: embedded}}\n"
        'groups: [{name: g, test: [{s3.PutObject: {Bucket: b, Key: k, Body: "file://a\\0b"}}]}]\n'
    ),
    "a NEL line break": "a: 1\x85b: [\n",
    "an explicit !!int tag on nothing": "a: !!int\n",
    "an explicit !!float tag on an empty string": "a: !!float ''\n",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_documents_raise_suite_error(workdir: Path, text: str) -> None:
    outcome_of_parse(text)
    outcome_of_load(workdir / "hostile.yaml", text)
