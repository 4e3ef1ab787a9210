"""Loading: variables everywhere (keys too), includes merged, legacy suites converted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assay.config.loader import load_suite
from assay.config.variables import Variables, resolve_outputs


def test_loader_substitutes_variables_in_keys(write_suite: Callable[..., Path]) -> None:
    path = write_suite("""\
targets: {s: {type: s3, endpoint: embedded}}
groups:
  - name: g
    test:
      - s3.PutObject: {Bucket: b, Key: k, Metadata: {"owner-${run.id}": x}}
        expect: {fields: {"Metadata.\\"owner-${run.id}\\"": x}}
""")
    suite = load_suite(path, Variables(run_id="r123", environ={}))
    step = suite.groups[0].test[0]
    assert step.params["Metadata"] == {"owner-r123": "x"}
    assert step.expect.fields == {'Metadata."owner-r123"': "x"}


def test_loader_resolves_outputs_in_keys_at_run_time() -> None:
    assert resolve_outputs({"${tag}": "${value}"}, {"tag": "env", "value": 1}) == {"env": 1}


def test_loader_merges_includes_in_order(write_suite: Callable[..., Path]) -> None:
    write_suite(
        """\
targets: {shared: {type: s3, endpoint: embedded}}
variables: {prefix: from-include}
groups: [{name: first, test: [{s3.ListBuckets: {}}]}]
""",
        name="common/base.yaml",
    )
    root = write_suite("""\
include: common/base.yaml
variables: {prefix: from-root}
groups:
  - name: second
    test: [{s3.HeadBucket: {Bucket: "${prefix}"}}]
""")
    suite = load_suite(root, Variables(environ={}))
    assert [g.name for g in suite.groups] == ["first", "second"]
    assert list(suite.targets) == ["shared"]
    assert suite.groups[1].test[0].params == {"Bucket": "from-root"}


def test_loader_legacy_suite_maps_onto_native(write_suite: Callable[..., Path]) -> None:
    (Path(write_suite("", name="data/a.txt"))).write_text("payload")
    path = write_suite("""\
config:
  endpoint_url: http://127.0.0.1:9000
  region: eu-west-1
  path_style: true
  retry_max_attempts: 5
  credentials:
    - {name: admin, access_key: AK, secret_key: SK}
    - {name: ro, access_key: AK2, secret_key: SK2, endpoint_url: "http://127.0.0.1:9001"}
test_cases:
  parallel: true
  groups:
    - name: g
      credential: admin
      before_test:
        - operation: CreateBucket
          parameters: {bucket: b}
      test:
        - operation: PutObject
          credential: ro
          parameters: {bucket: b, key: k, body: "file://data/a.txt"}
          expected_result: {success: false, error_code: AccessDenied, status_code: 403}
      after_test:
        - operation: DeleteBucket
          parameters: {bucket: b}
""")
    suite = load_suite(path, Variables(environ={}))
    target = suite.targets["default"]
    assert (target.endpoint, target.region, target.path_style) == (
        "http://127.0.0.1:9000",
        "eu-west-1",
        True,
    )
    assert target.retries.max_attempts == 5
    assert target.credentials["ro"].endpoint == "http://127.0.0.1:9001"
    assert suite.parallel is True
    group = suite.groups[0]
    assert group.as_ == "admin"
    assert [len(group.before), len(group.test), len(group.after)] == [1, 1, 1]
    step = group.test[0]
    assert step.kind == "s3.PutObject" and step.as_ == "ro"
    assert step.params["body"] == f"file://{path.parent / 'data/a.txt'}"
    assert step.expect.error == "AccessDenied" and step.expect.status == 403
