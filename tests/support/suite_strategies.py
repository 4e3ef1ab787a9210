"""Hypothesis strategies for suites: two valid skeletons (native and the original s3tester
format) and random mutations of them, shared by the loader's property tests and the CLI's."""

from __future__ import annotations

import copy
import string
from collections.abc import Iterator
from typing import Any

import yaml
from hypothesis import strategies as st

from assay.core.checks import CHECKS

KEYS = [
    "version", "include", "variables", "parallel", "targets", "groups", "name", "target", "as",
    "before", "test", "after", "type", "endpoint", "credentials", "access_key", "secret_key",
    "expect", "outputs", "timeout", "retries", "s3.PutObject", "s3.GetObject", "Bucket", "Key",
    "Body", "config", "test_cases", "operation", "parameters", "expected_result", "store",
    "default_credential", "path_style", "fields", "body", "status", "error", "<<",
]  # fmt: skip
INTERESTING = [
    "${ENDPOINT}", "${UNDEFINED}", "${UNDEFINED:-x}", "${}", "${ a b }", "$${x}", "${UUID}",
    "${RANDOM_STRING:0}", "${RANDOM_STRING:5}", "${run.id}", "${outputs.x}", "file://nope.txt",
    "file://", "s3", "embedded", "http://127.0.0.1:9", "s3.PutObjekt", "s3.PutObject", "owner",
    "", " ", "~", "-1", "1e999", ".nan", "2001-13-01", "suite.yaml", ".", "..", "nope.yaml",
]  # fmt: skip


def dump(document: Any, flow: bool | None) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=flow, allow_unicode=True)


NATIVE: dict[str, Any] = {
    "variables": {"BUCKET": "bkt-${run.id}"},
    "targets": {
        "store": {
            "type": "s3",
            "endpoint": "${ENDPOINT}",
            "path_style": True,
            "retries": {"max_attempts": 2},
            "credentials": {
                "owner": {"access_key": "AKIAOWNER", "secret_key": "owner-secret"},
                "reader": {"access_key": "AKIAREADER", "secret_key": "reader-secret"},
            },
        }
    },
    "groups": [
        {
            "name": "objects",
            "as": "owner",
            "before": [{"s3.CreateBucket": {"Bucket": "${BUCKET}"}}],
            "test": [
                {
                    "s3.PutObject": {"Bucket": "${BUCKET}", "Key": "a.txt", "Body": "hello"},
                    "outputs": {"etag": "ETag"},
                },
                {
                    "s3.GetObject": {"Bucket": "${BUCKET}", "Key": "a.txt"},
                    "expect": {"body": {"equals": "hello"}, "fields": {"ETag": "${etag}"}},
                },
                {
                    "name": "reader may not delete",
                    "s3.DeleteObject": {"Bucket": "${BUCKET}", "Key": "a.txt"},
                    "as": "reader",
                    "expect": {"error": "AccessDenied"},
                },
                {
                    "s3.HeadObject": {"Bucket": "${BUCKET}", "Key": "nope"},
                    "expect": {"status": 404},
                    "timeout": 5,
                    "retries": 1,
                },
            ],
            "after": [{"s3.empty_bucket": {"Bucket": "${BUCKET}"}}],
        },
        {
            "name": "listing",
            "target": "store",
            "parallel": True,
            "test": [{"s3.ListBuckets": {}}, {"s3.ListObjectsV2": {"Bucket": "${BUCKET}"}}],
        },
    ],
}
LEGACY: dict[str, Any] = {
    "config": {
        "endpoint_url": "${ENDPOINT}",
        "path_style": True,
        "credentials": [{"name": "admin", "access_key": "AKIAADMIN", "secret_key": "admin-key"}],
    },
    "test_cases": {
        "parallel": False,
        "groups": [
            {
                "name": "legacy",
                "credential": "admin",
                "before_test": [{"operation": "CreateBucket", "parameters": {"bucket": "b-leg"}}],
                "test": [
                    {
                        "operation": "PutObject",
                        "parameters": {"bucket": "b-leg", "key": "k", "body": "x"},
                        "expected_result": {"success": True, "status_code": 200},
                    },
                    {
                        "operation": "GetObject",
                        "parameters": {"bucket": "b-leg", "key": "nope"},
                        "expected_result": {"success": False, "error_code": "NoSuchKey"},
                    },
                ],
                "after_test": [{"operation": "DeleteBucket", "parameters": {"bucket": "b-leg"}}],
            }
        ],
    },
}
SKELETONS = {"native": NATIVE, "legacy": LEGACY}
WRONG_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, width=32),
    st.text(max_size=6),
    st.sampled_from(INTERESTING),
    st.builds(list),
    st.builds(dict),
    st.lists(st.integers(0, 3), min_size=1, max_size=2),
    st.dictionaries(st.sampled_from(KEYS), st.integers(0, 3), min_size=1, max_size=2),
)


def nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """Every (path, node) of a document, the root included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from nodes(item, (*path, i))


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


@st.composite
def typo(draw: st.DrawFn, word: str) -> str:
    """``word`` with one character dropped, doubled, swapped or replaced (never ``word``)."""
    letters = string.ascii_letters + string.digits + "._-"
    for _ in range(10):
        i = draw(st.integers(0, max(0, len(word) - 1)))
        how = draw(st.sampled_from(["drop", "double", "swap", "replace", "case"]))
        if how == "drop":
            out = word[:i] + word[i + 1 :]
        elif how == "double":
            out = word[: i + 1] + word[i:]
        elif how == "swap" and len(word) > 1:
            i = min(i, len(word) - 2)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif how == "case":
            out = word.swapcase()
        else:
            out = word[:i] + draw(st.sampled_from(letters)) + word[i + 1 :]
        if out and out != word:
            return out
    return word + "x"


def rename(mapping: dict[Any, Any], old: Any, new: Any) -> None:
    """Rename a key keeping the mapping's order (so the YAML keeps its shape)."""
    items = [(new if k == old else k, v) for k, v in mapping.items()]
    mapping.clear()
    mapping.update(items)


@st.composite
def mutate(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    """One random mutation of ``document`` (in place; returns it)."""
    containers = [(len(p), n) for p, n in nodes(document) if isinstance(n, dict | list)]
    depth = draw(st.sampled_from(sorted({d for d, _ in containers})))  # shallow nodes as often
    node = draw(st.sampled_from([n for d, n in containers if d == depth]))
    how = draw(
        st.sampled_from(
            ["unknown key", "typo key", "wrong type", "drop key", "kind", "reference", "template"]
        )
    )
    if isinstance(node, list):
        if how in ("drop key", "typo key", "kind") and node:
            del node[draw(st.integers(0, len(node) - 1))]
        elif node and how == "unknown key":
            node.append(copy.deepcopy(draw(st.sampled_from(node))))  # e.g. a duplicate group
        else:
            node.insert(draw(st.integers(0, len(node))), draw(WRONG_VALUES))
        return document
    keys = list(node)
    if how == "unknown key" or not keys:
        key = draw(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8)))
        node[key] = draw(st.one_of(WRONG_VALUES, st.sampled_from(INTERESTING)))
        return document
    key = draw(st.sampled_from(keys))
    if how == "typo key":
        new = draw(typo(str(key)))
        if new not in node:
            rename(node, key, new)
    elif how == "wrong type":
        node[key] = draw(WRONG_VALUES)
    elif how == "drop key":
        del node[key]
    elif how == "kind":
        kinds = [k for k in node if isinstance(k, str) and k.startswith("s3.")]
        if kinds:
            replacement = draw(st.one_of(st.sampled_from(CHECKS.names()), typo(kinds[0])))
            if replacement not in node:
                rename(node, kinds[0], replacement)
    elif how == "reference":
        names = ["owner", "reader", "admin", "store", "nobody", "Owner", "ownr", "", "objects"]
        ref = draw(st.sampled_from(["as", "target", "credential", "default_credential"]))
        node[ref] = draw(st.sampled_from(names))
    else:
        value = node[key]
        template = draw(st.sampled_from([t for t in INTERESTING if "$" in t or "file" in t]))
        node[key] = f"{value}{template}" if isinstance(value, str) else template
    return document


@st.composite
def mutated_suites(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    kind = draw(st.sampled_from(sorted(SKELETONS)))
    document = copy.deepcopy(SKELETONS[kind])
    for _ in range(draw(st.integers(1, 3))):
        document = draw(mutate(document))
    return document, kind
