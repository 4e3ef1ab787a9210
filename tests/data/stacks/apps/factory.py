"""A CDK app built by a function, named after a context value."""

import aws_cdk as cdk
from aws_cdk import aws_sns as sns


def build() -> cdk.App:
    app = cdk.App()
    name = app.node.try_get_context("stack_name") or "Default"
    stack = cdk.Stack(app, name)
    sns.Topic(stack, "Topic")
    return app
