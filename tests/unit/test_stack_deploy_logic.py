"""Pure logic of deploying and destroying: what to do per status, waits, failure reports.

moto never fails a resource asynchronously (it answers CreateStack with the error instead),
so the shape of a real CloudFormation failure is given here as DescribeStackEvents returns
it, and ``CloudFormation.failures`` reads it through botocore's own Stubber: the parsing of
the response is botocore's, the selection of this operation's failures is assay's.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import boto3
import pytest
from botocore.stub import Stubber

from assay.checks.stacks.cloudformation import CloudFormation
from assay.checks.stacks.deploy import missing_ids, missing_outputs, text
from assay.checks.stacks.destroy import kept
from assay.checks.stacks.stack_state import StackOutcome, Waiting, action_for
from assay.checks.stacks.waves import failure_line, run_waves

STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/AssayData/0b1c"


@pytest.mark.parametrize(
    ("status", "change_sets", "action"),
    [
        (None, False, "create"),
        ("DELETE_COMPLETE", True, "create"),
        ("REVIEW_IN_PROGRESS", True, "create"),
        ("REVIEW_IN_PROGRESS", False, "recreate"),
        ("ROLLBACK_COMPLETE", True, "recreate"),
        ("CREATE_COMPLETE", False, "update"),
        ("UPDATE_ROLLBACK_COMPLETE", True, "update"),
        ("IMPORT_COMPLETE", False, "update"),
        ("UPDATE_ROLLBACK_FAILED", False, "refuse"),
        ("DELETE_FAILED", False, "refuse"),
        ("ROLLBACK_FAILED", True, "refuse"),
    ],
)
def test_stack_action_follows_the_current_status(
    status: str | None, change_sets: bool, action: str
) -> None:
    assert action_for(status, change_sets) == action


def test_stack_waiting_backs_off_to_the_poll_ceiling() -> None:
    delays = list(itertools.islice(Waiting(timeout=60, poll=1.0).delays(), 7))
    assert delays == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0]


def _event(event_id: str, logical_id: str, kind: str, status: str, reason: str = "") -> dict:
    return {
        "StackId": STACK_ID,
        "EventId": event_id,
        "StackName": "AssayData",
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": "",
        "ResourceType": kind,
        "Timestamp": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        "ResourceStatus": status,
        "ResourceStatusReason": reason,
    }


def test_stack_failures_are_this_operations_failed_events_oldest_first() -> None:
    client = boto3.client(
        "cloudformation",
        region_name="eu-west-1",
        aws_access_key_id="a",
        aws_secret_access_key="b",
    )
    newest_first = [
        _event("e9", "AssayData", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE"),
        _event("e8", "Items", "AWS::DynamoDB::Table", "DELETE_COMPLETE"),
        _event(
            "e7",
            "AssayData",
            "AWS::CloudFormation::Stack",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Uploads].",
        ),
        _event(
            "e6",
            "Uploads",
            "AWS::S3::Bucket",
            "CREATE_FAILED",
            "assay-data already exists",
        ),
        _event(
            "e5",
            "Items",
            "AWS::DynamoDB::Table",
            "CREATE_FAILED",
            "Resource creation cancelled",
        ),
        _event("e4", "AssayData", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS"),
        # an earlier deployment's failure: not this operation's
        _event("e3", "Old", "AWS::SQS::Queue", "UPDATE_FAILED", "an older problem"),
    ]
    with Stubber(client) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": newest_first})
        found = CloudFormation(client, "eu-west-1", Waiting()).failures(STACK_ID, mark="e3")
    assert [(f["logical_id"], f["status"]) for f in found] == [
        ("Items", "CREATE_FAILED"),
        ("Uploads", "CREATE_FAILED"),
    ]
    line = failure_line(
        "AssayData",
        {"message": "AssayData ended ROLLBACK_COMPLETE", "failures": found},
    )
    assert line == (
        "AssayData ended ROLLBACK_COMPLETE — Items (AWS::DynamoDB::Table) CREATE_FAILED: "
        "Resource creation cancelled; Uploads (AWS::S3::Bucket) CREATE_FAILED: "
        "assay-data already exists"
    )


def test_stack_outputs_and_resources_the_endpoint_left_out_are_named() -> None:
    template = {
        "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}},
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Policy": {"Type": "AWS::S3::BucketPolicy"},
            "Meta": {"Type": "AWS::CDK::Metadata", "Condition": "Never"},
        },
        "Outputs": {
            "Name": {"Value": {"Ref": "Bucket"}},
            "Arn": {"Value": {"Fn::GetAtt": ["Bucket", "Arn"]}},
            "Maybe": {"Value": "x", "Condition": "Never"},
        },
    }
    outcome = StackOutcome("Data", "eu-west-1", "create", outputs={"Name": "b-1", "Arn": ""})
    outcome.resources = {
        "Bucket": {"type": "AWS::S3::Bucket", "physical_id": "b-1", "status": "CREATE_COMPLETE"}
    }
    assert missing_outputs(template, outcome) == ["Arn"]
    assert missing_ids(template, outcome) == ["Data/Policy (AWS::S3::BucketPolicy)"]


def test_stack_deletion_policy_and_parameter_text() -> None:
    template = {
        "Resources": {
            "Logs": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
            "Data": {"Type": "AWS::S3::Bucket", "DeletionPolicy": "RetainExceptOnCreate"},
            "Db": {"Type": "AWS::RDS::DBInstance", "DeletionPolicy": "Snapshot"},
            "Tmp": {"Type": "AWS::S3::Bucket"},
        }
    }
    assert [lid for lid in ("Logs", "Data", "Db", "Tmp", "Nope") if kept(template, lid)] == [
        "Logs",
        "Data",
    ]
    assert [text(v) for v in (True, 3, 2.5, "x")] == ["true", "3", "2.5", "x"]


def test_stack_waves_run_in_order_and_failures_block_what_they_say() -> None:
    ran: list[str] = []

    def one(name: str) -> StackOutcome:
        from assay.checks.stacks.stack_state import StackError

        ran.append(name)
        if name == "B":
            raise StackError("DeployFailed", "B ended ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE")
        return StackOutcome(name, "r", "create")

    outcomes, failed, skipped = run_waves([["A", "B"], ["C"], ["D"]], one)
    assert sorted(outcomes) == ["A"] and list(failed) == ["B"] and skipped == ["C", "D"]
    assert failed["B"]["code"] == "DeployFailed" and "C" not in ran

    ran.clear()
    only_after_b = lambda name, done: name == "D" and "B" in done  # noqa: E731
    outcomes, failed, skipped = run_waves([["A", "B"], ["C"], ["D"]], one, only_after_b)
    assert sorted(outcomes) == ["A", "C"] and skipped == ["D"]
