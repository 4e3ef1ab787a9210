"""Terraform state files read into instances, and values compared as data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assay.checks.terraform.attributes import normal
from assay.checks.terraform.state import StateParams
from assay.checks.terraform.state_file import StateError, parse_state, read_state

STATE = Path(__file__).resolve().parents[1] / "data" / "terraform" / "terraform.tfstate"


def test_state_instances_have_full_addresses_regions_and_sensitive_names() -> None:
    state = read_state(STATE)
    by_address = {i.address: i for i in state.instances}
    assert list(by_address) == [
        "aws_s3_bucket.uploads",
        "aws_dynamodb_table.orders",
        'module.queue.aws_sqs_queue.jobs["main"]',
        "aws_sns_topic.alerts",
        "aws_iam_role.worker",
        "aws_ssm_parameter.db_password",
        "aws_cloudwatch_log_group.app",
        "aws_vpc.main",
    ]
    assert state.data_sources == 1 and state.terraform_version == "1.9.5"
    queue = by_address['module.queue.aws_sqs_queue.jobs["main"]']
    assert queue.module == "module.queue" and queue.region == "eu-central-1"
    assert queue.id == "https://sqs.eu-central-1.amazonaws.com/123456789012/assay-tf-jobs"
    assert by_address["aws_s3_bucket.uploads"].region == "eu-central-1"  # its region attribute
    assert by_address["aws_iam_role.worker"].region is None  # IAM ARNs carry none
    assert by_address["aws_ssm_parameter.db_password"].sensitive == {"value"}


def test_state_counted_tainted_and_deposed_instances() -> None:
    data = {
        "version": 4,
        "resources": [
            {
                "mode": "managed",
                "type": "aws_sqs_queue",
                "name": "q",
                "instances": [
                    {"index_key": 0, "attributes": {"id": "a"}},
                    {"index_key": 1, "status": "tainted", "attributes": {"id": "b"}},
                    {"index_key": 1, "deposed": "00000001", "attributes": {"id": "c"}},
                ],
            }
        ],
    }
    state = parse_state(data, "x.tfstate")
    assert [(i.address, i.status, i.deposed) for i in state.instances] == [
        ("aws_sqs_queue.q[0]", None, None),
        ("aws_sqs_queue.q[1]", "tainted", None),
        ("aws_sqs_queue.q[1]", None, "00000001"),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": 3, "resources": []}, "state format version 3; assay reads version 4"),
        ([], "not a Terraform state file (no 'resources')"),
        ({"version": 4, "resources": {}}, "'resources' is not a list"),
        ({"version": 4, "resources": [{"mode": "managed"}]}, "resources[0] has no type and name"),
        (
            {"version": 4, "resources": [{"type": "t", "name": "n", "instances": [{}]}]},
            "an instance of t.n has no attributes",
        ),
    ],
    ids=["version", "not-state", "resources-type", "no-type", "no-attributes"],
)
def test_state_errors_name_the_file(data: object, message: str) -> None:
    with pytest.raises(StateError, match="^x.tfstate: ") as caught:
        parse_state(data, "x.tfstate")
    assert message in str(caught.value)


def test_state_unreadable_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="cannot read the state file"):
        read_state(tmp_path / "missing.tfstate")
    (tmp_path / "bad.tfstate").write_text("{not json")
    with pytest.raises(StateError, match="not JSON"):
        read_state(tmp_path / "bad.tfstate")


@pytest.mark.parametrize(
    ("state", "live", "same"),
    [
        (30, "30", True),
        (30, "30.0", True),
        (False, "false", True),
        (True, "false", False),
        ("", None, True),
        ({}, None, True),
        ([], None, True),
        ({"a": "1", "b": None}, {"a": 1}, True),
        (
            json.dumps({"Version": "2012-10-17", "Statement": []}),
            {"Statement": [], "Version": "2012-10-17"},
            True,
        ),
        ("x", "y", False),
        (14, 30, False),
    ],
)
def test_state_values_compare_as_data(state: object, live: object, same: bool) -> None:
    assert (normal(state) == normal(live)) is same


def test_state_params_choose_attributes_per_type() -> None:
    everything = StateParams()
    assert "visibility_timeout_seconds" in everything.compared("aws_sqs_queue")
    chosen = StateParams.model_validate(
        {
            "attributes": {"*": ["tags"], "aws_sqs_queue": ["delay_seconds"]},
            "paths": {"aws_sqs_queue": {"policy": "Attributes.Policy"}},
        }
    )
    assert chosen.compared("aws_sqs_queue") == {
        "tags": "Tags",
        "delay_seconds": "Attributes.DelaySeconds",
    }
    assert chosen.compared("aws_vpc") == {}
    assert StateParams.model_validate({"attributes": {"*": []}}).compared("aws_iam_role") == {}
