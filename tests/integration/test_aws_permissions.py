"""The aws family under IAM enforcement (moto in its own process): what a limited role sees."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from assay.checks.aws import inventory
from assay.core.results import RunResult, Status
from tests.support.moto_process import EVERYTHING, Keys, MotoProcess

LIMITED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            # moto checks HeadBucket as its own action; AWS as s3:ListBucket
            "Action": [
                "s3:ListBucket",
                "s3:HeadBucket",
                "s3:ListAllMyBuckets",
                "s3:GetBucketLocation",
                "s3:GetBucketVersioning",
                "dynamodb:DescribeTable",
                "dynamodb:ListTables",
            ],
            "Resource": "*",
        }
    ],
}


@pytest.fixture(scope="module")
def enforced() -> Iterator[tuple[MotoProcess, Keys, Keys]]:
    moto = MotoProcess()
    try:
        owner = moto.user("owner", EVERYTHING)
        limited = moto.user("limited", LIMITED)
        moto.enforce_iam()
        yield moto, owner, limited
    finally:
        moto.close()


def clients(moto: MotoProcess, keys: Keys) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = boto3.client(
                service,
                endpoint_url=moto.url,
                region_name="us-east-1",
                aws_access_key_id=keys.access_key,
                aws_secret_access_key=keys.secret_key,
            )
        return made[service]

    return client


def test_unreadable_parts_are_named_not_fatal(
    enforced: tuple[MotoProcess, Keys, Keys],
    write_suite: Callable[..., Path],
    run_suite: Callable[..., RunResult],
) -> None:
    moto, owner, limited = enforced
    as_owner = clients(moto, owner)
    as_owner("s3").create_bucket(Bucket="perm-bucket")
    as_owner("s3").put_bucket_versioning(
        Bucket="perm-bucket", VersioningConfiguration={"Status": "Enabled"}
    )
    path = write_suite(
        f"""\
targets:
  cloud:
    type: aws
    endpoint: {moto.url}
    retries: {{max_attempts: 1}}
    credentials:
      limited: {{access_key: {limited.access_key}, secret_key: "${{LIMITED_SECRET}}"}}
groups:
  - name: g
    test:
      - name: readable part
        aws.s3_bucket: {{name: perm-bucket}}
        expect: {{fields: {{Versioning: Enabled, Unavailable.Tags: {{regex: AccessDenied}}}}}}
      - name: unreadable part
        aws.s3_bucket: {{name: perm-bucket}}
        expect: {{fields: {{Tags.team: data}}}}
      - name: denied describe
        aws.sqs_queue: {{name: anything}}
"""
    )
    readable, unreadable, denied = run_suite(path, {"LIMITED_SECRET": limited.secret_key}).results
    assert readable.status is Status.PASSED, readable.message
    assert unreadable.status is Status.FAILED
    assert "Tags.team: not in the response" in unreadable.message
    assert unreadable.details["response"]["Unavailable"]["Tags"].startswith("AccessDenied")
    # a describe that is denied outright is the target's answer, not a missing resource
    assert denied.status is Status.FAILED and denied.error_code != "ResourceNotFound"
    assert limited.secret_key not in str(denied.details)


def test_inventory_records_services_it_may_not_list(
    enforced: tuple[MotoProcess, Keys, Keys],
) -> None:
    moto, owner, limited = enforced
    clients(moto, owner)("sqs").create_queue(QueueName="perm-queue")
    taken = inventory.take(clients(moto, limited), ["sqs", "dynamodb"])
    assert set(taken.errors) == {"sqs"}
    assert taken.errors["sqs"].startswith("listing SQS queues: HTTP 403")
    full = inventory.take(clients(moto, owner), ["sqs", "dynamodb"])
    assert "sqs.queue:perm-queue" in full and not full.errors
    found = inventory.diff(full, taken)
    assert found.incomplete == {"sqs": taken.errors["sqs"]}
    assert found.deleted == []  # not listed is not deleted: unknown
    assert not found.complete and not found.clean
    assert found.lines() == [f"not listed: sqs ({taken.errors['sqs']})"]
