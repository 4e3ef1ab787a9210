"""The AWS family: an ``aws`` target, ``aws.call`` for any operation, resource descriptions.

It also holds what every botocore-based family shares: the service models as parameter
models (``model``), request and response bodies (``bodies``), the error boundary
(``errors``), one operation as a check (``operation``) and the embedded moto server
(``embedded``). ``inventory`` takes stock of an account for leak detection.
"""

from __future__ import annotations

from assay.checks.aws.call import AwsCall
from assay.checks.aws.resource import AwsResource, ReadyMade, kinds
from assay.checks.aws.target import AwsSettings, AwsTarget, AwsTargetType
from assay.core.checks import CHECKS, TARGETS

TARGETS.register("aws", AwsTargetType())
CHECKS.register("aws.call", AwsCall())
for kind in kinds():
    CHECKS.register(kind.name, kind)

__all__ = ["AwsCall", "AwsResource", "AwsSettings", "AwsTarget", "AwsTargetType", "ReadyMade"]
