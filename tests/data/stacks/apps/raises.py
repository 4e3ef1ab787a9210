"""A CDK app whose own code fails before it builds anything."""

import aws_cdk as cdk

app = cdk.App()
settings = {"region": "eu-west-1"}
bucket_name = settings["bucket"]  # line 7: KeyError
