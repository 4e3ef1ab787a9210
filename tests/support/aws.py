"""Small AWS fixtures the AWS tests share: a Lambda trust policy and a handler's zip."""

from __future__ import annotations

import io
import zipfile

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def zipped_handler() -> bytes:
    """A Lambda deployment package holding one trivial Python handler."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()
