"""A three-stack CDK app for assay's examples and tests (Python, synthesised in process).

    AssayData       S3 bucket (versioned, encrypted, private) and a DynamoDB table;
                    exports their names
    AssayMessaging  an SQS queue with a dead-letter queue and an SNS topic feeding it
    AssayApi        a Lambda function (inline code, no bundling) and its IAM role; imports
                    the data stack's exports with Fn::ImportValue and uses the topic

AssayApi depends on both others (it says so with add_dependency, and CDK adds the topic
reference's export itself), so the deployment waves are [AssayData, AssayMessaging] then
[AssayApi]. The context value ``prefix`` (default Assay) renames stacks and exports, so two
deployments can share an account.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

HANDLER = """\
import json
import os


def handler(event, context):
    return {"bucket": os.environ["BUCKET"], "table": os.environ["TABLE"], "event": event}
"""


def synthesizer() -> cdk.DefaultStackSynthesizer:
    # no CheckBootstrapVersion rule: the stacks deploy to accounts without `cdk bootstrap`
    return cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False)


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, stack_id: str, prefix: str) -> None:
        super().__init__(scope, stack_id, synthesizer=synthesizer())
        bucket = s3.Bucket(
            self,
            "Uploads",
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        table = dynamodb.Table(
            self,
            "Items",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        cdk.CfnOutput(
            self, "BucketName", value=bucket.bucket_name, export_name=f"{prefix}-BucketName"
        )
        cdk.CfnOutput(self, "TableName", value=table.table_name, export_name=f"{prefix}-TableName")


class MessagingStack(cdk.Stack):
    def __init__(self, scope: Construct, stack_id: str) -> None:
        super().__init__(scope, stack_id, synthesizer=synthesizer())
        dead_letters = sqs.Queue(self, "DeadLetters", retention_period=cdk.Duration.days(14))
        self.queue = sqs.Queue(
            self,
            "Jobs",
            visibility_timeout=cdk.Duration.seconds(60),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=3, queue=dead_letters),
        )
        self.topic = sns.Topic(self, "Events")
        self.topic.add_subscription(subscriptions.SqsSubscription(self.queue))
        cdk.CfnOutput(self, "QueueUrl", value=self.queue.queue_url)


class ApiStack(cdk.Stack):
    def __init__(self, scope: Construct, stack_id: str, prefix: str, topic: sns.ITopic) -> None:
        super().__init__(scope, stack_id, synthesizer=synthesizer())
        bucket_name = cdk.Fn.import_value(f"{prefix}-BucketName")
        # an import through Fn::Sub, as hand-written templates often have it
        table_name = cdk.Fn.import_value(cdk.Fn.sub("${Prefix}-TableName", {"Prefix": prefix}))
        role = iam.Role(
            self,
            "HandlerRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(
                    "service-role/AWSLambdaBasicExecutionRole"
                )
            ],
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[
                    cdk.Fn.sub("arn:${AWS::Partition}:s3:::${Bucket}/*", {"Bucket": bucket_name})
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                resources=[
                    cdk.Fn.sub(
                        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Table}",
                        {"Table": table_name},
                    )
                ],
            )
        )
        handler = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            role=role,
            timeout=cdk.Duration.seconds(10),
            environment={"BUCKET": bucket_name, "TABLE": table_name},
        )
        topic.grant_publish(handler)
        cdk.CfnOutput(self, "FunctionName", value=handler.function_name)


def build_app() -> cdk.App:
    """The app; `assay` finds the module-level `app` below, or can be pointed at this."""
    app = cdk.App(analytics_reporting=False)
    prefix = str(app.node.try_get_context("prefix") or "Assay")
    data = DataStack(app, f"{prefix}Data", prefix)
    messaging = MessagingStack(app, f"{prefix}Messaging")
    api = ApiStack(app, f"{prefix}Api", prefix, messaging.topic)
    api.add_dependency(data)  # Fn::ImportValue by name is invisible to CDK: say it
    return app


app = build_app()

if __name__ == "__main__":
    app.synth()
