"""A CDK app that reports an error of its own (as a construct library would)."""

import aws_cdk as cdk
from aws_cdk import aws_sqs as sqs

app = cdk.App()
stack = cdk.Stack(app, "Annotated")
queue = sqs.Queue(stack, "Queue")
cdk.Annotations.of(queue).add_error("queues in this stack must be encrypted with a CMK")
cdk.Annotations.of(stack).add_warning("this stack is for tests")
