"""A CDK app that CDK itself rejects: an invalid bucket name."""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

app = cdk.App()
stack = cdk.Stack(app, "Broken")
s3.Bucket(stack, "Bucket", bucket_name="Not_A_Valid_Bucket_Name!")
