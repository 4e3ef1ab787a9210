"""How Terraform's attributes of a resource map onto assay's description of it, and how
values are compared as data (``normal``). Read by ``state.py`` (``terraform.state``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from assay.checks.terraform.state_file import Instance

# Terraform attribute -> JMESPath into assay's description of the resource
ATTRIBUTES: dict[str, dict[str, str]] = {
    "aws_s3_bucket": {"bucket": "Name", "arn": "Arn", "tags": "Tags"},
    "aws_dynamodb_table": {
        "name": "Name",
        "arn": "Arn",
        "hash_key": "HashKey",
        "range_key": "RangeKey",
        "billing_mode": "BillingMode",
        "tags": "Tags",
    },
    "aws_sqs_queue": {
        "name": "Name",
        "arn": "Arn",
        "fifo_queue": "Fifo",
        "visibility_timeout_seconds": "Attributes.VisibilityTimeout",
        "message_retention_seconds": "Attributes.MessageRetentionPeriod",
        "delay_seconds": "Attributes.DelaySeconds",
        "max_message_size": "Attributes.MaximumMessageSize",
        "receive_wait_time_seconds": "Attributes.ReceiveMessageWaitTimeSeconds",
        "tags": "Tags",
    },
    "aws_sns_topic": {
        "name": "Name",
        "arn": "Arn",
        "display_name": "Attributes.DisplayName",
        "fifo_topic": "Fifo",
        "tags": "Tags",
    },
    "aws_iam_role": {
        "name": "Name",
        "arn": "Arn",
        "path": "Path",
        "description": "Description",
        "max_session_duration": "MaxSessionDuration",
        "assume_role_policy": "AssumeRolePolicyDocument",
        "tags": "Tags",
    },
    "aws_iam_policy": {
        "name": "Name",
        "arn": "Arn",
        "path": "Path",
        "policy": "Document",
        "tags": "Tags",
    },
    "aws_lambda_function": {
        "function_name": "Name",
        "arn": "Arn",
        "runtime": "Runtime",
        "handler": "Handler",
        "role": "Role",
        "memory_size": "MemorySize",
        "timeout": "Timeout",
        "tags": "Tags",
    },
    "aws_cloudwatch_log_group": {
        "name": "Name",
        "arn": "Arn",
        "retention_in_days": "RetentionInDays",
        "kms_key_id": "KmsKeyId",
        "tags": "Tags",
    },
    "aws_ssm_parameter": {
        "name": "Name",
        "type": "Type",
        "value": "Value",
        "tier": "Tier",
        "tags": "Tags",
    },
    "aws_cloudformation_stack": {
        "name": "Name",
        "parameters": "Parameters",
        "outputs": "Outputs",
        "tags": "Tags",
    },
}


def normal(value: Any) -> Any:
    """A value as data: numbers and booleans by value, JSON text parsed, empty as None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else float(value)
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                return normal(json.loads(text))
            except ValueError:
                return value
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        try:
            return normal(float(text)) if text else None
        except ValueError:
            return value
    if isinstance(value, Mapping):
        out = {str(k): normal(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None} or None
    if isinstance(value, list | tuple):
        return [normal(v) for v in value] or None
    return value


def state_value(instance: Instance, attribute: str) -> Any:
    if attribute == "tags" and instance.attributes.get("tags_all"):
        return instance.attributes["tags_all"]
    return instance.attributes.get(attribute)
